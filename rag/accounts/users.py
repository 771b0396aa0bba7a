"""Users: add, list, disable, enable, reset; each with a personal workspace from the start."""

from __future__ import annotations

import re

from sqlalchemy import Select, select

from rag.accounts.passwords import hash_password
from rag.database.tables import Membership, User, Workspace
from rag.errors import ConflictError, InvalidInputError, UnknownUserError
from rag.services import Services

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,79}$"
_NAME = re.compile(USERNAME_PATTERN)


def checked_username(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InvalidInputError(
            "A username has 1 to 80 letters, digits or . _ @ + -, and starts with a letter or a digit."
        )
    return name


def find_user(services: Services, username: str) -> User:
    with services.sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise UnknownUserError(f"No user is called {username}.")
    return user


def get_user(services: Services, user_id: str) -> User | None:
    with services.sessions() as session:
        return session.get(User, user_id)


def list_users(services: Services) -> list[User]:
    with services.sessions() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def owner(services: Services) -> User:
    """The first enabled admin: everybody, while AUTH_MODE=none. The migration makes one, and the last enabled
    admin cannot be disabled, so there always is one."""
    with services.sessions() as session:
        admins = select(User).where(User.is_admin.is_(True), User.disabled.is_(False))
        query = admins.order_by(User.created_at, User.id).limit(1)
        user = session.scalar(query)
    if user is None:  # every admin was demoted by hand in the database
        raise UnknownUserError("DocChat has no admin: create one with `python -m rag users add NAME --admin`.")
    return user


def memberships_of(services: Services, user_id: str) -> list[tuple[Workspace, str]]:
    """The user's workspaces with their role: personal first, then shared ones by name."""
    query = (
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.personal_of.is_(None), Workspace.name)
    )
    with services.sessions() as session:
        return [(w, r) for w, r in session.execute(query)]


def member_workspace_ids(user_id: str | None) -> Select[tuple[str]]:
    """The ids of the workspaces the user is a member of (none for no user), to be used inside another query."""
    return select(Membership.workspace_id).where(Membership.user_id == user_id)


def owner_workspace(services: Services, workspace_id: str | None) -> str:
    """`workspace_id`, or with AUTH_MODE=none and none given, the owner's personal workspace (what the library
    functions default to for the one person on a laptop). With accounts, a missing scope is a bug: refused."""
    if workspace_id:
        return workspace_id
    if services.settings.auth_mode != "none":
        raise RuntimeError("a library function was called without a workspace while accounts are on")
    return memberships_of(services, owner(services).id)[0][0].id


def add_user(
    services: Services, username: str, password: str | None, *, admin: bool = False, oidc_subject: str | None = None
) -> User:
    """A new user with a personal workspace. The first admin added claims the implicit owner of AUTH_MODE=none,
    and with it the library that was there before accounts."""
    username = checked_username(username)
    hashed = hash_password(password) if password is not None else None
    with services.sessions.begin() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise ConflictError(f"There is already a user called {username}.")
        implicit = session.scalar(select(User).where(User.implicit.is_(True))) if admin else None
        if implicit is not None:
            implicit.username, implicit.password_hash, implicit.implicit = username, hashed, False
            implicit.oidc_subject = oidc_subject
            return implicit
        user = User(username=username, password_hash=hashed, is_admin=admin, oidc_subject=oidc_subject)
        session.add(user)
        session.flush()
        personal = Workspace(name="Personal", personal_of=user.id)
        session.add(personal)
        session.flush()
        session.add(Membership(workspace_id=personal.id, user_id=user.id, role="owner"))
    return user


def set_disabled(services: Services, username: str, disabled: bool) -> User:
    with services.sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise UnknownUserError(f"No user is called {username}.")
        if disabled and user.is_admin:
            admins = session.scalars(select(User.id).where(User.is_admin.is_(True), User.disabled.is_(False)))
            if len(list(admins)) <= 1:
                raise ConflictError(f"{username} is the last admin: make another admin first.")
        user.disabled = disabled
    return user


def set_password(services: Services, username: str, password: str) -> User:
    hashed = hash_password(password)
    with services.sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise UnknownUserError(f"No user is called {username}.")
        user.password_hash = hashed
    return user
