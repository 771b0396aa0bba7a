"""Sign in: a username and password (AUTH_MODE=local), or the organisation's single sign-on (AUTH_MODE=oidc)."""

import streamlit as st

from rag.errors import DocChatError
from rag.usecases import accounts
from ui.session import address
from ui.shared import services

svc = services()
st.title("💬 DocChat")
notice = st.session_state.pop("signin_notice", None)
if st.query_params.get("signin") == "expired":
    # Sent back by the API's /session: the one-time code of the last sign-in was spent or too old.
    st.query_params.pop("signin")
    notice = "That sign-in did not complete. Please sign in again."
if notice:
    st.warning(notice, icon="🔒")

if svc.settings.auth_mode == "oidc":
    if st.user.get("is_logged_in", False):
        # Back from the provider: the account of this identity, made on the first sign-in.
        try:
            st.session_state.caller = accounts.sign_in_oidc(
                svc, str(st.user.get("sub")), st.user.get("email"), st.user.get("name"), address()
            )
            st.rerun()
        except DocChatError as exc:
            st.error(str(exc), icon="🔒")
            if st.button("Sign out of single sign-on"):
                st.logout()
    else:
        st.write("Sign in with your organisation's account to reach your documents.")
        if st.button("Sign in", type="primary", icon="🔑"):
            st.login()
else:
    with st.form("signin"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            st.session_state.caller = accounts.sign_in(svc, username, password, address())
            st.session_state.keep_signed_in = True
            st.rerun()
        except DocChatError as exc:
            st.error(str(exc), icon="🔒")
    st.caption("No account yet? Ask an admin of DocChat to add you.")
