"""The Streamlit script every browser session runs: the app's pages, one idea each. With accounts on, nobody
reaches a page but the sign-in page before signing in."""

import streamlit as st

from ui.session import keep_signed_in, remember_link, signed_in, workspace_switcher
from ui.shared import database_guard, services

st.set_page_config(page_title="DocChat", page_icon="💬", layout="wide")

svc = services()
# A question typed while the database is away is refused out loud, naming it (as the chat page does).
asked = st.session_state.get("question") or st.session_state.get("pending")
with database_guard(f", so your question was not sent: “{asked}”. Try again in a moment." if asked else None):
    who = signed_in(svc)

# Paths are relative to this script's folder.
if who is None:
    remember_link()
    pages = [st.Page("signin.py", title="Sign in", icon="🔑", default=True)]
else:
    pages = [
        st.Page("chat.py", title="Chat", icon="💬", default=True),
        st.Page("documents.py", title="Documents", icon="📄"),
    ]
    if svc.settings.auth_mode != "none":
        pages.append(st.Page("account.py", title="Account", icon="👤"))
    if who.is_admin and svc.settings.auth_mode != "none":
        pages.append(st.Page("admin.py", title="Admin", icon="🛡️"))
navigation = st.navigation(pages)
if who is not None:
    with st.sidebar, database_guard():
        workspace_switcher(svc, who)
    if st.session_state.pop("keep_signed_in", False):
        with database_guard():
            keep_signed_in(svc, who)
navigation.run()
