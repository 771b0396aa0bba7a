"""The indexing worker: `celery -A rag.jobs.celery_worker worker --pool solo --concurrency 1`, as many as you like, on
this machine or others, all with the same CELERY_BROKER_URL, QDRANT_URL, DATABASE_URL and STORAGE_DIR.

One process per worker (`--pool solo`), and more workers for more throughput: embedding already uses every
core a process is given, so two jobs side by side in one process finish no sooner than one after the other.
The job is the app's own (rag/jobs/dispatch.py run); this module only schedules it.
"""

from __future__ import annotations

import logging
import sys
from functools import cache, partial

from celery import Task
from celery.concurrency.solo import TaskPool as SoloPool
from celery.signals import worker_ready, worker_shutdown

from rag.clients import build_services
from rag.config import load_settings
from rag.errors import DocChatError
from rag.indexing.index import RetryLater
from rag.indexing.reindex_workers import reembed_one
from rag.jobs.dispatch import run, sweep
from rag.jobs.sweeper import Sweeper, sweep_every
from rag.models.embeddings import EmbeddingModel, build_embeddings
from rag.records.repair import open_repaired
from rag.runners.broker import INDEX_TASK, REINDEX_TASK, build_celery
from rag.services import Services

log = logging.getLogger(__name__)


def _settings_or_exit():  # type: ignore[no-untyped-def]
    try:
        settings = load_settings()
    except DocChatError as exc:
        sys.exit(f"error: {exc}")
    if settings.celery_broker_url is None:
        sys.exit(
            "error: CELERY_BROKER_URL is not set. Workers take their jobs from a broker (Redis, e.g. "
            "redis://localhost:6379/0); without one the app indexes uploads in its own process."
        )
    if settings.shared_store_problem and not settings.edge_worker:
        sys.exit(f"error: {settings.shared_store_problem}")
    return settings


settings = _settings_or_exit()
app = build_celery(settings)


@cache
def _embedding() -> EmbeddingModel:
    """One embedding model a process, for its jobs and a re-index's alike (its weights load on first use)."""
    return build_embeddings(settings)


class IndexTask(Task):
    """Celery makes one instance of a task per worker process: the clients it opens on its first job stay
    open for the next ones, and close when the worker stops."""

    _services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None or self._services.closed:
            self._services = open_repaired(build_services(settings, _embedding()))
        return self._services


class ReindexTask(Task):
    """The clients of the collection a re-index builds, opened on its first document, then kept for the next."""

    _open: tuple[str, Services] | None = None

    def services_for(self, collection: str) -> Services:
        if self._open is None or self._open[0] != collection or self._open[1].closed:
            if self._open is not None:
                self._open[1].close()
            target = settings.model_copy(update={"qdrant_collection": collection})
            self._open = (collection, open_repaired(build_services(target, _embedding())))
        return self._open[1]


@app.task(
    bind=True,
    base=IndexTask,
    name=INDEX_TASK,
    # Only what may pass (the database or the Qdrant server unreachable) is retried, with growing waits; the
    # last attempt records the failure instead, so a job never stays "indexing".
    autoretry_for=(RetryLater,),
    max_retries=settings.job_retries,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def index_document(self: IndexTask, doc_id: str) -> str:
    last = self.request.retries >= settings.job_retries
    result = run(self.services, doc_id, retry=not last)
    log.info("%s (%s): %s %s", result.file, doc_id[:12], result.status, result.error or "")
    return result.status


@app.task(bind=True, base=ReindexTask, name=REINDEX_TASK)
def reindex_document(self: ReindexTask, doc_id: str, collection: str, run_id: str) -> str:
    outcome = reembed_one(self.services_for(collection), settings, doc_id, run_id)
    return "failed" if isinstance(outcome, str) else "indexed"


_light: list[Services] = []  # this process's sweeper's clients (no store: they only read records and send)


@worker_ready.connect
def _on_ready(sender: object = None, **_: object) -> None:
    if isinstance(getattr(sender, "pool", None), SoloPool):
        # The job's process is this one: its store and model open now, so a wrong setting stops the worker at
        # once, and "ready." in the log means ready to embed (about 5 s of loading, not paid by the first job).
        task = app.tasks[INDEX_TASK]
        if isinstance(task, IndexTask):
            task.services.embedding.embeddings.embed_query("warm up")
    services = build_services(settings, store=False)
    _light.append(services)
    services.closers.append(Sweeper(partial(sweep, services), sweep_every(services)).close)


@worker_shutdown.connect
def _close(**_: object) -> None:
    for services in _light:
        services.close()
    task = app.tasks[INDEX_TASK]
    if isinstance(task, IndexTask) and task._services is not None:
        if settings.qdrant_url is None:
            task._services.store.optimize()  # Edge builds its index only when asked (rag/store/edge.py)
        task._services.close()
    rebuilding = app.tasks[REINDEX_TASK]
    if isinstance(rebuilding, ReindexTask) and rebuilding._open is not None:
        rebuilding._open[1].close()
