"""One indexing job, two schedulers. Without a broker it runs on the app's background thread; with
CELERY_BROKER_URL set, as a Celery task on worker processes (rag/jobs/celery_worker.py), on this machine or others.
Either way the job is `run` below, and its state is on the document records (rag/indexing/job_state.py)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update

from rag.database.tables import Document, utcnow
from rag.indexing.index import index_accepted
from rag.indexing.job_state import WAITING, set_waiting
from rag.records.cleanup import queued_ids
from rag.runners import broker
from rag.schemas import IngestResult
from rag.services import Services

log = logging.getLogger(__name__)

PAUSED = "Indexing is paused: the job queue cannot be reached. It starts again when the queue is back."


def run(services: Services, doc_id: str, *, stop: threading.Event | None = None, retry: bool = False) -> IngestResult:
    """Indexes a queued document; a failure leaves its records "failed" with the reason. With `retry`, a passing
    failure queues it again and raises RetryLater, for the scheduler to try later."""
    return index_accepted(services, doc_id, keep_failure=True, stop=stop, retry=retry)


def dispatch(services: Services, doc_id: str) -> bool:
    """Hands a queued document's job to the scheduler; False when the queue cannot be reached: the record then
    says indexing is paused, and the sweeper (rag/jobs/sweeper.py) sends the job once the queue is back."""
    if services.settings.celery_broker_url is None:
        worker = services.worker
        worker.submit(lambda: run(services, doc_id, stop=worker.stop), then=services.store.optimize, key=doc_id)
        return True
    try:
        broker.send(services.queue, doc_id)
    except broker.BROKER_DOWN as exc:
        log.warning("the job queue cannot be reached, %s waits: %s", doc_id, exc)
        set_waiting(services, doc_id, progress_message=PAUSED, sent_at=None)
        return False
    with services.sessions.begin() as session:
        session.execute(
            update(Document)
            .where(Document.doc_id == doc_id, Document.status == "queued")
            .values(sent_at=utcnow(), progress_message=WAITING)
        )
        sent = (Document.doc_id == doc_id, Document.status == "indexing")
        session.execute(update(Document).where(*sent).values(sent_at=utcnow()))
    return True


def paused(services: Services) -> bool:
    """Whether jobs wait because the job queue cannot be reached (never, without one)."""
    return services.settings.celery_broker_url is not None and not broker.reachable(services.settings)


def waiting_jobs(services: Services, *, everything: bool) -> list[str]:
    """Queued documents not yet sent (or all of them), and documents whose job stopped beating and was not
    sent again since; oldest first."""
    stale = utcnow() - timedelta(seconds=services.settings.job_heartbeat_timeout_s)
    queued = Document.status == "queued"
    if not everything:
        queued = queued & Document.sent_at.is_(None)
    dead = (Document.status == "indexing") & (Document.updated_at < stale)
    dead = dead & (Document.sent_at.is_(None) | (Document.sent_at < stale))
    query = select(Document.doc_id).where(queued | dead).order_by(Document.created_at)
    with services.sessions() as session:
        return list(dict.fromkeys(session.scalars(query)))


def sweep(services: Services) -> int:
    """Sends what waits; returns how many jobs it sent (0 while the queue cannot be reached)."""
    settings = services.settings
    if settings.celery_broker_url is None:
        return sum(dispatch(services, doc_id) for doc_id in waiting_jobs(services, everything=True))
    try:
        everything = broker.lost_its_queue(settings)
    except (RedisError, OSError):
        return 0  # paused: the records say so, and nothing is lost
    sent = 0
    for doc_id in waiting_jobs(services, everything=everything):
        if not dispatch(services, doc_id):
            break
        sent += 1
    if sent:
        log.info("sent %d waiting job(s) to the queue", sent)
    return sent


def resume_queued(services: Services) -> int:
    """Queues again what an earlier run accepted but did not index (with a broker, the sweeper does)."""
    waiting = queued_ids(services) if services.settings.celery_broker_url is None else []
    for doc_id in waiting:
        dispatch(services, doc_id)
    return len(waiting)
