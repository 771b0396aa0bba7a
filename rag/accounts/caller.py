"""The caller: who asks, in which workspace, with which role. Every use case acts for one, and the permission
checks live here, in one place."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from rag.errors import PermissionDeniedError

Role = Literal["owner", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("owner", "editor", "viewer")


class Caller(BaseModel):
    """A user acting in one of their workspaces. Built by rag/accounts/access.py only, after the user was
    found enabled and a member of the workspace."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    username: str
    is_admin: bool
    workspace_id: str
    workspace_name: str
    personal: bool
    role: Role
    # Where the request came from, for the audit log ("cli", "127.0.0.1", "browser").
    address: str = ""

    @property
    def can_edit(self) -> bool:
        return self.role in ("owner", "editor")

    def require_edit(self, doing: str) -> None:
        if not self.can_edit:
            raise PermissionDeniedError(
                f"You can read and ask in {self.workspace_name}, but not {doing}: ask its admin to make you an editor."
            )

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDeniedError("Only an admin can do that.")


# The operator at the server's command line (`python -m rag users …`): whoever can run it can read the
# database anyway. Only rag/cli/main.py passes it; the API and the pages build callers from a sign-in or a key.
OPERATOR = Caller(
    user_id="",
    username="(command line)",
    is_admin=True,
    workspace_id="",
    workspace_name="",
    personal=False,
    role="viewer",
    address="cli",
)
