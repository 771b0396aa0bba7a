"""/jobs: the workspace's indexing jobs (queued, running, failed), and whether the job queue holds them up."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import Authenticated, CallerDep, ServicesDep
from api.errors import ERRORS
from rag.schemas import JobsPublic
from rag.usecases import jobs

router = APIRouter(prefix="/jobs", tags=["documents"], dependencies=[Authenticated], responses=ERRORS)


@router.get("", response_model=JobsPublic)
async def list_jobs(services: ServicesDep, caller: CallerDep) -> JobsPublic:
    """Oldest first, the order they are worked on. `paused`: the job queue cannot be reached, so they wait (none
    is lost); cancel one with `POST /documents/{id}/cancel`, retry a failed one with `POST …/retry`."""
    return await run_in_threadpool(jobs.jobs_status, services, caller=caller)
