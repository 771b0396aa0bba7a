"""Account: your workspaces, your API keys (for the HTTP API and the command line), and your password."""

import streamlit as st

from rag.errors import DocChatError
from rag.presentation import label_markdown
from rag.usecases import accounts
from ui.session import caller
from ui.shared import database_guard, services

svc = services()
who = caller()
st.title(f"👤 {label_markdown(who.username)}")

st.subheader("Workspaces")
with database_guard():
    mine = accounts.my_workspaces(svc, who)
for workspace in mine:
    kind = "personal" if workspace.personal else f"shared · you are {workspace.role}"
    st.markdown(f"- **{label_markdown(workspace.name)}** ({kind})")

st.subheader("API keys")
st.caption(
    "A key lets a script, the command line (DOCCHAT_API_KEY) or the HTTP API act as you. It is shown once, "
    "when it is created; DocChat keeps only a hash of it."
)
created = st.session_state.pop("new_key", None)
if created:
    st.success("Your new key; copy it now, it will not be shown again:", icon="🔑")
    st.code(created, language=None)
with st.form("new_key", clear_on_submit=True):
    label = st.text_input("What is it for?", max_chars=120, placeholder="e.g. nightly import script")
    if st.form_submit_button("Create a key", icon="➕"):
        with database_guard():
            st.session_state.new_key = accounts.create_key(svc, who.username, label, caller=who).key
        st.rerun()
with database_guard():
    keys = accounts.list_keys(svc, caller=who)
for key in keys:
    name, state, action = st.columns([4, 3, 2], vertical_alignment="center")
    name.markdown(f"`{key.prefix}` {label_markdown(key.name or '')}")
    used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
    state.caption(f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else used)
    if not key.revoked_at and action.button("Revoke", key=f"revoke_{key.prefix}"):
        with database_guard():
            accounts.revoke_key(svc, key.prefix, caller=who)
        st.rerun()

if svc.settings.auth_mode == "local":
    st.subheader("Password")
    with st.form("password", clear_on_submit=True):
        first = st.text_input("New password", type="password", autocomplete="new-password")
        again = st.text_input("Again", type="password", autocomplete="new-password")
        if st.form_submit_button("Change my password"):
            if first != again:
                st.error("The two passwords differ; nothing was changed.")
            else:
                try:
                    accounts.reset_password(svc, who.username, first, caller=who)
                    st.success("Your password was changed.")
                except DocChatError as exc:
                    st.error(str(exc))
