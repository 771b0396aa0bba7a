"""The sweeper: hands the scheduler every job the database says is waiting but the queue may not hold.

The records are the truth (rag/indexing/job_state.py), the queue only a way to wake a worker, so whatever the queue
lost is found here: jobs never sent because the broker was down, every queued job when the broker restarted
without its data (Redis with `--save ""`), and jobs whose worker died with its message unacknowledged. A job
sent twice costs one refused claim. Without a broker it offers the app's worker what another process (the
CLI's `ingest --queue`) queued meanwhile.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select

from rag.database.tables import Document, utcnow
from rag.errors import DocChatError
from rag.jobs import dispatch as jobs
from rag.runners import broker
from rag.services import Services

log = logging.getLogger(__name__)


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
        return sum(jobs.dispatch(services, doc_id) for doc_id in waiting_jobs(services, everything=True))
    try:
        everything = broker.lost_its_queue(settings)
    except (RedisError, OSError):
        return 0  # paused: the records say so, and nothing is lost
    sent = 0
    for doc_id in waiting_jobs(services, everything=everything):
        if not jobs.dispatch(services, doc_id):
            break
        sent += 1
    if sent:
        log.info("sent %d waiting job(s) to the queue", sent)
    return sent


class Sweeper:
    """Sweeps now, then every `every` seconds, on a daemon thread, until closed."""

    def __init__(self, services: Services, every: float) -> None:
        self._services = services
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="docchat-sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                sweep(self._services)
            except DocChatError as exc:  # the database is down: the next round tries again
                log.warning("sweeping the job queue failed: %s", exc)
            except Exception:
                log.exception("sweeping the job queue failed")
            if self._stop.wait(self._every):
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def sweep_every(services: Services) -> float:
    # Often enough that a dead worker's job moves within a heartbeat timeout; at most every 10 s otherwise.
    return min(10.0, services.settings.job_heartbeat_timeout_s)
