"""Ingestion: one PDF's bytes become a stored file and a workspace's library record, then searchable passages
(rag/indexing/index.py), or nothing. The same content in two workspaces is stored and indexed once."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from rag.accounts.users import owner_workspace
from rag.database.tables import Document, utcnow
from rag.errors import DatabaseUnavailableError
from rag.indexing.index import (
    BEING_ADDED,
    Progress,
    discard,
    duplicate_result,
    failed_result,
    index_accepted,
    no_progress,
    reindex_document,
)
from rag.reading.pdf import PdfError, check_pdf_bytes, open_pdf
from rag.records.cleanup import sync_workspaces
from rag.records.filenames import display_name, unique_name, write_atomically
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
    content already waiting in the queue (put back after a crash, say) is indexed now too."""
    accepted = accept_bytes(services, data, filename, progress, workspace_id=workspace_id, user_id=user_id)
    waiting = accepted.status == "duplicate" and accepted.doc_id is not None and _queued(services, accepted.doc_id)
    if (accepted.status != "queued" and not waiting) or accepted.doc_id is None:
        return accepted
    try:
        return index_accepted(services, accepted.doc_id, progress)
    except DatabaseUnavailableError as exc:
        # Gone between accepting and claiming: the file goes now, the record at the next start (recover_interrupted).
        discard(services, accepted.doc_id)
        return failed_result(accepted.file, accepted.doc_id, str(exc))


def _queued(services: Services, doc_id: str) -> bool:
    query = select(Document.doc_id).where(Document.doc_id == doc_id, Document.status == "queued").limit(1)
    with services.sessions() as session:
        return session.scalar(query) is not None


def accept_bytes(
    services: Services,
    data: bytes,
    filename: str,
    progress: Progress = no_progress,
    *,
    workspace_id: str | None = None,
    user_id: str | None = None,
) -> IngestResult:
    """Checks a PDF, stores its file and records it in the workspace as "queued", in well under a second for any
    size: the slow part, `index_accepted`, may run later in a background worker. "duplicate" and "failed" results
    are final, and so is "indexed": content another workspace has indexed already is not indexed twice."""
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
        check_pdf_bytes(data, settings.max_upload_bytes)
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
        sibling = session.scalar(
            select(Document).where(Document.doc_id == doc_id, Document.status != "failed").order_by(Document.status)
        )
        if sibling is not None:
            # The same content in another workspace: one file and one set of passages, a record of its own here.
            record = _copy_record(sibling, workspace, name, user_id)
            session.add(record)
    if sibling is not None:
        if record.status == "indexed":
            sync_workspaces(services, doc_id)  # its passages now answer this workspace too
            return IngestResult(file=name, doc_id=doc_id, status="indexed", pages=record.pages, chunks=record.chunks)
        return IngestResult(file=name, doc_id=doc_id, status="queued", pages=record.pages)

    try:
        opened = open_pdf(data, settings)
    except PdfError as exc:
        return failed_result(name, doc_id, str(exc))

    stored = settings.uploads_dir / f"{doc_id}.pdf"
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
        write_atomically(stored, data)
    except OSError as exc:
        discard(services, doc_id)
        return failed_result(name, doc_id, f"The file could not be saved: {exc.strerror}")
    return IngestResult(file=name, doc_id=doc_id, status="queued", pages=opened.pages)


def _copy_record(sibling: Document, workspace: str, name: str, user_id: str | None) -> Document:
    # A sibling in the trash of its workspace is still indexed content; one queued or indexing is joined, and
    # the job indexing it finishes both.
    status = "indexed" if sibling.status in ("indexed", "trashed") else sibling.status
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
        updated_at=utcnow(),
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
