"""Who is using this browser session: the signed-in caller (or, without accounts, the owner), read again on
every run, so a user disabled or removed from a workspace is refused at once; and the workspace switcher."""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from rag.errors import DocChatError, SignInError
from rag.presentation import label_markdown
from rag.usecases import accounts
from rag.usecases.accounts import Caller
from rag.usecases.startup import Services


def address() -> str:
    # The browser's address as Streamlit saw it, for the audit log and the sign-in limits.
    found = getattr(st.context, "ip_address", None)
    return found if isinstance(found, str) and found else "browser"


def signed_in(svc: Services) -> Caller | None:
    """The caller of this run, in the workspace of the URL (?ws=), or None when nobody is signed in."""
    wanted = st.query_params.get("ws")
    try:
        if svc.settings.auth_mode == "none":
            who = accounts.local_caller(svc, wanted)
        else:
            who = st.session_state.get("caller")
            if who is None:
                return _from_cookie(svc, wanted)
            who = accounts.refreshed(svc, who, wanted)
    except SignInError as exc:
        sign_out(str(exc))
        return None
    except DocChatError:
        if not wanted:
            raise
        st.query_params.pop("ws", None)  # a workspace one is no longer a member of: back to the personal one
        return signed_in(svc)
    st.session_state.caller = who
    return who


def _cookie() -> str | None:
    found = st.context.cookies.get(accounts.SESSION_COOKIE)
    return found if isinstance(found, str) else None  # AppTest's context has no real cookies


def _from_cookie(svc: Services, wanted: str | None) -> Caller | None:
    """The caller of this browser's session cookie (a password sign-in of an earlier visit), if still valid."""
    token = _cookie()
    if not token:
        return None
    try:
        who = accounts.caller_for_session(svc, token, wanted, address())
    except SignInError:
        return None  # ended, expired, or its user disabled: the sign-in page
    st.session_state.caller = who
    return who


def remember_link() -> None:
    """Before sign-in: the page and query the browser asked for (a link to a shared conversation, say), to go
    back to once signed in. Signing in reloads the page, and Streamlit's own address has lost them by then."""
    if "after_sign_in" not in st.session_state:
        asked = urlsplit(str(getattr(st.context, "url", None) or "/"))
        query = urlencode({k: v for k, v in st.query_params.to_dict().items() if k != "signin"})
        st.session_state.after_sign_in = (asked.path or "/") + (f"?{query}" if query else "")


def keep_signed_in(svc: Services, who: Caller) -> None:
    """After a password sign-in: the browser trades a one-time code for its HttpOnly session cookie, so a
    reload or a new tab stays signed in. Posted by a form, so the code is in no address bar, history or log."""
    code = accounts.begin_browser_session(svc, who)
    back = html.escape(st.session_state.pop("after_sign_in", "/"), quote=True)
    # The API's path under the pages' own origin (app.py mounts it at /api/v1). Posted once a page: Streamlit
    # may draw the element twice, and a second post cancelled the first navigation after the server had spent
    # the code, so the browser came back with no cookie (2 sign-ins in 3 ended on "That sign-in link has expired").
    st.html(
        f'<form id="docchat-session" method="post" action="/api/v1/session" target="_top">'
        f'<input type="hidden" name="code" value="{code}"><input type="hidden" name="next" value="{back}"></form>'
        "<script>if (!window.top.docchatSessionPosted) {"
        ' window.top.docchatSessionPosted = true; document.getElementById("docchat-session").submit() }</script>',
        unsafe_allow_javascript=True,
    )


def caller() -> Caller:
    """The caller main.py found for this run: every page acts for it."""
    return st.session_state.caller


def sign_out(reason: str = "", svc: Services | None = None) -> None:
    st.session_state.pop("caller", None)
    token = _cookie()
    if token and svc is not None:
        accounts.end_browser_session(svc, token)  # the cookie, if it is sent again, no longer signs in
    if reason:
        st.session_state.signin_notice = reason
    if st.user.get("is_logged_in", False):
        st.logout()


def workspace_switcher(svc: Services, who: Caller) -> None:
    """In the sidebar: the workspace the pages act in, and who is signed in."""
    mine = accounts.my_workspaces(svc, who)
    if len(mine) > 1:
        ids = [w.id for w in mine]
        names = {w.id: f"{w.name}" + ("" if w.personal else f" · {w.role}") for w in mine}
        chosen = st.selectbox("Workspace", ids, index=ids.index(who.workspace_id), format_func=names.get)
        if chosen != who.workspace_id:
            st.query_params.clear()  # an open conversation belongs to the old workspace
            st.query_params["ws"] = chosen
            st.rerun()
    if svc.settings.auth_mode != "none":
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(f"Signed in as **{label_markdown(who.username)}**")
            if st.button("Sign out", key="sign_out", type="tertiary"):
                sign_out(svc=svc)
                st.rerun()
