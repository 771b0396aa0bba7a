"""Ingestion: one PDF's bytes become a stored file, a library record and searchable chunks, or nothing."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import update

from rag.cards import DocumentCard, build_card, summarise_in_background
from rag.chunking import chunk_pages
from rag.cleanup import remove_document_data
from rag.errors import DatabaseUnavailableError, DocChatError
from rag.filenames import display_name, unique_name, write_atomically
from rag.models import Document, utcnow
from rag.pdf import TOO_MANY_PASSAGES, Page, PdfError, check_pdf_bytes, document_title, extract_pages, open_pdf
from rag.schemas import IngestResult
from rag.services import Services

log = logging.getLogger(__name__)

# (message for the user, fraction done in 0..1)
Progress = Callable[[str, float], None]

# How often a document being indexed writes its progress, for a page or an API client polling it. The write is
# also its heartbeat: it proves the indexing process is alive (rag/cleanup.py STALE_AFTER).
PROGRESS_SECONDS = 1.0
BEING_ADDED = "It is already being added to your library as {name}."


class IndexingStopped(Exception):
    """Raised inside an indexing job when its process is stopping; the document goes back to the queue."""


def _noop(_message: str, _fraction: float) -> None:
    pass


def ingest_bytes(services: Services, data: bytes, filename: str, progress: Progress = _noop) -> IngestResult:
    """Adds a PDF now: when this returns it is searchable, or nothing of it is left."""
    accepted = accept_bytes(services, data, filename, progress)
    if accepted.status != "queued" or accepted.doc_id is None:
        return accepted
    try:
        return index_accepted(services, accepted.doc_id, progress)
    except DatabaseUnavailableError as exc:
        # Gone between accepting and claiming: the file goes now, the record at the next start (purge_incomplete).
        _discard(services, accepted.doc_id)
        return _failed(accepted.file, accepted.doc_id, str(exc))


def accept_bytes(services: Services, data: bytes, filename: str, progress: Progress = _noop) -> IngestResult:
    """Checks a PDF, stores its file and records it as "queued", in well under a second for any size: the slow
    part, `index_accepted`, may run later in a background worker. "duplicate" and "failed" results are final."""
    name = display_name(filename)
    try:
        return _accept(services, data, name, progress)
    except DatabaseUnavailableError as exc:
        # Reported like any other failure, so a batch goes on and names every file.
        return IngestResult(file=name, doc_id=None, status="failed", error=str(exc))


def _failed(name: str, doc_id: str | None, error: str) -> IngestResult:
    return IngestResult(file=name, doc_id=doc_id, status="failed", error=error)


def _accept(services: Services, data: bytes, name: str, progress: Progress) -> IngestResult:
    settings = services.settings
    try:
        progress("Checking the file", 0.0)
        check_pdf_bytes(data, settings.max_upload_bytes)
    except PdfError as exc:
        return _failed(name, None, str(exc))

    doc_id = hashlib.sha256(data).hexdigest()
    with services.sessions.begin() as session:
        existing = session.get(Document, doc_id)
        if existing is not None and existing.status == "trashed":
            # The same content again: the user wants it back, and its passages are still stored.
            existing.status, existing.trashed_at = "indexed", None
            return _duplicate(existing, f"It was in the trash and is back in your library as {existing.filename}.")
        if existing is not None and existing.status == "indexed":
            return _duplicate(existing, f"Already in your library as {existing.filename}.")
        if existing is not None and existing.status in ("queued", "indexing"):
            return _duplicate(existing, BEING_ADDED.format(name=existing.filename))
        name = unique_name(session, name, doc_id)

    try:
        reader = open_pdf(data)
    except PdfError as exc:
        return _failed(name, doc_id, str(exc))

    stored = settings.uploads_dir / f"{doc_id}.pdf"
    # The record goes first, so a crash mid-way leaves a marker to clean up.
    with services.sessions.begin() as session:
        session.merge(
            Document(
                doc_id=doc_id,
                filename=name,
                size_bytes=len(data),
                pages=len(reader.pages),
                chunks=0,
                stored_path=str(stored.relative_to(settings.storage_dir)),
                status="queued",
                error=None,
                updated_at=utcnow(),
                progress=0.0,
                progress_message="Waiting to be indexed",
            )
        )
    try:
        progress("Saving the file", 0.03)
        write_atomically(stored, data)
    except OSError as exc:
        _discard(services, doc_id)
        return _failed(name, doc_id, f"The file could not be saved: {exc.strerror}")
    return IngestResult(file=name, doc_id=doc_id, status="queued", pages=len(reader.pages))


def index_accepted(
    services: Services,
    doc_id: str,
    progress: Progress = _noop,
    *,
    keep_failure: bool = False,
    stop: threading.Event | None = None,
) -> IngestResult:
    """Indexes a queued document from its stored file. A failure removes everything it wrote; with
    `keep_failure` the record stays, "failed" with its reason, for the user who is no longer watching."""
    with services.sessions.begin() as session:
        # Claimed by a guarded update: with a Qdrant server, several processes may hold the same queue.
        claimed = session.execute(
            update(Document)
            .where(Document.doc_id == doc_id, Document.status == "queued")
            .values(status="indexing", updated_at=utcnow(), progress=0.05, progress_message="Reading the file")
        ).rowcount
        document = session.get(Document, doc_id)
    if document is None:
        return _failed("document.pdf", doc_id, "It was removed before it could be indexed.")
    if not claimed:
        return _duplicate(document, BEING_ADDED.format(name=document.filename))
    name = document.filename
    try:
        data = (services.settings.storage_dir / document.stored_path).read_bytes()
        report = _recorded(services, doc_id, progress, stop)
        chunks, card = _index(services, data, open_pdf(data), doc_id, name, report)
        progress("Adding to your library", 0.97)
        with services.sessions.begin() as session:
            stored = session.get_one(Document, doc_id)
            stored.chunks, stored.status, stored.updated_at = chunks, "indexed", utcnow()
            stored.card, stored.progress, stored.progress_message = card.model_dump(), None, None
    except IndexingStopped:
        services.store.delete_document(doc_id)
        _set_state(services, doc_id, status="queued", progress=0.0, progress_message="Waiting to be indexed")
        return IngestResult(file=name, doc_id=doc_id, status="queued", pages=document.pages)
    except Exception as exc:
        if isinstance(exc, DocChatError):
            reason = str(exc)
        else:
            # The user gets the reason; the traceback is for whoever turns logging up.
            log.info("ingesting %s failed", name, exc_info=True)
            reason = f"Indexing failed: {exc}"
        if keep_failure:
            _keep_failure(services, doc_id, reason)
        else:
            _discard(services, doc_id)
        return _failed(name, doc_id, reason)
    summarise_in_background(services, doc_id, card)
    progress("Done", 1.0)
    return IngestResult(file=name, doc_id=doc_id, status="indexed", pages=document.pages, chunks=chunks)


def _duplicate(document: Document, message: str) -> IngestResult:
    return IngestResult(
        file=document.filename,
        doc_id=document.doc_id,
        status="duplicate",
        pages=document.pages,
        chunks=document.chunks,
        error=message,
    )


def _set_state(services: Services, doc_id: str, **values: object) -> None:
    with services.sessions.begin() as session:
        session.execute(update(Document).where(Document.doc_id == doc_id).values(updated_at=utcnow(), **values))


def _recorded(services: Services, doc_id: str, progress: Progress, stop: threading.Event | None) -> Progress:
    """Passes progress on, and writes it to the record at most every PROGRESS_SECONDS: that write is also the
    heartbeat that tells a live job from one whose process died."""
    written = 0.0

    def report(message: str, fraction: float) -> None:
        nonlocal written
        if stop is not None and stop.is_set():
            raise IndexingStopped
        progress(message, fraction)
        if time.monotonic() - written > PROGRESS_SECONDS:
            written = time.monotonic()
            _set_state(services, doc_id, progress=round(fraction, 3), progress_message=message[:200])

    return report


def _keep_failure(services: Services, doc_id: str, reason: str) -> None:
    """The record stays, "failed" with its reason; its passages and its file go."""
    try:
        services.store.delete_document(doc_id)
        (services.settings.uploads_dir / f"{doc_id}.pdf").unlink(missing_ok=True)
        _set_state(services, doc_id, status="failed", error=reason, progress=None, progress_message=None)
    except DatabaseUnavailableError:
        log.info("the database is unavailable: the record of %s is left for the next start to purge", doc_id)


def _discard(services: Services, doc_id: str) -> None:
    """Removes what a failed ingestion wrote. With the database gone, the vectors and the file still go, and the
    record, left "indexing", is purged at the next start."""
    try:
        remove_document_data(services, doc_id)
    except DatabaseUnavailableError:
        log.info("the database is unavailable: the record of %s is left for the next start to purge", doc_id)


def reindex_document(services: Services, document: Document, progress: Progress = _noop) -> int:
    """Embeds an indexed document again from its stored file, into the current store, with a fresh card;
    returns its chunks."""
    data = (services.settings.storage_dir / document.stored_path).read_bytes()
    chunks, card = _index(services, data, open_pdf(data), document.doc_id, document.filename, progress)
    # The same content: a large model's summary of it still holds, and costs a call to write again.
    card.model_summary = (document.card or {}).get("model_summary")
    with services.sessions.begin() as session:
        stored = session.get_one(Document, document.doc_id)
        stored.chunks, stored.card = chunks, card.model_dump()
    return chunks


def _index(
    services: Services, data: bytes, reader: PdfReader, doc_id: str, name: str, progress: Progress
) -> tuple[int, DocumentCard]:
    def on_page(n: int, total: int) -> None:
        progress(f"Reading page {n}/{total}", 0.05 + 0.1 * n / total)

    pages = extract_pages(data, reader, on_page, services.settings)  # refuses blank, scanned and hostile PDFs
    title = document_title(reader)
    chunks = _embed_and_store(services, pages, doc_id, name, title, progress)
    progress("Summarising", 0.95)
    try:
        return chunks, build_card(pages, title, name, services.embedding.embeddings)
    except Exception:  # the card is a convenience: the document is searchable without its summary
        log.warning("building the card of %s failed", name, exc_info=True)
        return chunks, DocumentCard(title=title or name, pages=len(pages))


def _embed_and_store(
    services: Services, pages: list[Page], doc_id: str, name: str, title: str | None, progress: Progress
) -> int:
    settings = services.settings
    chunks = chunk_pages(
        pages,
        doc_id=doc_id,
        filename=name,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        title=title,
    )
    if len(chunks) > settings.max_passages:
        # Before any embedding: 31,000 passages of a 100 KB text bomb once queued for minutes of CPU.
        raise PdfError(TOO_MANY_PASSAGES.format(limit=settings.max_passages))
    embed = services.embedding.embeddings.embed_documents
    # Batches of passages of similar length waste the least compute on padding; the store keeps no order.
    by_length = sorted(chunks, key=lambda c: len(c.search_text))
    for start in range(0, len(by_length), settings.embed_batch_size):
        batch = by_length[start : start + settings.embed_batch_size]
        progress(f"Embedding passages {start + len(batch)}/{len(chunks)}", 0.15 + 0.8 * start / len(chunks))
        services.store.upsert(batch, embed([c.search_text for c in batch]))
    return len(chunks)


def ingest_path(services: Services, path: Path, progress: Progress = _noop) -> IngestResult:
    try:
        size = path.stat().st_size
        if size > services.settings.max_upload_bytes:
            limit = services.settings.max_upload_mb
            return _failed(
                display_name(path.name), None, f"The file is {size / 1_048_576:.1f} MB, over the {limit} MB limit."
            )
        data = path.read_bytes()
    except OSError as exc:
        return _failed(display_name(path.name), None, f"Cannot read the file: {exc.strerror}")
    return ingest_bytes(services, data, path.name, progress)
