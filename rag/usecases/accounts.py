"""Accounts, as every front end manages them: signing in, workspaces, users, API keys."""

from __future__ import annotations

from rag.accounts import access, audit, browser_sessions, keys, passwords, users, workspaces
from rag.accounts.caller import OPERATOR as OPERATOR
from rag.accounts.caller import Caller
from rag.errors import PermissionDeniedError
from rag.schemas import ApiKeyPublic, NewApiKey, UserPublic, WorkspacePublic
from rag.services import Services

# Beside the use cases, what a front end names: the sign-in cookie, how an API key begins, and what a username and
# a password may be (the HTTP API's schema says it).
SESSION_COOKIE = browser_sessions.COOKIE
KEY_PREFIX = keys.PREFIX
USERNAME_PATTERN = users.USERNAME_PATTERN
PASSWORD_LENGTHS = (passwords.MIN_LENGTH, passwords.MAX_LENGTH)


def _log(services: Services, who: Caller, action: str, target: str, detail: str = "") -> None:
    audit.by(services, who, action, target, detail)


def local_caller(services: Services, workspace_id: str | None = None) -> Caller:
    """With AUTH_MODE=none, the one owner (in `workspace_id`, or their personal workspace)."""
    if services.settings.auth_mode != "none":
        raise PermissionDeniedError("Sign in first.")
    return access.caller_for(services, users.owner(services), workspace_id)


def sign_in(services: Services, username: str, password: str, address: str = "") -> Caller:
    return access.caller_for(services, access.sign_in(services, username, password, address), None, address)


def sign_in_oidc(services: Services, subject: str, email: str | None, name: str | None, address: str = "") -> Caller:
    return access.caller_for(services, access.oidc_user(services, subject, email, name, address), None, address)


def caller_for_key(services: Services, key: str, workspace_id: str | None = None, address: str = "") -> Caller:
    return access.key_caller(services, key, workspace_id, address)


def refreshed(services: Services, caller: Caller, workspace_id: str | None = None) -> Caller:
    """The caller read again (a disabled user, or one removed from the workspace, is refused at once), in
    `workspace_id` when given: how a front end switches workspaces."""
    user = users.get_user(services, caller.user_id)
    if user is None:
        raise access.SignInError("This account no longer exists.")
    return access.caller_for(services, user, workspace_id or caller.workspace_id, caller.address)


def my_workspaces(services: Services, caller: Caller) -> list[WorkspacePublic]:
    return [workspaces.public(w, role) for w, role in users.memberships_of(services, caller.user_id)]


def add_user(services: Services, username: str, password: str | None, admin: bool, *, caller: Caller) -> UserPublic:
    caller.require_admin()
    user = users.add_user(services, username, password, admin=admin)
    _log(services, caller, "user.create", user.username, "admin" if admin else "")
    return UserPublic.model_validate(user)


def list_users(services: Services, *, caller: Caller) -> list[UserPublic]:
    caller.require_admin()
    return [UserPublic.model_validate(u) for u in users.list_users(services) if not u.implicit]


def set_disabled(services: Services, username: str, disabled: bool, *, caller: Caller) -> UserPublic:
    caller.require_admin()
    user = users.set_disabled(services, username, disabled)
    _log(services, caller, "user.disable" if disabled else "user.enable", user.username)
    return UserPublic.model_validate(user)


def reset_password(services: Services, username: str, password: str, *, caller: Caller) -> UserPublic:
    if not caller.is_admin and caller.username != username:
        raise PermissionDeniedError("Only an admin can set another user's password.")
    user = users.set_password(services, username, password)
    _log(services, caller, "user.password", user.username)
    return UserPublic.model_validate(user)


def create_key(services: Services, username: str, name: str = "", *, caller: Caller) -> NewApiKey:
    if not caller.is_admin and caller.username != username:
        raise PermissionDeniedError("You can create API keys for yourself only.")
    user = users.find_user(services, username)
    created = keys.create_key(services, user, name)
    _log(services, caller, "key.create", user.username, f"key {created.prefix}")
    return created


def list_keys(services: Services, *, caller: Caller, everyone: bool = False) -> list[ApiKeyPublic]:
    if everyone:
        caller.require_admin()
    return keys.list_keys(services, None if everyone else caller.user_id)


def revoke_key(services: Services, prefix: str, *, caller: Caller) -> ApiKeyPublic:
    revoked = keys.revoke_key(services, prefix, None if caller.is_admin else caller.user_id)
    _log(services, caller, "key.revoke", revoked.username, f"key {revoked.prefix}")
    return revoked


def create_workspace(services: Services, name: str, *, caller: Caller) -> WorkspacePublic:
    caller.require_admin()
    workspace = workspaces.create_shared(services, name)
    _log(services, caller, "workspace.create", workspace.name)
    return workspaces.public(workspace, None)


def set_member(services: Services, workspace: str, username: str, role: str | None, *, caller: Caller) -> None:
    """Adds the user to a shared workspace as `role` ("viewer" or "editor"), or removes them with None."""
    caller.require_admin()
    found, user = workspaces.find_workspace(services, workspace), users.find_user(services, username)
    if role is None:
        workspaces.remove_member(services, found, user)
        _log(services, caller, "workspace.member.remove", user.username, found.name)
    else:
        workspaces.set_member(services, found, user, role)
        _log(services, caller, "workspace.member", user.username, f"{found.name}: {role}")


def list_workspaces(services: Services, *, caller: Caller) -> list[WorkspacePublic]:
    caller.require_admin()
    return workspaces.all_workspaces(services)


def begin_browser_session(services: Services, caller: Caller) -> str:
    """After a password sign-in: a one-time code the browser trades for its session cookie (api/routes/session.py)."""
    user = users.get_user(services, caller.user_id)
    if user is None:
        raise access.SignInError("This account no longer exists.")
    return browser_sessions.start(services, user)


def open_browser_session(services: Services, code: str) -> tuple[str, float]:
    """The session token for a one-time code, and the seconds it lasts."""
    return browser_sessions.exchange(services, code)


def caller_for_session(services: Services, token: str, workspace_id: str | None = None, address: str = "") -> Caller:
    return access.caller_for(services, browser_sessions.user_of(services, token), workspace_id, address)


def end_browser_session(services: Services, token: str) -> None:
    browser_sessions.end(services, token)
