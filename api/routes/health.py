"""/health: the database, the store and the model, each with its state. Open to every caller that may use
the API, and never rate limited, so a load balancer can poll it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from rag.schemas import Health
from rag.usecases import asking

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(services: ServicesDep) -> Health:
    return await run_in_threadpool(asking.health, services)
