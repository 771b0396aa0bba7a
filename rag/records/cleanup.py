"""Removing a document's data, and recovering what a crash left half-written: run at every start, before any work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, false, func, select, update
from sqlalchemy.orm import undefer

from rag.database.tables import Document, utcnow
from rag.records.filenames import remove_stored
from rag.services import Services

# A record still "indexing" whose heartbeat is older than this was left by a process that died. Ingestion
# touches it at least every PROGRESS_SECONDS (rag/indexing/job_state.py), so this is many missed beats, not a slow file.
STALE_AFTER = timedelta(minutes=10)


def holders(services: Services, doc_id: str) -> list[str]:
    """The workspaces with a record of this content that may have passages stored: all but failed ones."""
    query = select(Document.workspace_id).where(Document.doc_id == doc_id, Document.status != "failed")
    with services.sessions() as session:
        return sorted(session.scalars(query))


def _complete(doc_id: str) -> tuple:
    # Its passages are all stored: indexed, or in its workspace's trash (restorable at once).
    return (Document.doc_id == doc_id, Document.status.in_(("indexed", "trashed")))


def indexed_record(services: Services, doc_id: str) -> Document | None:
    """A record of the content whose passages are all stored (an indexed one first), with what it read of them."""
    query = select(Document).where(*_complete(doc_id)).options(undefer(Document.ocr_lines))
    with services.sessions() as session:
        return session.scalar(query.order_by(Document.status).limit(1))


def drop_passages(services: Services, doc_id: str) -> None:
    """Removes what a job wrote of the content's passages, unless a record whose passages are all stored answers
    from them (another workspace's, whose job finished before this one was claimed)."""
    with services.sessions() as session:
        in_use = session.scalar(select(Document.doc_id).where(*_complete(doc_id)).limit(1)) is not None
    if not in_use:
        services.store.delete_document(doc_id)


def sync_workspaces(services: Services, doc_id: str) -> None:
    """Gives the content's passages the workspaces that hold it now, in place; none left removes them."""
    workspaces = holders(services, doc_id)
    if workspaces:
        services.store.set_workspaces(doc_id, workspaces)
    else:
        services.store.delete_document(doc_id)


def remove_record(services: Services, workspace_id: str, doc_id: str) -> None:
    """Removes one workspace's record of a document. Its passages and file go with the last record; until then
    the other workspaces keep them. The passages lose this workspace first: a crash half-way leaves a record
    that finds nothing, never passages that a workspace without the document can find."""
    others = [w for w in holders(services, doc_id) if w != workspace_id]
    if others:
        services.store.set_workspaces(doc_id, others)
    else:
        services.store.delete_document(doc_id)
        if not _other_records(services, workspace_id, doc_id):
            remove_stored(services.settings.uploads_dir, doc_id)
    with services.sessions.begin() as session:
        session.execute(delete(Document).where(Document.workspace_id == workspace_id, Document.doc_id == doc_id))


def has_records(services: Services, doc_id: str) -> bool:
    """Whether any workspace still has a record of this content, whatever its state (a failed one keeps its
    file, for a retry)."""
    with services.sessions() as session:
        return session.scalar(select(func.count()).where(Document.doc_id == doc_id)) > 0


def _other_records(services: Services, workspace_id: str, doc_id: str) -> int:
    query = select(func.count()).where(Document.doc_id == doc_id, Document.workspace_id != workspace_id)
    with services.sessions() as session:
        return session.scalar(query) or 0


def remove_document_data(services: Services, doc_id: str) -> None:
    """Removes a content's vectors, file and every workspace's record of it (what a failed or half-made
    ingestion wrote), in the order that never leaves vectors unowned."""
    services.store.delete_document(doc_id)
    remove_stored(services.settings.uploads_dir, doc_id)
    with services.sessions.begin() as session:
        session.execute(delete(Document).where(Document.doc_id == doc_id))


# What a document put back in the queue after a crash says on the Documents page and in `jobs`.
INTERRUPTED = "Waiting to be indexed again: DocChat stopped while indexing it."


def recover_interrupted(services: Services) -> tuple[int, int]:
    """Puts back in the queue what a crash left half-indexed, its passages removed first, so an accepted upload
    is never lost: the next claim counts the attempt, and after JOB_RETRIES + 1 of them the document ends
    "failed" with the count (rag/indexing/index.py), as with workers that keep dying on a file. With the
    embedded store this process holds its lock, so nothing else can be indexing; with a Qdrant server other
    processes may be, so only records with a stale heartbeat are recovered; with a broker none is, since workers
    take over a dead worker's job themselves (rag/indexing/job_state.py claim). A document whose stored file is
    gone, queued or not, cannot be indexed: it was given up by an ingestion that lost the database before it
    could drop the record, and is removed. Returns (put back, removed)."""
    indexing = select(Document.doc_id, Document.stored_path).where(Document.status == "indexing")
    queued = select(Document.doc_id, Document.stored_path).where(Document.status == "queued")
    if services.settings.celery_broker_url:
        indexing = indexing.where(false())
    if services.settings.qdrant_url or services.settings.celery_broker_url:
        # Another process may be indexing, or writing a queued file just after its record.
        cutoff = utcnow() - STALE_AFTER
        old = (Document.updated_at < cutoff) | Document.updated_at.is_(None)
        indexing, queued = indexing.where(old), queued.where(old)
    storage = services.settings.storage_dir
    with services.sessions() as session:
        interrupted = dict(session.execute(indexing).all())
        waiting = dict(session.execute(queued).all())
    gone = [d for d, path in {**waiting, **interrupted}.items() if not (storage / path).exists()]
    again = [d for d in interrupted if d not in gone]
    for doc_id in gone:
        remove_document_data(services, doc_id)
    for doc_id in again:
        drop_passages(services, doc_id)  # what the dead process wrote: never searchable, rewritten whole
        with services.sessions.begin() as session:
            session.execute(
                update(Document)
                .where(Document.doc_id == doc_id, Document.status == "indexing")
                .values(
                    status="queued",
                    progress=0.0,
                    progress_message=INTERRUPTED,
                    pages_done=None,
                    passages_done=None,
                    updated_at=utcnow(),
                )
            )
    return len(again), len(gone)


def queued_ids(services: Services) -> list[str]:
    """Documents accepted but not yet indexed, oldest first: the work a restarted worker picks up."""
    with services.sessions() as session:
        query = select(Document.doc_id).where(Document.status == "queued").order_by(Document.created_at)
        return list(dict.fromkeys(session.scalars(query)))
