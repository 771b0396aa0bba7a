"""/health: the database, the store and the model, each with its state. Open to anyone and never rate limited,
so a load balancer can poll it; what each state rests on (the database's kind, how many passages are stored,
why a part is unavailable) only for an admin's key (without accounts: any caller the API answers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, admin_or_none
from rag.schemas import Health
from rag.usecases import asking
from rag.usecases.accounts import Caller

router = APIRouter(tags=["health"])


# The key is optional, as OpenAPI says it: an empty requirement beside the bearer one FastAPI lists.
@router.get("/health", response_model=Health, openapi_extra={"security": [{}]})
async def health(services: ServicesDep, admin: Annotated[Caller | None, Depends(admin_or_none)]) -> Health:
    found = await run_in_threadpool(asking.health, services)
    return found if admin is not None else found.without_details()
