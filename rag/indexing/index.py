"""Indexing: a stored, accepted PDF becomes searchable passages for every workspace waiting for it, with its
progress on record; or, when it cannot, nothing of it is left (or its records say "failed" and why)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update

from rag.database.tables import Document
from rag.errors import DatabaseUnavailableError, DocChatError, StoreError
from rag.indexing import job_state
from rag.indexing.cards import DocumentCard, build_card, summarise_in_background
from rag.indexing.chunking import chunk_pages
from rag.language import detect_document
from rag.reading.files import read_file
from rag.reading.known_ocr import known_ocr
from rag.reading.ocr_layout import OcrLine
from rag.reading.pdf import TOO_MANY_PASSAGES, Page, PdfError, ReadStep
from rag.records.cleanup import (
    drop_passages,
    has_records,
    holders,
    indexed_record,
    remove_document_data,
    sync_workspaces,
)
from rag.records.filenames import remove_stored
from rag.schemas import IngestResult
from rag.services import Services

log = logging.getLogger(__name__)


# (message for the user, fraction done in 0..1)
Progress = Callable[[str, float], None]


BEING_ADDED = "It is already being added to your library as {name}."
# What may pass on its own: a job that meets one is tried again later, if its scheduler retries.
TRANSIENT = (DatabaseUnavailableError, StoreError)


class RetryLater(Exception):
    """An indexing job met something passing (TRANSIENT); its document is queued again, for a retry."""


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
    retry: bool = False,
    workspace_id: str | None = None,
) -> IngestResult:
    """Indexes a queued document from its stored file, for every workspace waiting for it; content indexed
    already for another record is not read again, its passages serve these records too. A failure removes
    everything it wrote; with `keep_failure` the records and the file stay, "failed" with the reason, for the
    users who are no longer watching (and for a retry). With `retry`, a passing failure (TRANSIENT) queues the
    document again and raises RetryLater, for a scheduler that tries again later. `workspace_id`: the workspace
    whose record the result names (that of an upload indexed while its user waits)."""
    job, document = job_state.claim(services, doc_id, workspace_id)
    if document is None:
        return failed_result("document.pdf", doc_id, "It was removed before it could be indexed.")
    if job is None:
        return duplicate_result(document, BEING_ADDED.format(name=document.filename))
    name = document.filename
    counts = job_state.Counts()
    # Whether this job writes the passages. Until it knows that no other record answers from them, a failure
    # removes none of them, nor the file, nor another record.
    owned = False
    try:
        held = indexed_record(services, doc_id)
        if held is not None:
            return _reuse(services, job, held, name)
        if job.attempt > services.settings.job_retries + 1:
            # Its workers kept dying on it (a PDF that exhausts their memory, say): it ends here, not in a loop.
            reason = f"Indexing stopped {job.attempt - 1} times before it could finish; it was given up."
            _keep_failure(services, doc_id, reason)
            return failed_result(name, doc_id, reason)
        owned = True
        if job.reclaimed:
            services.store.delete_document(doc_id)  # what the worker that died had written
        data = (services.settings.storage_dir / document.stored_path).read_bytes()
        report = job_state.reporter(services, job, progress, counts, stop)
        chunks, card, fields = _index(services, data, Path(document.stored_path).suffix, doc_id, name, report, counts)
        progress("Adding to your library", 0.97)
        job_state.finish(
            services,
            doc_id,
            job.attempt,
            chunks=chunks,
            status="indexed",
            card=card.model_dump(),
            progress=None,
            progress_message=None,
            pages_done=None,
            passages_done=None,
            **fields,
        )
        sync_workspaces(services, doc_id)  # a workspace that joined while it was indexed, or left
    except job_state.IndexingStopped:
        services.store.delete_document(doc_id)
        job_state.requeue(services, doc_id)
        return IngestResult(file=name, doc_id=doc_id, status="queued", pages=document.pages)
    except job_state.JobWithdrawn:
        return _withdrawn(services, job, name)
    except Exception as exc:
        if retry and isinstance(exc, TRANSIENT):
            _retry_later(services, doc_id, exc)
        if isinstance(exc, DocChatError):
            reason = str(exc)
        else:
            # The user gets the reason; the traceback is for whoever turns logging up.
            log.info("ingesting %s failed", name, exc_info=True)
            reason = f"Indexing failed: {exc}"
        if keep_failure:
            _keep_failure(services, doc_id, reason)
        elif owned:
            discard(services, doc_id)
        else:
            _release(services, job)
        return failed_result(name, doc_id, reason)
    summarise_in_background(services, doc_id, card)
    progress("Done", 1.0)
    return IngestResult(
        file=name,
        doc_id=doc_id,
        status="indexed",
        pages=document.pages,
        chunks=chunks,
        ocr_pages=fields["ocr_pages"],
        ocr_unreadable=fields["ocr_unreadable"],
        language=fields["language"],
    )


def _reuse(services: Services, job: job_state.Claim, held: Document, name: str) -> IngestResult:
    """The content was indexed for another record (another workspace's) before this job was claimed: its
    passages, complete, serve the records of this job as they are, and so do its card and what OCR read. A new
    upload of content someone else holds answers "queued" and ends here, so that its user cannot tell it from any
    other upload by its answer (rag/indexing/ingest.py)."""
    doc_id = held.doc_id
    # Before: a failure in between leaves the passages answering no record that is not indexed. After: a record
    # that left (cancelled) or was queued meanwhile.
    sync_workspaces(services, doc_id)
    job_state.finish(
        services,
        doc_id,
        job.attempt,
        chunks=held.chunks,
        status="indexed",
        card=held.card,
        progress=None,
        progress_message=None,
        pages_done=None,
        passages_done=None,
        ocr_pages=held.ocr_pages,
        ocr_unreadable=held.ocr_unreadable,
        ocr_lines=held.ocr_lines,
        language=held.language,
    )
    sync_workspaces(services, doc_id)
    return IngestResult(
        file=name,
        doc_id=doc_id,
        status="indexed",
        pages=job.document.pages,
        chunks=held.chunks,
        ocr_pages=held.ocr_pages,
        ocr_unreadable=held.ocr_unreadable,
        language=held.language,
    )


def _release(services: Services, job: job_state.Claim) -> None:
    """Removes the records a job that wrote no passages held, and nothing else: the passages and the file are
    another record's."""
    doc_id = job.document.doc_id
    mine = (Document.doc_id == doc_id, Document.status == "indexing", Document.attempts == job.attempt)
    try:
        with services.sessions.begin() as session:
            session.execute(delete(Document).where(*mine))
        sync_workspaces(services, doc_id)
    except TRANSIENT:
        log.info("the records of %s stay 'indexing', to be taken over or queued again at the next start", doc_id)


def _withdrawn(services: Services, job: job_state.Claim, name: str) -> IngestResult:
    doc_id = job.document.doc_id
    if job_state.taken_over(services, doc_id, job.attempt):
        # The new holder cleared the passages and writes them again, with the same ids.
        return duplicate_result(job.document, BEING_ADDED.format(name=name))
    # Cancelled: the passages written so far go, and the file with the last record of the content.
    try:
        sync_workspaces(services, doc_id)
        if not has_records(services, doc_id):
            remove_stored(services.settings.uploads_dir, doc_id)
    except DatabaseUnavailableError:
        log.info("the database is unavailable: what %s wrote goes at the next start", doc_id)
    return IngestResult(file=name, doc_id=doc_id, status="failed", error="It was cancelled.")


def _retry_later(services: Services, doc_id: str, exc: Exception) -> None:
    log.warning("indexing %s met a passing failure, to be retried: %s", doc_id, exc)
    try:
        # Its passages stay for the next holder to remove (Claim.reclaimed): removed here, after the record is
        # queued, they could take another worker's fresh ones with them.
        job_state.requeue(services, doc_id, f"Waiting to try again: {exc}"[:200])
    except TRANSIENT:
        pass  # the record stays "indexing" until its heartbeat is stale: the retry takes it over then
    raise RetryLater(str(exc)) from exc


def duplicate_result(document: Document, message: str) -> IngestResult:
    return IngestResult(
        file=document.filename,
        doc_id=document.doc_id,
        status="duplicate",
        pages=document.pages,
        chunks=document.chunks,
        error=message,
    )


def _keep_failure(services: Services, doc_id: str, reason: str) -> None:
    """The records stay, "failed" with the reason, and so does the file, for a retry; the passages go, unless an
    indexed record (another workspace's) answers from them (with the store or the database unreachable, they go at
    the retry, or with the record when it is dismissed)."""
    try:
        drop_passages(services, doc_id)
    except TRANSIENT as exc:
        log.info("the passages of %s stay until the retry or the dismissal: %s", doc_id, exc)
    try:
        job_state.set_waiting(
            services, doc_id, status="failed", error=reason, progress=None, progress_message=None, pages_done=None
        )
    except DatabaseUnavailableError:
        log.info("the database is unavailable: %s stays 'indexing', to be queued again at the next start", doc_id)


def discard(services: Services, doc_id: str) -> None:
    """Removes what a failed ingestion wrote. With the database gone, the vectors and the file still go, and the
    record, left "indexing" without its file, is removed at the next start (rag/records/cleanup.py)."""
    try:
        remove_document_data(services, doc_id)
    except DatabaseUnavailableError:
        log.info("the database is unavailable: the record of %s is removed at the next start", doc_id)


def reindex_document(services: Services, document: Document, progress: Progress = no_progress) -> int:
    """Embeds an indexed document again from its stored file, into the current store, with a fresh card;
    returns its chunks."""
    data = (services.settings.storage_dir / document.stored_path).read_bytes()
    known = known_ocr(services, document.doc_id)  # what OCR read once is not read again
    suffix = Path(document.stored_path).suffix
    chunks, card, fields = _index(services, data, suffix, document.doc_id, document.filename, progress, known=known)
    # The same content: a large model's summary of it still holds, and costs a call to write again.
    card.model_summary = (document.card or {}).get("model_summary")
    with services.sessions.begin() as session:
        session.execute(
            update(Document)
            .where(Document.doc_id == document.doc_id)
            .values(chunks=chunks, card=card.model_dump(), **fields)
        )
    return chunks


def _index(
    services: Services,
    data: bytes,
    suffix: str,
    doc_id: str,
    name: str,
    progress: Progress,
    counts: job_state.Counts | None = None,
    known: dict[int, tuple[OcrLine, ...]] | None = None,
) -> tuple[int, DocumentCard, dict[str, Any]]:
    """Passages stored, the card, and the record's fields read from the text (OCR's, the language)."""
    counts = counts or job_state.Counts()
    # Reading is the first tenth of the bar, or most of it when pages need OCR (1 s a page, against 3 ms).
    reading = [0.15]

    def on_page(step: ReadStep) -> None:
        counts.pages_done = step.page
        reading[0] = 0.65 if step.ocr_total else 0.15
        progress(step.message, 0.05 + (reading[0] - 0.05) * step.fraction)

    # Refuses blank, unreadable and hostile files, and PDFs needing OCR on more pages than allowed.
    opened, pages = read_file(data, suffix, services.settings, on_page, known)
    title = opened.title
    language = detect_document([page.text for page in pages])
    chunks = _embed_and_store(services, pages, doc_id, name, title, language, progress, counts, reading[0])
    progress("Summarising", 0.95)
    try:
        card = build_card(pages, title, name, services.embedding.embeddings)
    except Exception:  # the card is a convenience: the document is searchable without its summary
        log.warning("building the card of %s failed", name, exc_info=True)
        card = DocumentCard(title=title or name, pages=len(pages))
    return chunks, card, {**ocr_fields(pages), "language": language}


def ocr_fields(pages: list[Page]) -> dict[str, Any]:
    read = {str(p.number): [line.to_list() for line in p.ocr_lines or ()] for p in pages if p.ocr_lines is not None}
    return {
        "ocr_pages": sum(1 for p in pages if p.ocr),
        "ocr_unreadable": sum(1 for p in pages if p.unreadable),
        "ocr_lines": read or None,
    }


def _embed_and_store(
    services: Services,
    pages: list[Page],
    doc_id: str,
    name: str,
    title: str | None,
    language: str | None,
    progress: Progress,
    counts: job_state.Counts,
    start: float = 0.15,
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
    chunks = [replace(chunk, language=language or "") for chunk in chunks]
    if len(chunks) > settings.max_passages:
        # Before any embedding: 31,000 passages of a 100 KB text bomb once queued for minutes of CPU.
        raise PdfError(TOO_MANY_PASSAGES.format(limit=settings.max_passages))
    embed = services.embedding.embeddings.embed_documents
    workspaces = holders(services, doc_id)
    # Batches of passages of similar length waste the least compute on padding; the store keeps no order.
    by_length = sorted(chunks, key=lambda c: len(c.search_text))
    for first in range(0, len(by_length), settings.embed_batch_size):
        batch = by_length[first : first + settings.embed_batch_size]
        done = first + len(batch)
        progress(f"Embedding passages {done}/{len(chunks)}", start + (0.95 - start) * first / len(chunks))
        services.store.upsert(batch, embed([c.search_text for c in batch]), workspaces)
        counts.passages_done = done
    return len(chunks)
