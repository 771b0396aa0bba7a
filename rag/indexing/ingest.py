"""Ingestion: one file's bytes (a PDF, or any kind rag/reading/files.py reads) become a stored file and a
workspace's library record, then searchable passages
(rag/indexing/index.py), or nothing. The same content in two workspaces is stored and indexed once; an upload
says so only to a user who is a member of both."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from rag.accounts.users import member_workspace_ids, owner_workspace
from rag.database.tables import Document, utcnow
from rag.errors import DatabaseUnavailableError, StoreError
from rag.indexing import job_state
from rag.indexing.index import (
    BEING_ADDED,
    Progress,
    duplicate_result,
    failed_result,
    index_accepted,
    no_progress,
    reindex_document,
)
from rag.reading.files import accept_file
from rag.reading.formats.identify import check_size, identify
from rag.reading.pdf import PdfError
from rag.records.cleanup import remove_record, sync_workspaces
from rag.records.filenames import display_name, remove_stored, unique_name, write_atomically
from rag.schemas import IngestResult
from rag.services import Services

__all__ = [
    "Progress",
    "accept_bytes",
    "display_name",
    "index_accepted",
    "ingest_bytes",
    "ingest_path",
    "reindex_document",
]

log = logging.getLogger(__name__)
# How many uploads of one name, or of one content, at the same moment one upload gives way to before giving up.
RACES = 20


def ingest_bytes(
    services: Services,
    data: bytes,
    filename: str,
    progress: Progress = no_progress,
    *,
    workspace_id: str | None = None,
    user_id: str | None = None,
) -> IngestResult:
    """Adds a PDF to a workspace now: when this returns it is searchable, or nothing of it is left. The same
    content already waiting in the workspace's queue (put back after a crash, say) is indexed now too."""
    accepted = accept_bytes(services, data, filename, progress, workspace_id=workspace_id, user_id=user_id)
    doc_id = accepted.doc_id
    if doc_id is None or accepted.status not in ("queued", "duplicate"):
        return accepted
    try:
        workspace = owner_workspace(services, workspace_id)
        mine = _record_of(services, workspace, doc_id)
        if accepted.status == "duplicate" and (mine is None or mine.status != "queued"):
            return accepted
        return _index_now(services, workspace, doc_id, progress)
    except DatabaseUnavailableError as exc:
        _give_up(services, doc_id)
        return failed_result(accepted.file, doc_id, str(exc))


def _record_of(services: Services, workspace: str, doc_id: str) -> Document | None:
    with services.sessions() as session:
        return session.get(Document, (workspace, doc_id))


def _index_now(services: Services, workspace: str, doc_id: str, progress: Progress) -> IngestResult:
    result = index_accepted(services, doc_id, progress, workspace_id=workspace)
    while result.status == "duplicate":
        mine = _record_of(services, workspace, doc_id)
        if mine is None:
            return failed_result(result.file, doc_id, "It was removed before it could be indexed.")
        if mine.status == "indexed":
            return IngestResult(
                file=mine.filename,
                doc_id=doc_id,
                status="indexed",
                pages=mine.pages,
                chunks=mine.chunks,
                ocr_pages=mine.ocr_pages,
                ocr_unreadable=mine.ocr_unreadable,
                language=mine.language,
            )
        if mine.status == "failed":
            return failed_result(mine.filename, doc_id, mine.error or "It could not be indexed.")
        if mine.status != "queued":
            return result  # joined a job of the same content in another of the user's workspaces, as it was
        # Still queued: another workspace's job holds the content (job_state.claim), and indexes this record too
        # when it ends. Answering "being added" instead would tell of that upload; should its job die, the next
        # try claims the content.
        progress(job_state.WAITING, 0.0)
        time.sleep(job_state.PROGRESS_SECONDS)
        result = index_accepted(services, doc_id, progress, workspace_id=workspace)
    return result


def _give_up(services: Services, doc_id: str) -> None:
    """An upload that lost the database before its job could be claimed wrote no passages. Its file goes now, and
    its record at the next start (recover_interrupted finds it without its file); but not while passages of the
    content are stored: another workspace's record may answer from them, and only the database could say."""
    try:
        if services.store.count(doc_id) == 0:
            remove_stored(services.settings.uploads_dir, doc_id)
    except StoreError:
        log.info("the store is unavailable too: the file of %s stays, its upload queued at the next start", doc_id)


def accept_bytes(
    services: Services,
    data: bytes,
    filename: str,
    progress: Progress = no_progress,
    *,
    workspace_id: str | None = None,
    user_id: str | None = None,
) -> IngestResult:
    """Checks a file (a PDF, an Office file, a web page, a picture ...), stores it and records it in the workspace
    as "queued", in about a second for any size: the slow part, `index_accepted`, may run later in a background
    worker. "duplicate" and "failed" results are final, and so is "indexed": content another of the user's
    workspaces has indexed already is not indexed twice."""
    name = display_name(filename)
    try:
        workspace = owner_workspace(services, workspace_id)
        return _accept(services, data, name, progress, workspace, user_id)
    except DatabaseUnavailableError as exc:
        # Reported like any other failure, so a batch goes on and names every file.
        return IngestResult(file=name, doc_id=None, status="failed", error=str(exc))


def _accept(
    services: Services, data: bytes, name: str, progress: Progress, workspace: str, user_id: str | None
) -> IngestResult:
    settings = services.settings
    try:
        progress("Checking the file", 0.0)
        check_size(data, settings.max_upload_bytes)
        identify(data, name)  # what it is, told from its content: refused here before anything is recorded
    except PdfError as exc:
        return failed_result(name, None, str(exc))

    doc_id = hashlib.sha256(data).hexdigest()
    for _ in range(RACES):
        try:
            return _record(services, data, doc_id, name, progress, workspace, user_id)
        except (IntegrityError, _Raced):
            # The same content, or another file of the same name, was recorded meanwhile by an upload at the
            # same moment (the database refuses a second record or name): this one looks again, and is then a
            # duplicate, or takes the next free name.
            log.info("an upload of %s met another at the same moment; looking again", name)
    return failed_result(name, doc_id, "Too many uploads of this name at the same moment; add it again.")


class _Raced(Exception):
    """Another upload of the same content was recorded while this one was opened."""


def _record(
    services: Services, data: bytes, doc_id: str, wanted: str, progress: Progress, workspace: str, user_id: str | None
) -> IngestResult:
    """One try at recording the upload: a duplicate's result, or its record made and its file stored. Raises
    IntegrityError or _Raced when another upload took the record or the name first."""
    settings = services.settings
    with services.sessions.begin() as session:
        existing = session.get(Document, (workspace, doc_id))
        if existing is not None and existing.status == "trashed":
            # The same content again: the user wants it back, and its passages are still stored.
            existing.status, existing.trashed_at = "indexed", None
            return duplicate_result(
                existing, f"It was in the trash and is back in your library as {existing.filename}."
            )
        if existing is not None and existing.status == "indexed":
            return duplicate_result(existing, f"Already in your library as {existing.filename}.")
        if existing is not None and existing.status in ("queued", "indexing"):
            return duplicate_result(existing, BEING_ADDED.format(name=existing.filename))
        name = unique_name(session, wanted, doc_id, workspace)
        # The same content in another workspace of the uploader's: one file and one set of passages, a record of
        # its own here, indexed at once when that one is. Held only by workspaces the uploader is no member of,
        # it is taken in as any new upload, queued, and its job finds the passages stored (index.py _reuse):
        # answering "indexed" would tell them that someone else has this file. What is left: a client that polls
        # may still tell by how soon the job ends; closing that would mean indexing each workspace's copy apart.
        sibling = session.scalar(
            select(Document)
            .where(
                Document.doc_id == doc_id,
                Document.status != "failed",
                Document.workspace_id.in_(member_workspace_ids(user_id)),
            )
            .order_by(Document.status)
        )
        if sibling is not None:
            record = _copy_record(sibling, workspace, name, user_id)
            session.add(record)
    if sibling is not None:
        if record.status == "indexed":
            sync_workspaces(services, doc_id)  # its passages now answer this workspace too
            return IngestResult(
                file=name,
                doc_id=doc_id,
                status="indexed",
                pages=record.pages,
                chunks=record.chunks,
                language=record.language,
            )
        return IngestResult(file=name, doc_id=doc_id, status="queued", pages=record.pages)

    try:
        accepted = accept_file(data, name, settings)
    except PdfError as exc:
        return failed_result(name, doc_id, str(exc))
    opened = accepted.opened

    # Named by the content's hash and its kind; a picture is stored as the PDF it was turned into.
    stored = settings.uploads_dir / f"{doc_id}{accepted.suffix}"
    # The record goes first, so a crash mid-way leaves a marker to clean up. Its name is taken again here: another
    # upload may have taken it while this file was opened, and the database refuses a name twice.
    with services.sessions.begin() as session:
        failed = session.get(Document, (workspace, doc_id))
        name = unique_name(session, wanted, doc_id, workspace)
        values = {
            "added_by": user_id,
            "filename": name,
            "size_bytes": len(data),
            "pages": opened.pages,
            "chunks": 0,
            "stored_path": str(stored.relative_to(settings.storage_dir)),
            "status": "queued",
            "error": None,
            "updated_at": utcnow(),
            "progress": 0.0,
            "progress_message": "Waiting to be indexed",
        }
        if failed is None:
            # An insert, never a merge: a merge would overwrite a record another upload of it made meanwhile, and
            # the content be queued twice. The database refuses the second insert instead (IntegrityError).
            session.add(Document(workspace_id=workspace, doc_id=doc_id, **values))
        else:
            # A failed upload of it, added again: taken back only if it is still failed.
            mine = (Document.workspace_id == workspace, Document.doc_id == doc_id, Document.status == "failed")
            if not session.execute(update(Document).where(*mine).values(**values)).rowcount:
                raise _Raced
    try:
        progress("Saving the file", 0.03)
        write_atomically(stored, accepted.data)
    except OSError as exc:
        # The record goes; another workspace's copy of the content keeps the file (replaced whole, or not at all).
        try:
            remove_record(services, workspace, doc_id)
        except (DatabaseUnavailableError, StoreError):
            log.info("the record of %s is removed at the next start", doc_id)
        return failed_result(name, doc_id, f"The file could not be saved: {exc.strerror}")
    return IngestResult(file=name, doc_id=doc_id, status="queued", pages=opened.pages)


def _copy_record(sibling: Document, workspace: str, name: str, user_id: str | None) -> Document:
    # A sibling in the trash of its workspace is still indexed content; one queued or indexing is joined, and
    # the job indexing it finishes both: it writes to the records of its attempt, and its heartbeat is theirs.
    status = "indexed" if sibling.status in ("indexed", "trashed") else sibling.status
    joined = status == "indexing"
    return Document(
        workspace_id=workspace,
        doc_id=sibling.doc_id,
        added_by=user_id,
        filename=name,
        stored_path=sibling.stored_path,
        size_bytes=sibling.size_bytes,
        pages=sibling.pages,
        chunks=sibling.chunks,
        status=status,
        card=sibling.card,
        ocr_pages=sibling.ocr_pages,
        ocr_unreadable=sibling.ocr_unreadable,
        ocr_lines=sibling.ocr_lines,
        language=sibling.language,
        attempts=sibling.attempts if joined else 0,
        updated_at=sibling.updated_at if joined else utcnow(),
        progress=None if status == "indexed" else sibling.progress,
        progress_message=None if status == "indexed" else sibling.progress_message,
    )


def ingest_path(
    services: Services,
    path: Path,
    progress: Progress = no_progress,
    *,
    workspace_id: str | None = None,
    user_id: str | None = None,
) -> IngestResult:
    try:
        size = path.stat().st_size
        if size > services.settings.max_upload_bytes:
            limit = services.settings.max_upload_mb
            return failed_result(
                display_name(path.name), None, f"The file is {size / 1_048_576:.1f} MB, over the {limit} MB limit."
            )
        data = path.read_bytes()
    except OSError as exc:
        return failed_result(display_name(path.name), None, f"Cannot read the file: {exc.strerror}")
    return ingest_bytes(services, data, path.name, progress, workspace_id=workspace_id, user_id=user_id)
