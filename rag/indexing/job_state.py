"""An indexing job's state, kept on its document records: who holds it, how far it is, and its heartbeat.

The database is the truth about a job, whichever scheduler runs it (rag/jobs/dispatch.py): a queue message only says
"look at this document". So a message delivered twice, a worker killed mid-document, or a broker that lost its
queue costs time, never a duplicate or a lost document.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from rag.database.tables import Document, utcnow

if TYPE_CHECKING:
    from collections.abc import Callable

    from rag.services import Services

# How often a document being indexed writes its progress, for a page or an API client polling it. The write is
# also its heartbeat: it proves the indexing process is alive (Settings.job_heartbeat_timeout_s).
PROGRESS_SECONDS = 1.0
WAITING = "Waiting to be indexed"


class IndexingStopped(Exception):
    """Raised inside an indexing job when its process is stopping; the document goes back to the queue."""


class JobWithdrawn(Exception):
    """Raised inside an indexing job whose records no longer wait for it: cancelled by the user, or taken over
    by another worker after this one missed its heartbeats."""


@dataclass
class Claim:
    """A job held by this process: `attempt` is its token, checked at every write."""

    document: Document
    attempt: int
    # An earlier attempt may have written some passages (it died, or met a passing failure and left them for
    # the next holder, as removing them itself would race that holder): they go before any is written again.
    reclaimed: bool


def _waiting(doc_id: str) -> tuple:
    return (Document.doc_id == doc_id, Document.status.in_(("queued", "indexing")))


def claim(services: Services, doc_id: str, workspace_id: str | None = None) -> tuple[Claim | None, Document | None]:
    """Takes a queued document, or one whose worker died (its heartbeat stopped), by a guarded update: several
    processes may hold the same queue. Returns the claim, or None and the record as it is (None if gone): the
    record of `workspace_id` when given, the one a result shown to its user names."""
    stale = utcnow() - timedelta(seconds=services.settings.job_heartbeat_timeout_s)
    queued = Document.status == "queued"
    abandoned = (Document.status == "indexing") & (Document.updated_at < stale)
    live = (Document.status == "indexing") & (Document.updated_at >= stale)
    claimed = 0
    with services.sessions.begin() as session:
        if session.scalar(select(Document.doc_id).where(Document.doc_id == doc_id, live).limit(1)) is not None:
            # A job holds this content, and a workspace queued it since (another user's upload of the same file):
            # a second job would clear the passages the first is writing. The record waits for that job, which
            # indexes it too when it ends (`finish`); left unsent, the sweeper offers it again meanwhile, should
            # that job be cancelled instead.
            session.execute(update(Document).where(Document.doc_id == doc_id, queued).values(sent_at=None))
        else:
            attempt = 1 + max(session.scalars(select(Document.attempts).where(*_waiting(doc_id))), default=0)
            claimed = session.execute(
                update(Document)
                .where(Document.doc_id == doc_id, queued | abandoned)
                .values(
                    status="indexing",
                    attempts=attempt,
                    updated_at=utcnow(),
                    progress=0.05,
                    progress_message="Reading the file",
                    pages_done=0,
                    passages_done=0,
                )
            ).rowcount
        records = select(Document).where(Document.doc_id == doc_id)
        if workspace_id is not None:
            records = records.order_by(Document.workspace_id != workspace_id)
        document = session.scalar(records.limit(1))
    if not claimed or document is None:
        return None, document
    return Claim(document, attempt, attempt > 1), document


def _mine(doc_id: str, attempt: int) -> tuple:
    return (Document.doc_id == doc_id, Document.status == "indexing", Document.attempts == attempt)


def write(services: Services, doc_id: str, attempt: int, **values: object) -> None:
    """Writes the job's state to every record waiting for it; JobWithdrawn when none is (any longer)."""
    with services.sessions.begin() as session:
        done = session.execute(update(Document).where(*_mine(doc_id, attempt)).values(updated_at=utcnow(), **values))
    if not done.rowcount:
        raise JobWithdrawn


def finish(services: Services, doc_id: str, attempt: int, **values: object) -> None:
    """The job's last write, as `write`; and to the records queued since it was claimed, which `claim` left
    waiting for it: the passages it wrote are theirs too."""
    with services.sessions.begin() as session:
        done = session.execute(update(Document).where(*_mine(doc_id, attempt)).values(updated_at=utcnow(), **values))
        if not done.rowcount:
            raise JobWithdrawn
        waiting = (Document.doc_id == doc_id, Document.status == "queued")
        session.execute(update(Document).where(*waiting).values(updated_at=utcnow(), **values))


def taken_over(services: Services, doc_id: str, attempt: int) -> bool:
    """Whether another worker holds the job now (it then owns the passages), rather than nobody wanting it."""
    query = select(Document.attempts).where(Document.doc_id == doc_id, Document.status == "indexing")
    with services.sessions() as session:
        return any(a != attempt for a in session.scalars(query))


def set_waiting(services: Services, doc_id: str, **values: object) -> None:
    """Changes every record of this content that waits for it; an indexed or trashed one is not."""
    with services.sessions.begin() as session:
        session.execute(update(Document).where(*_waiting(doc_id)).values(updated_at=utcnow(), **values))


def requeue(services: Services, doc_id: str, message: str = WAITING) -> None:
    set_waiting(
        services, doc_id, status="queued", progress=0.0, progress_message=message, pages_done=None, passages_done=None
    )


@dataclass
class Counts:
    """How far a job is, beyond its fraction: what the Documents page and `jobs` show."""

    pages_done: int = 0
    passages_done: int = 0


def reporter(
    services: Services,
    job: Claim,
    progress: Callable[[str, float], None],
    counts: Counts,
    stop: threading.Event | None,
) -> Callable[[str, float], None]:
    """Passes progress on, and writes it to the records at most every PROGRESS_SECONDS: that write is also the
    heartbeat that tells a live job from one whose process died, and where a job learns it was cancelled."""
    written = 0.0
    doc_id = job.document.doc_id

    def report(message: str, fraction: float) -> None:
        nonlocal written
        if stop is not None and stop.is_set():
            raise IndexingStopped
        progress(message, fraction)
        if time.monotonic() - written > PROGRESS_SECONDS:
            written = time.monotonic()
            write(
                services,
                doc_id,
                job.attempt,
                progress=round(fraction, 3),
                progress_message=message[:200],
                pages_done=counts.pages_done,
                passages_done=counts.passages_done,
            )

    return report
