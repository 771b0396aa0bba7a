"""/jobs and a document's cancel and retry, over HTTP, with a real Redis as the job queue and no worker."""

from __future__ import annotations

import pytest

from rag.indexing import job_state
from tests.api.conftest import OpenServices, api_client
from tests.jobs.test_jobs import DOWN, refused_at_once
from tests.workers import broker_url, varied_pdf

# Redis databases are fixed by number (tests/workers.py broker_url): their tests share one process of the fast tier.
pytestmark = [pytest.mark.anyio, pytest.mark.xdist_group("redis")]


def _files(*seeds: int) -> list:
    return [("files", (f"doc-{s}.pdf", varied_pdf(s), "application/pdf")) for s in seeds]


async def test_jobs_are_listed_cancelled_and_retried(open_api_services: OpenServices):
    # This process may own the embedded store, as the worker would: nothing else opens it here.
    services = open_api_services(celery_broker_url=broker_url(14), edge_worker=True, api_rate_per_minute=10_000)
    async with api_client(services) as client:
        first, second = (await client.post("/documents", files=_files(1, 2))).json()
        assert first["status"] == second["status"] == "queued"
        jobs = (await client.get("/jobs")).json()
        assert jobs["paused"] is False and [j["id"] for j in jobs["jobs"]] == [first["doc_id"], second["doc_id"]]
        assert jobs["jobs"][0]["progress_message"] == "Waiting to be indexed"

        cancelled = await client.post(f"/documents/{first['doc_id'][:10]}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["filename"] == "doc-1.pdf"
        assert (await client.get(f"/documents/{first['doc_id']}")).status_code == 404
        # A job cannot be cancelled twice, nor one that failed be cancelled rather than dismissed.
        assert (await client.post(f"/documents/{first['doc_id']}/cancel")).status_code == 404
        job_state.set_waiting(services, second["doc_id"], status="failed", error="Cannot use the Qdrant server")
        refused = await client.post(f"/documents/{second['doc_id']}/cancel")
        assert refused.status_code == 409 and "dismiss it instead" in refused.json()["detail"]

        retried = await client.post(f"/documents/{second['doc_id']}/retry")
        assert retried.status_code == 202 and retried.json()["status"] == "queued"
        again = await client.post(f"/documents/{second['doc_id']}/retry")
        assert again.status_code == 409 and "has not failed" in again.json()["detail"]
        assert [j["status"] for j in (await client.get("/jobs")).json()["jobs"]] == ["queued"]


async def test_jobs_say_paused_while_the_queue_cannot_be_reached(open_api_services: OpenServices):
    services = refused_at_once(open_api_services(celery_broker_url=DOWN, edge_worker=True))
    async with api_client(services) as client:
        assert (await client.get("/jobs")).json() == {"paused": False, "jobs": []}
        [upload] = (await client.post("/documents", files=_files(3))).json()
        assert upload["status"] == "queued"  # kept, not failed
        jobs = (await client.get("/jobs")).json()
        assert jobs["paused"] is True and jobs["jobs"][0]["progress_message"].startswith("Indexing is paused")
