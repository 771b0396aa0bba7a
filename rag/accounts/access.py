"""Who the caller is: a sign-in (password or single sign-on), an API key, or, with AUTH_MODE=none, the owner.
Every use case gets its `Caller` from here; none is ever built from what a client says about itself."""

from __future__ import annotations

from sqlalchemy import select

from rag.accounts import audit
from rag.accounts.caller import Caller
from rag.accounts.keys import user_of_key
from rag.accounts.passwords import needs_rehash, verify_password
from rag.accounts.users import add_user, checked_username, find_user, get_user, memberships_of, owner, set_password
from rag.database.tables import User
from rag.errors import SignInError, UnknownUserError, UnknownWorkspaceError
from rag.services import Services

WRONG = "Wrong username or password."


def caller_for(services: Services, user: User, workspace_id: str | None = None, address: str = "") -> Caller:
    """The user acting in `workspace_id` (their personal workspace when None). Refused for a disabled user, and
    for a workspace they are not a member of (as if it did not exist)."""
    fresh = get_user(services, user.id)  # read again: a user disabled a moment ago is refused at once
    if fresh is None or fresh.disabled:
        raise SignInError("This account is disabled. Ask an admin of DocChat.")
    mine = memberships_of(services, fresh.id)
    if not mine:
        raise UnknownWorkspaceError("You are not a member of any workspace: ask an admin of DocChat.")
    found = mine[0]
    if workspace_id:
        # By id (the API's header, the pages' URL), or by name (the command line's --workspace).
        wanted = workspace_id.strip()
        named = [m for m in mine if m[0].id == wanted] or [m for m in mine if m[0].name.lower() == wanted.lower()]
        if not named:
            raise UnknownWorkspaceError(f"You are not a member of a workspace {wanted}, or it does not exist.")
        found = named[0]
    workspace, role = found
    return Caller(
        user_id=fresh.id,
        username=fresh.username,
        is_admin=fresh.is_admin,
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        personal=workspace.personal_of is not None,
        role=role,  # type: ignore[arg-type]
        address=address,
    )


def resolve(services: Services, caller: Caller | None) -> Caller:
    """The caller a use case acts for. With AUTH_MODE=none, no caller means the owner, as before accounts; with
    accounts, a front end that has no signed-in caller is refused here."""
    if caller is not None:
        return caller
    if services.settings.auth_mode == "none":
        return caller_for(services, owner(services))
    raise SignInError("Sign in first.")


# Different usernames that may fail to sign in from one address in 15 minutes: a team behind one address mistypes
# far fewer, a password spray tries far more.
ADDRESS_NAMES = 10


def sign_in(services: Services, username: str, password: str, address: str = "") -> User:
    """Checks a username and password: at most `signin_attempts` checks of one user in 15 min (a sign-in starts
    the count again), and from one address failures for at most ADDRESS_NAMES different users. So one user's
    wrong passwords lock out that user alone, never a colleague behind the same address."""
    name = (username or "").strip()[:80]
    since = audit.window()
    # Each check is written down before it is made, then counted with the others: checks at the same moment each
    # see those written before them, so no more than the limit are made (counted first, 20 at once were all made).
    audit.record(services, "signin.check", target=name, address=address)
    over = audit.checks_since(services, name, since) > services.settings.signin_attempts
    if over or (address and audit.names_failed_from(services, address, since) >= ADDRESS_NAMES):
        audit.record(services, "signin.refused", target=name, detail="too many failed attempts", address=address)
        raise SignInError("Too many failed sign-ins. Wait 15 minutes, or ask an admin to reset your password.")
    try:
        user = find_user(services, name)
    except UnknownUserError:
        user = None
    if not verify_password(user.password_hash if user else None, password or "") or user is None or user.disabled:
        audit.record(services, "signin.failed", target=name, address=address)
        raise SignInError(WRONG)
    if user.password_hash and needs_rehash(user.password_hash):
        set_password(services, user.username, password)
    _own(services, "signin", user, "", address)
    return user


def key_caller(services: Services, key: str, workspace_id: str | None = None, address: str = "") -> Caller:
    return caller_for(services, user_of_key(services, key), workspace_id, address)


def oidc_user(services: Services, subject: str, email: str | None, name: str | None, address: str = "") -> User:
    """The account of a single sign-on identity: the one it signed in as before; else an account an admin made
    for its e-mail, which it then takes; else a new account, made now. The provider's `sub` is the identity:
    an e-mail address can change hands, so it is matched once, to bind, never afterwards."""
    with services.sessions() as session:
        bound = session.scalar(select(User).where(User.oidc_subject == subject))
        waiting = (
            session.scalar(select(User).where(User.username == email, User.oidc_subject.is_(None))) if email else None
        )
    if bound is not None:
        user = bound
    elif waiting is not None and waiting.password_hash is None:
        with services.sessions.begin() as session:
            user = session.get_one(User, waiting.id)
            user.oidc_subject = subject
    else:
        wanted = checked_or_none(email) or checked_or_none(name) or f"user-{subject[:24]}"
        user = add_user(services, _free_name(services, wanted), None, oidc_subject=subject)
        _own(services, "user.create", user, "first single sign-on", address)
    if user.disabled:
        audit.record(services, "signin.failed", target=user.username, detail="disabled", address=address)
        raise SignInError("This account is disabled. Ask an admin of DocChat.")
    _own(services, "signin", user, "single sign-on", address)
    return user


def _own(services: Services, action: str, user: User, detail: str, address: str) -> None:
    """An event of what a user did to their own account."""
    audit.record(
        services, action, user_id=user.id, username=user.username, target=user.username, detail=detail, address=address
    )


def checked_or_none(value: str | None) -> str | None:
    try:
        return checked_username(value or "")
    except Exception:  # noqa: BLE001 - not usable as a username: the next candidate is tried
        return None


def _free_name(services: Services, wanted: str) -> str:
    name, n = wanted, 1
    while True:
        try:
            find_user(services, name)
        except UnknownUserError:
            return name
        n += 1
        name = f"{wanted[:75]}-{n}"
