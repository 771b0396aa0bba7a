"""/me, /workspaces, /keys and /admin: who the key acts as, their workspaces and keys; users, shared workspaces,
the review queue and the audit log for admins."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import Authenticated, CallerDep, ServicesDep
from api.errors import ERRORS
from api.fields import NOT_BLANK, Body
from rag.schemas import ApiKeyPublic, AuditEventPublic, NewApiKey, ReviewItem, UserPublic, WorkspacePublic
from rag.usecases import accounts, review

router = APIRouter(tags=["accounts"], dependencies=[Authenticated], responses=ERRORS)


class Me(BaseModel):
    username: str
    is_admin: bool
    workspace: WorkspacePublic
    workspaces: list[WorkspacePublic]


class NewKey(Body):
    name: str = Field(default="", max_length=120, description="What the key is for, to tell keys apart.")


class NewUser(Body):
    username: str = Field(pattern=accounts.USERNAME_PATTERN, description="Letters, digits or . _ @ + -")
    password: str | None = Field(
        default=None,
        min_length=accounts.PASSWORD_LENGTHS[0],
        max_length=accounts.PASSWORD_LENGTHS[1],
        description="Omit for a user who signs in with single sign-on.",
    )
    admin: bool = False


class NewWorkspace(Body):
    name: str = Field(min_length=1, max_length=120, pattern=NOT_BLANK)


class Member(Body):
    role: Literal["viewer", "editor"]


@router.get("/me", response_model=Me)
async def me(services: ServicesDep, caller: CallerDep) -> Me:
    """The user the key acts as, the workspace of this request (header X-Workspace) and all of theirs."""
    mine = await run_in_threadpool(accounts.my_workspaces, services, caller)
    current = next(w for w in mine if w.id == caller.workspace_id)
    return Me(username=caller.username, is_admin=caller.is_admin, workspace=current, workspaces=mine)


@router.get("/keys", response_model=list[ApiKeyPublic])
async def list_keys(services: ServicesDep, caller: CallerDep) -> list[ApiKeyPublic]:
    return await run_in_threadpool(accounts.list_keys, services, caller=caller)


@router.post("/keys", status_code=201, response_model=NewApiKey)
async def create_key(services: ServicesDep, caller: CallerDep, body: NewKey | None = None) -> NewApiKey:
    """A new key for yourself. Its `key` is shown this once; only a hash of it is kept."""
    name = (body or NewKey()).name
    return await run_in_threadpool(accounts.create_key, services, caller.username, name, caller=caller)


@router.delete("/keys/{prefix}", status_code=204, response_class=Response)
async def revoke_key(prefix: str, services: ServicesDep, caller: CallerDep) -> Response:
    """Revokes one of your keys (an admin: anyone's) at once."""
    await run_in_threadpool(accounts.revoke_key, services, prefix, caller=caller)
    return Response(status_code=204)


@router.get("/admin/users", response_model=list[UserPublic])
async def list_users(services: ServicesDep, caller: CallerDep) -> list[UserPublic]:
    return await run_in_threadpool(accounts.list_users, services, caller=caller)


@router.post("/admin/users", status_code=201, response_model=UserPublic)
async def add_user(body: NewUser, services: ServicesDep, caller: CallerDep) -> UserPublic:
    return await run_in_threadpool(accounts.add_user, services, body.username, body.password, body.admin, caller=caller)


@router.post("/admin/users/{username}/disable", response_model=UserPublic)
async def disable_user(username: str, services: ServicesDep, caller: CallerDep) -> UserPublic:
    return await run_in_threadpool(accounts.set_disabled, services, username, True, caller=caller)


@router.post("/admin/users/{username}/enable", response_model=UserPublic)
async def enable_user(username: str, services: ServicesDep, caller: CallerDep) -> UserPublic:
    return await run_in_threadpool(accounts.set_disabled, services, username, False, caller=caller)


@router.get("/admin/workspaces", response_model=list[WorkspacePublic])
async def list_workspaces(services: ServicesDep, caller: CallerDep) -> list[WorkspacePublic]:
    return await run_in_threadpool(accounts.list_workspaces, services, caller=caller)


@router.post("/admin/workspaces", status_code=201, response_model=WorkspacePublic)
async def create_workspace(body: NewWorkspace, services: ServicesDep, caller: CallerDep) -> WorkspacePublic:
    return await run_in_threadpool(accounts.create_workspace, services, body.name, caller=caller)


@router.put("/admin/workspaces/{workspace}/members/{username}", status_code=204, response_class=Response)
async def set_member(workspace: str, username: str, body: Member, services: ServicesDep, caller: CallerDep) -> Response:
    await run_in_threadpool(accounts.set_member, services, workspace, username, body.role, caller=caller)
    return Response(status_code=204)


@router.delete("/admin/workspaces/{workspace}/members/{username}", status_code=204, response_class=Response)
async def remove_member(workspace: str, username: str, services: ServicesDep, caller: CallerDep) -> Response:
    await run_in_threadpool(accounts.set_member, services, workspace, username, None, caller=caller)
    return Response(status_code=204)


@router.get("/admin/review", response_model=list[ReviewItem])
async def review_queue(services: ServicesDep, caller: CallerDep) -> list[ReviewItem]:
    """Answers marked down, and answers with sentences the grounding check did not find, newest first."""
    return await run_in_threadpool(review.review_queue, services, caller=caller)


@router.get("/admin/audit", response_model=list[AuditEventPublic])
async def audit_log(
    services: ServicesDep, caller: CallerDep, action: str = "", username: str = ""
) -> list[AuditEventPublic]:
    """Newest first; `action` is a prefix ("signin" takes "signin.failed" too)."""
    return await run_in_threadpool(review.audit_log, services, caller=caller, action=action, username=username)


@router.get(
    "/admin/audit.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}},
)
async def audit_csv(
    services: ServicesDep, caller: CallerDep, action: str = "", username: str = ""
) -> PlainTextResponse:
    text = await run_in_threadpool(review.audit_csv, services, caller=caller, action=action, username=username)
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8")
