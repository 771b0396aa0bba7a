"""Indexing jobs, as every front end sees them: queue a folder tree, list what waits or failed, retry, cancel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from rag.accounts import audit
from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.database.tables import Document, as_utc, utcnow
from rag.errors import DocumentBusyError, UnknownDocumentError
from rag.indexing.ingest import accept_bytes
from rag.indexing.job_state import WAITING
from rag.jobs import dispatch as jobs
from rag.records.cleanup import has_records, sync_workspaces
from rag.records.filenames import remove_stored, unique_name
from rag.records.library import find_document
from rag.schemas import DocumentPublic, IngestResult, JobsPublic
from rag.services import Services
from rag.usecases._shared import audit_added, document_public, uploader

JOB_STATES = ("queued", "indexing", "failed")


def queue_files(services: Services, paths: Sequence[Path], *, caller: Caller | None = None) -> Iterator[IngestResult]:
    """Checks and stores each file, and hands its job to the scheduler, one after the other, without waiting for
    any to be indexed: thousands of files take seconds. Each result is given as soon as its file is recorded."""
    who = uploader(services, caller)
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield IngestResult(file=str(path), doc_id=None, status="failed", error=f"Cannot read it: {exc.strerror}")
            continue
        result = accept_bytes(services, data, path.name, workspace_id=who.workspace_id, user_id=who.user_id)
        if result.status == "queued" and result.doc_id:
            jobs.dispatch(services, result.doc_id)
        yield audit_added(services, who, result)


def jobs_status(services: Services, *, caller: Caller | None = None) -> JobsPublic:
    """The workspace's jobs, and whether they wait for the job queue (asked only when there are some)."""
    waiting = list_jobs(services, caller=caller)
    return JobsPublic(paused=bool(waiting) and queue_paused(services), jobs=waiting)


def list_jobs(services: Services, *, caller: Caller | None = None) -> list[DocumentPublic]:
    """The workspace's documents queued, being indexed or failed, oldest first (the order they are worked on)."""
    workspace = resolve(services, caller).workspace_id
    query = select(Document).where(Document.workspace_id == workspace, Document.status.in_(JOB_STATES))
    with services.sessions() as session:
        return [document_public(services, d) for d in session.scalars(query.order_by(Document.created_at))]


def queue_paused(services: Services) -> bool:
    """Whether indexing waits because the job queue (Redis) cannot be reached; uploads are kept meanwhile."""
    return jobs.paused(services)


def _job(services: Services, doc_id: str, who: Caller) -> Document:
    document = find_document(services, doc_id, status=None, workspace_id=who.workspace_id)
    if document.status not in JOB_STATES:
        raise DocumentBusyError(f"{document.filename} is not waiting to be indexed: it is {document.status}.")
    return document


def cancel_job(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    """Withdraws a queued or running upload from the workspace. A running job notices within a second, at its
    next heartbeat, and removes what it wrote unless another workspace still waits for the same content."""
    who = resolve(services, caller)
    who.require_edit("cancel uploads")
    document = _job(services, doc_id, who)
    if document.status == "failed":
        raise DocumentBusyError(f"{document.filename} is not being indexed; dismiss it instead.")
    with services.sessions.begin() as session:
        session.execute(
            delete(Document).where(Document.workspace_id == who.workspace_id, Document.doc_id == document.doc_id)
        )
    # A running job removes what it wrote itself (it alone knows when it stops writing), so this needs no
    # store: it works while another process holds it. A dead job's leftovers are removed here instead.
    stale = utcnow() - timedelta(seconds=services.settings.job_heartbeat_timeout_s)
    dead = document.status == "indexing" and (document.updated_at is None or as_utc(document.updated_at) < stale)
    if dead or (document.status == "queued" and document.attempts):  # an earlier attempt's passages
        sync_workspaces(services, document.doc_id)
    if not has_records(services, document.doc_id):
        remove_stored(services.settings.uploads_dir, document.doc_id)
    audit.by(services, who, "document.cancel", document.filename)
    return document_public(services, document)


def retry_job(services: Services, doc_id: str, *, caller: Caller | None = None) -> DocumentPublic:
    """Queues a failed upload again, from its stored file."""
    who = resolve(services, caller)
    who.require_edit("retry uploads")
    document = _job(services, doc_id, who)
    if document.status != "failed":
        raise DocumentBusyError(f"{document.filename} has not failed: it is {document.status}.")
    if not (services.settings.storage_dir / document.stored_path).exists():
        raise UnknownDocumentError(f"The file of {document.filename} is gone; dismiss it and add it again.")
    mine = (Document.workspace_id == who.workspace_id, Document.doc_id == document.doc_id)
    held = (Document.doc_id == document.doc_id, Document.status.in_(("indexed", "trashed")))
    with services.sessions.begin() as session:
        indexed = session.scalar(select(Document.doc_id).where(*held).limit(1))
        # Indexed meanwhile for another workspace (maybe in its trash): its passages serve this one too, with no
        # job, which would remove them first.
        status = "indexed" if indexed else "queued"
        # Attempts start over, from 1, not 0: the next holder clears what the failed ones may have left.
        waiting = {"progress": 0.0, "progress_message": WAITING, "attempts": 1} if status == "queued" else {}
        # Under a name free now: another file may have taken this one while it had failed.
        name = unique_name(session, document.filename, document.doc_id, who.workspace_id)
        session.execute(
            update(Document)
            .where(*mine)
            .values(status=status, filename=name, error=None, sent_at=None, updated_at=utcnow(), **waiting)
        )
    if status == "indexed":
        sync_workspaces(services, document.doc_id)
    else:
        jobs.dispatch(services, document.doc_id)
    audit.by(services, who, "document.retry", document.filename)
    return document_public(
        services, find_document(services, document.doc_id, status=None, workspace_id=who.workspace_id)
    )
