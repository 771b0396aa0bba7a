"""Workspaces and who is in them: personal ones (made with each user) and shared ones an admin makes."""

from __future__ import annotations

from sqlalchemy import delete, select

from rag.accounts.caller import ROLES
from rag.database.tables import Membership, User, Workspace
from rag.errors import ConflictError, InvalidInputError, UnknownWorkspaceError
from rag.schemas import WorkspacePublic
from rag.services import Services


def find_workspace(services: Services, name_or_id: str) -> Workspace:
    """A shared workspace by its name or id."""
    with services.sessions() as session:
        workspace = session.get(Workspace, name_or_id) or session.scalar(
            select(Workspace).where(Workspace.name == name_or_id.strip(), Workspace.personal_of.is_(None))
        )
    if workspace is None:
        raise UnknownWorkspaceError(f"No shared workspace is called {name_or_id}.")
    return workspace


def create_shared(services: Services, name: str) -> Workspace:
    name = " ".join((name or "").split())[:120]
    if not name:
        raise InvalidInputError("A workspace needs a name.")
    with services.sessions.begin() as session:
        taken = select(Workspace.id).where(Workspace.name == name, Workspace.personal_of.is_(None))
        if session.scalar(taken):
            raise ConflictError(f"There is already a shared workspace called {name}.")
        workspace = Workspace(name=name)
        session.add(workspace)
    return workspace


def set_member(services: Services, workspace: Workspace, user: User, role: str) -> None:
    if role not in ROLES or role == "owner":
        raise InvalidInputError("A member of a shared workspace is a viewer (asks and reads) or an editor.")
    if workspace.personal_of is not None:
        raise ConflictError("A personal workspace has one member: share a conversation, or use a shared one.")
    with services.sessions.begin() as session:
        session.merge(Membership(workspace_id=workspace.id, user_id=user.id, role=role))


def remove_member(services: Services, workspace: Workspace, user: User) -> None:
    if workspace.personal_of is not None:
        raise ConflictError("A personal workspace keeps its owner.")
    with services.sessions.begin() as session:
        session.execute(
            delete(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
        )


def all_workspaces(services: Services) -> list[WorkspacePublic]:
    """Every shared workspace with its members, for admins (personal ones are their owners' business)."""
    with services.sessions() as session:
        shared = list(
            session.scalars(select(Workspace).where(Workspace.personal_of.is_(None)).order_by(Workspace.name))
        )
        rows = session.execute(
            select(Membership.workspace_id, User.username, Membership.role).join(User, User.id == Membership.user_id)
        ).all()
    members: dict[str, dict[str, str]] = {}
    for workspace_id, username, role in rows:
        members.setdefault(workspace_id, {})[username] = role
    return [
        WorkspacePublic(id=w.id, name=w.name, personal=False, role=None, members=members.get(w.id, {})) for w in shared
    ]


def public(workspace: Workspace, role: str | None) -> WorkspacePublic:
    return WorkspacePublic(id=workspace.id, name=workspace.name, personal=workspace.personal_of is not None, role=role)  # type: ignore[arg-type]
