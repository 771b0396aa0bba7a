"""Indexing jobs without a worker process: claims, take-overs, cancel, retry, and the sweeper on a real Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import update

from rag.config import Settings
from rag.database.tables import Document, utcnow
from rag.errors import ConfigError, DocumentBusyError
from rag.indexing import job_state
from rag.indexing.index import RetryLater
from rag.indexing.ingest import accept_bytes
from rag.jobs.dispatch import PAUSED, run, sweep
from rag.runners.background import BackgroundWorker
from rag.services import Services
from rag.usecases import accounts, documents, jobs, startup
from rag.usecases.startup import open_services
from tests.conftest import ROOT
from tests.pdfs import make_pdf
from tests.workers import REDIS, broker_url, varied_pdf

# Redis databases are fixed by number (tests/workers.py broker_url): their tests share one process of the fast tier.
pytestmark = pytest.mark.xdist_group("redis")

# Nothing listens here: a broker that is down.
DOWN = "redis://127.0.0.1:9/0"


def refused_at_once(services: Services) -> Services:
    """Services whose queue is DOWN, given up on at the first refusal: kombu retries a broker for
    broker_connection_timeout (2 s), but a port nobody listens on does not open on a second try."""
    conf = services.queue.conf
    conf.broker_transport_options = {**conf.broker_transport_options, "max_retries": 0}
    return services


@pytest.fixture
def queued(tmp_path, embedding):
    """Services with a broker (a Redis database of their own) and no worker: jobs stay queued until a test runs
    them; the store is Edge, opened by this process as the worker would."""
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", celery_broker_url=broker_url(14), edge_worker=True)
    svc = open_services(settings, embedding)
    yield svc
    svc.close()


def _queue_length(services) -> int:  # type: ignore[no-untyped-def]
    with Redis.from_url(services.settings.celery_broker_url.get_secret_value()) as client:
        return client.llen("celery")


def _add(services, seed: int = 1, pages: int = 2):  # type: ignore[no-untyped-def]
    [result] = documents.queue_uploads(services, [(f"doc-{seed}.pdf", varied_pdf(seed, pages=pages))])
    assert result.status == "queued"
    return result.doc_id


def test_an_upload_is_recorded_and_sent_to_the_queue_without_being_indexed(queued):
    doc_id = _add(queued)
    [job] = jobs.list_jobs(queued)
    assert (job.id, job.status, job.progress_message) == (doc_id, "queued", "Waiting to be indexed")
    assert _queue_length(queued) == 1
    assert run(queued, doc_id).status == "indexed"
    assert jobs.list_jobs(queued) == []
    assert queued.store.count(doc_id) == documents.get_document(queued, doc_id).passages > 0


def test_one_holder_at_a_time_and_a_dead_holders_job_is_taken_over(queued):
    doc_id = _add(queued)
    first, _ = job_state.claim(queued, doc_id)
    assert first is not None and first.attempt == 1 and not first.reclaimed
    # A second delivery of the message finds it held, with a live heartbeat.
    second, document = job_state.claim(queued, doc_id)
    assert second is None and document.status == "indexing"
    assert run(queued, doc_id).status == "duplicate"
    # The heartbeat stops (the holder died): the next delivery takes it over, and the old holder, if it was only
    # slow, is told at its next write.
    old = utcnow() - timedelta(seconds=queued.settings.job_heartbeat_timeout_s + 1)
    with queued.sessions.begin() as session:
        session.execute(update(Document).where(Document.doc_id == doc_id).values(updated_at=old))
    result = run(queued, doc_id)
    assert result.status == "indexed"
    with pytest.raises(job_state.JobWithdrawn):
        job_state.write(queued, doc_id, first.attempt, progress=0.5)
    with queued.sessions() as session:
        assert session.get(Document, (accounts.local_caller(queued).workspace_id, doc_id)).attempts == 2
    assert queued.store.count() == result.chunks


def test_cancelling_a_running_job_removes_what_it_wrote(queued, monkeypatch):
    monkeypatch.setattr(job_state, "PROGRESS_SECONDS", 0.0)  # every step writes its heartbeat
    doc_id = _add(queued, pages=6)
    seen = []

    def cancel_while_embedding(message: str, _fraction: float) -> None:
        seen.append(message)
        if message.startswith("Embedding passages") and len(seen) < 100 and "cancelled" not in seen:
            seen.append("cancelled")
            jobs.cancel_job(queued, doc_id)

    from rag.indexing.index import index_accepted

    result = index_accepted(queued, doc_id, cancel_while_embedding, keep_failure=True)
    assert (result.status, result.error) == ("failed", "It was cancelled.")
    assert documents.list_all_documents(queued) == []
    assert queued.store.count() == 0
    assert not list(queued.settings.uploads_dir.glob("*.pdf"))


def test_a_queued_job_can_be_cancelled_and_a_finished_one_cannot(queued):
    doc_id = _add(queued)
    cancelled = jobs.cancel_job(queued, doc_id[:8])
    assert cancelled.filename == "doc-1.pdf" and jobs.list_jobs(queued) == []
    assert run(queued, doc_id).error == "It was removed before it could be indexed."  # its message, later
    other = _add(queued, seed=2)
    run(queued, other)
    with pytest.raises(DocumentBusyError, match="not waiting"):
        jobs.cancel_job(queued, other)


def test_a_failed_job_keeps_its_file_and_is_retried_from_it(queued):
    doc_id = _add(queued)
    job_state.claim(queued, doc_id)
    # What a worker writes after its last attempt met the Qdrant server down.
    job_state.set_waiting(queued, doc_id, status="failed", error="Cannot use the Qdrant server: timed out")
    [failed] = jobs.list_jobs(queued)
    assert failed.status == "failed" and "timed out" in failed.error
    with pytest.raises(DocumentBusyError, match="dismiss it instead"):
        jobs.cancel_job(queued, doc_id)
    before = _queue_length(queued)
    retried = jobs.retry_job(queued, doc_id)
    assert (retried.status, retried.error) == ("queued", None)
    assert _queue_length(queued) == before + 1
    assert run(queued, doc_id).status == "indexed"
    with pytest.raises(DocumentBusyError, match="not waiting"):
        jobs.retry_job(queued, doc_id)


def test_the_sweeper_sends_what_the_queue_lost_and_nothing_twice(tmp_path, embedding):
    storage = tmp_path / "s"
    settings = Settings(_env_file=None, storage_dir=storage, celery_broker_url=DOWN)
    down = refused_at_once(open_services(settings, embedding, store=False))
    [result] = documents.queue_uploads(down, [("a.pdf", varied_pdf(1))])
    [job] = jobs.list_jobs(down)
    assert job.status == "queued" and job.progress_message == PAUSED
    assert jobs.queue_paused(down) and sweep(down) == 0
    down.close()

    up = open_services(
        Settings(_env_file=None, storage_dir=storage, celery_broker_url=broker_url(15)), embedding, store=False
    )
    try:
        assert not jobs.queue_paused(up)
        # A broker never seen before, or restarted empty: every waiting job is sent again.
        assert sweep(up) == 1 and _queue_length(up) == 1
        assert jobs.list_jobs(up)[0].progress_message == "Waiting to be indexed"
        assert sweep(up) == 0
        broker_url(15)  # emptied, as a Redis without persistence restarts
        assert sweep(up) == 1
        # A job whose worker died (its heartbeat stale, its message unacknowledged in a dead connection).
        old = utcnow() - timedelta(minutes=10)
        with up.sessions.begin() as session:
            session.execute(update(Document).values(status="indexing", updated_at=old, sent_at=old))
        assert sweep(up) == 1 and sweep(up) == 0
        assert result.doc_id
    finally:
        up.close()


def test_without_a_broker_the_sweeper_hands_the_apps_worker_what_another_process_queued(services):
    [accepted] = [accept_bytes(services, make_pdf([["Queued by the command line."]]), "cli.pdf")]
    assert accepted.status == "queued"
    assert sweep(services) == 1
    deadline = time.monotonic() + 120
    while services.worker.busy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert documents.get_document(services, accepted.doc_id).status == "indexed"


def test_the_background_worker_runs_a_keyed_job_once_while_it_waits():
    worker = BackgroundWorker()
    gate, runs = threading.Event(), []
    worker.submit(gate.wait)
    first = worker.submit(lambda: runs.append(1), key="d")
    assert first is not None
    assert worker.submit(lambda: runs.append(2), key="d") is None
    gate.set()
    first.result(timeout=30)
    # Once it ran, the same key is a new job.
    worker.submit(lambda: runs.append(3), key="d").result(timeout=30)  # type: ignore[union-attr]
    worker.close()
    assert runs == [1, 3]


def test_edge_with_a_broker_is_refused_with_the_fix_named(tmp_path):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", celery_broker_url=f"{REDIS}/0")
    with pytest.raises(ConfigError, match="Set QDRANT_URL to a Qdrant server"):
        open_services(settings)
    # The app, even where one worker may own the embedded store.
    with pytest.raises(ConfigError, match="unset CELERY_BROKER_URL"):
        startup.open_services(settings.model_copy(update={"edge_worker": True}), background=True)


@pytest.mark.slow  # a child process imports the worker, 3 s each
@pytest.mark.parametrize(
    ("env", "said"),
    [({}, "CELERY_BROKER_URL is not set"), ({"CELERY_BROKER_URL": f"{REDIS}/0"}, "Set QDRANT_URL")],
)
def test_a_worker_that_cannot_work_says_why_and_stops(tmp_path, env, said):
    from tests.robustness.procs import cli_env

    done = subprocess.run(
        [sys.executable, "-c", "import rag.jobs.celery_worker"],
        cwd=ROOT,
        env=cli_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and said in done.stderr and "Traceback" not in done.stderr


def test_a_passing_failure_is_queued_for_a_retry_and_the_last_attempt_records_it(tmp_path, embedding):
    # A Qdrant server that cannot be reached: nothing listens on this port.
    settings = Settings(
        _env_file=None, storage_dir=tmp_path / "s", qdrant_url="http://127.0.0.1:9", celery_broker_url=broker_url(14)
    )
    svc = open_services(settings, embedding, store=False)
    try:
        doc_id = _add(svc)
        with pytest.raises(RetryLater):
            run(svc, doc_id, retry=True)
        [job] = jobs.list_jobs(svc)
        assert job.status == "queued" and job.progress_message.startswith("Waiting to try again: Cannot use the Qdrant")
        result = run(svc, doc_id, retry=False)
        assert result.status == "failed" and "Cannot use the Qdrant server at http://127.0.0.1:9" in result.error
        assert [j.status for j in jobs.list_jobs(svc)] == ["failed"]
    finally:
        svc.close()


@pytest.mark.slow  # five CLI processes, 3 s each to start
def test_the_cli_queues_a_folder_tree_at_once_then_lists_retries_and_cancels_its_jobs(tmp_path):
    from tests.robustness.procs import cli_env, run_cli

    tree = tmp_path / "archive"
    (tree / "2025" / "q1").mkdir(parents=True)
    for seed, folder in enumerate((tree, tree / "2025", tree / "2025" / "q1")):
        (folder / f"report-{seed}.pdf").write_bytes(varied_pdf(seed))
    (tree / "2025" / "notes.pdf").write_bytes(b"not a pdf")
    env = cli_env(tmp_path / "storage", CELERY_BROKER_URL=broker_url(14))
    queued = run_cli(env, "ingest", str(tree), "--queue")
    assert queued.returncode == 1, queued.stderr  # one file of the tree was refused
    lines = queued.stdout.splitlines()
    assert sum(line.startswith("queued ") for line in lines) == 3
    assert any(line.startswith("failed ") and "notes.pdf" in line for line in lines)
    listed = json.loads(run_cli(env, "jobs", "--json").stdout)
    assert listed["paused"] is False and [j["status"] for j in listed["jobs"]] == ["queued"] * 3
    first = listed["jobs"][0]["id"]
    cancelled = run_cli(env, "jobs", "cancel", first[:8])
    assert cancelled.returncode == 0 and cancelled.stdout.startswith("cancelled")
    refused = run_cli(env, "jobs", "retry", listed["jobs"][1]["id"][:8])
    assert refused.returncode != 0 and "has not failed" in refused.stderr and "Traceback" not in refused.stderr
    assert len(json.loads(run_cli(env, "jobs", "--json").stdout)["jobs"]) == 2


def test_a_job_whose_workers_keep_dying_ends_failed_instead_of_looping(queued):
    doc_id = _add(queued)
    # Three workers took it and died (their heartbeats stopped), as a PDF that exhausts memory would make them.
    for _ in range(queued.settings.job_retries + 1):
        assert job_state.claim(queued, doc_id)[0] is not None
        old = utcnow() - timedelta(seconds=queued.settings.job_heartbeat_timeout_s + 1)
        with queued.sessions.begin() as session:
            session.execute(update(Document).where(Document.doc_id == doc_id).values(updated_at=old))
    result = run(queued, doc_id)
    assert result.status == "failed" and "stopped 4 times" in result.error
    [job] = jobs.list_jobs(queued)
    assert job.status == "failed" and job.error == result.error


@pytest.mark.parametrize("url", ["amqp://guest@localhost//", "localhost:6379"])
def test_a_broker_that_is_not_redis_is_refused_by_name(url):
    from rag.config import load_settings

    with pytest.raises(ConfigError, match="CELERY_BROKER_URL: the job queue is Redis"):
        load_settings(_env_file=None, celery_broker_url=url)
