"""Indexing: a stored, accepted PDF becomes searchable passages for every workspace waiting for it, with its
progress on record; or, when it cannot, nothing of it is left (or its records say "failed" and why)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pypdf import PdfReader
from sqlalchemy import select, update

from rag.cards import DocumentCard, build_card, summarise_in_background
from rag.chunking import chunk_pages
from rag.cleanup import holders, remove_document_data, sync_workspaces
from rag.errors import DatabaseUnavailableError, DocChatError
from rag.models import Document, utcnow
from rag.pdf import TOO_MANY_PASSAGES, Page, PdfError, document_title, extract_pages, open_pdf
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


def no_progress(_message: str, _fraction: float) -> None:
    pass


def failed_result(name: str, doc_id: str | None, error: str) -> IngestResult:
    return IngestResult(file=name, doc_id=doc_id, status="failed", error=error)


def index_accepted(
    services: Services,
    doc_id: str,
    progress: Progress = no_progress,
    *,
    keep_failure: bool = False,
    stop: threading.Event | None = None,
) -> IngestResult:
    """Indexes a queued document from its stored file, for every workspace waiting for it. A failure removes
    everything it wrote; with `keep_failure` the records stay, "failed" with the reason, for the users who are no
    longer watching."""
    with services.sessions.begin() as session:
        # Claimed by a guarded update: with a Qdrant server, several processes may hold the same queue.
        claimed = session.execute(
            update(Document)
            .where(Document.doc_id == doc_id, Document.status == "queued")
            .values(status="indexing", updated_at=utcnow(), progress=0.05, progress_message="Reading the file")
        ).rowcount
        document = session.scalar(select(Document).where(Document.doc_id == doc_id).limit(1))
    if document is None:
        return failed_result("document.pdf", doc_id, "It was removed before it could be indexed.")
    if not claimed:
        return duplicate_result(document, BEING_ADDED.format(name=document.filename))
    name = document.filename
    try:
        data = (services.settings.storage_dir / document.stored_path).read_bytes()
        report = _recorded(services, doc_id, progress, stop)
        chunks, card = _index(services, data, open_pdf(data), doc_id, name, report)
        progress("Adding to your library", 0.97)
        with services.sessions.begin() as session:
            session.execute(
                update(Document)
                .where(Document.doc_id == doc_id, Document.status == "indexing")
                .values(
                    chunks=chunks,
                    status="indexed",
                    updated_at=utcnow(),
                    card=card.model_dump(),
                    progress=None,
                    progress_message=None,
                )
            )
        sync_workspaces(services, doc_id)  # a workspace that joined while it was indexed, or left
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
            discard(services, doc_id)
        return failed_result(name, doc_id, reason)
    summarise_in_background(services, doc_id, card)
    progress("Done", 1.0)
    return IngestResult(file=name, doc_id=doc_id, status="indexed", pages=document.pages, chunks=chunks)


def duplicate_result(document: Document, message: str) -> IngestResult:
    return IngestResult(
        file=document.filename,
        doc_id=document.doc_id,
        status="duplicate",
        pages=document.pages,
        chunks=document.chunks,
        error=message,
    )


def _set_state(services: Services, doc_id: str, **values: object) -> None:
    """Changes every workspace's record of this content that waits for it; an indexed or trashed one is not."""
    waiting = (Document.doc_id == doc_id, Document.status.in_(("queued", "indexing")))
    with services.sessions.begin() as session:
        session.execute(update(Document).where(*waiting).values(updated_at=utcnow(), **values))


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


def discard(services: Services, doc_id: str) -> None:
    """Removes what a failed ingestion wrote. With the database gone, the vectors and the file still go, and the
    record, left "indexing", is purged at the next start."""
    try:
        remove_document_data(services, doc_id)
    except DatabaseUnavailableError:
        log.info("the database is unavailable: the record of %s is left for the next start to purge", doc_id)


def reindex_document(services: Services, document: Document, progress: Progress = no_progress) -> int:
    """Embeds an indexed document again from its stored file, into the current store, with a fresh card;
    returns its chunks."""
    data = (services.settings.storage_dir / document.stored_path).read_bytes()
    chunks, card = _index(services, data, open_pdf(data), document.doc_id, document.filename, progress)
    # The same content: a large model's summary of it still holds, and costs a call to write again.
    card.model_summary = (document.card or {}).get("model_summary")
    with services.sessions.begin() as session:
        session.execute(
            update(Document).where(Document.doc_id == document.doc_id).values(chunks=chunks, card=card.model_dump())
        )
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
    workspaces = holders(services, doc_id)
    # Batches of passages of similar length waste the least compute on padding; the store keeps no order.
    by_length = sorted(chunks, key=lambda c: len(c.search_text))
    for start in range(0, len(by_length), settings.embed_batch_size):
        batch = by_length[start : start + settings.embed_batch_size]
        progress(f"Embedding passages {start + len(batch)}/{len(chunks)}", 0.15 + 0.8 * start / len(chunks))
        services.store.upsert(batch, embed([c.search_text for c in batch]), workspaces)
    return len(chunks)
