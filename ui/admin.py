"""Admin: users, shared workspaces and their members, the quality review queue, and the audit log."""

import streamlit as st

from rag.errors import DocChatError
from rag.presentation import label_markdown
from rag.usecases import accounts, review
from ui.session import caller
from ui.shared import database_guard, services

svc = services()
who = caller()
st.title("🛡️ Admin")
users_tab, workspaces_tab, review_tab, audit_tab = st.tabs(["Users", "Workspaces", "Review queue", "Audit log"])


def attempt(action, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
    try:
        action(svc, *args, caller=who, **kwargs)
        return True
    except DocChatError as exc:
        st.error(str(exc), icon="⚠️")
        return False


with users_tab:
    with database_guard():
        users = accounts.list_users(svc, caller=who)
    for user in users:
        name, state, toggle, reset = st.columns([3, 2, 2, 3], vertical_alignment="center")
        name.markdown(f"**{label_markdown(user.username)}**" + (" · admin" if user.is_admin else ""))
        state.caption("disabled" if user.disabled else "active")
        if toggle.button("Enable" if user.disabled else "Disable", key=f"toggle_{user.id}"):
            if attempt(accounts.set_disabled, user.username, not user.disabled):
                st.rerun()
        with reset.popover("Reset password", key=f"reset_{user.id}"):
            password = st.text_input("New password", type="password", key=f"password_{user.id}")
            if st.button("Set", key=f"set_{user.id}") and attempt(accounts.reset_password, user.username, password):
                st.success(f"{user.username} has a new password.")
    with st.form("add_user", clear_on_submit=True):
        st.markdown("**Add a user**")
        username = st.text_input("Username")
        password = st.text_input("Password", type="password", help="Leave empty for single sign-on only.")
        admin = st.checkbox("Admin")
        if st.form_submit_button("Add", icon="➕") and attempt(accounts.add_user, username, password or None, admin):
            st.rerun()

with workspaces_tab:
    with database_guard():
        shared = accounts.list_workspaces(svc, caller=who)
    names = [u.username for u in users]
    for workspace in shared:
        with st.expander(f"{workspace.name} · {len(workspace.members)} member(s)", icon="👥"):
            for member, role in workspace.members.items():
                name, action = st.columns([5, 2], vertical_alignment="center")
                name.markdown(f"{label_markdown(member)} · {role}")
                if action.button("Remove", key=f"remove_{workspace.id}_{member}"):
                    if attempt(accounts.set_member, workspace.id, member, None):
                        st.rerun()
            user = st.selectbox("Add", names, key=f"add_{workspace.id}", index=None, placeholder="A user")
            role = st.radio("as", ["viewer", "editor"], key=f"role_{workspace.id}", horizontal=True)
            if user and st.button("Add member", key=f"member_{workspace.id}"):
                if attempt(accounts.set_member, workspace.id, user, role):
                    st.rerun()
    with st.form("new_workspace", clear_on_submit=True):
        name = st.text_input("New shared workspace")
        if st.form_submit_button("Create", icon="➕") and attempt(accounts.create_workspace, name):
            st.rerun()

with review_tab:
    st.caption("Answers marked 👎, and answers with sentences the grounding check did not find in the passages.")
    with database_guard():
        queue = review.review_queue(svc, caller=who)
    if not queue:
        st.info("Nothing to review.", icon="✅")
    for item in queue:
        mark = "👎 " if item.feedback == "down" else ""
        with st.expander(f"{mark}{label_markdown(item.question[:100])} · {item.asked_by} · {item.workspace}"):
            if item.feedback_reason:
                st.markdown(f"**Reason given:** {label_markdown(item.feedback_reason)}")
            st.markdown(label_markdown(item.answer) or "_(quotes only)_")
            for sentence in item.unsupported:
                st.caption(f"Not found in the passages: {label_markdown(sentence)}")
            if st.button("Open the conversation", key=f"open_{item.message_id}"):
                with database_guard():
                    detail = review.review_conversation(svc, item.conversation_id, caller=who)
                for message in detail.messages:
                    st.markdown(f"**{message.role}:** {label_markdown(message.content)}")

with audit_tab:
    action_filter, user_filter = st.columns(2)
    action = action_filter.text_input("Action starts with", placeholder="signin, document, key, user…")
    user = user_filter.text_input("User")
    with database_guard():
        events = review.audit_log(svc, caller=who, action=action, username=user, limit=500)
    st.dataframe(
        [e.model_dump() for e in events],
        column_order=["at", "username", "action", "target", "detail", "address"],
        hide_index=True,
    )
    if st.button("Prepare CSV", icon="⬇️"):
        with database_guard():
            st.session_state.audit_csv = review.audit_csv(svc, caller=who, action=action, username=user)
    if st.session_state.get("audit_csv"):
        st.download_button("Download the audit log", st.session_state.audit_csv, "docchat-audit.csv", "text/csv")
