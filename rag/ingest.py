"""Ingestion: one PDF's bytes become a stored file, a library record and searchable chunks, or nothing."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rag.cards import DocumentCard, build_card, summarise_in_background
from rag.chunking import chunk_pages
from rag.errors import DatabaseUnavailableError, DocChatError
from rag.models import Document, utcnow
from rag.pdf import (
    TOO_MANY_PASSAGES,
    Page,
    PdfError,
    check_pdf_bytes,
    document_title,
    extract_pages,
    open_pdf,
)
from rag.services import Services

log = logging.getLogger(__name__)

# (message for the user, fraction done in 0..1)
Progress = Callable[[str, float], None]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
# Bidirectional controls reorder what is shown: "invoice\u202efdp.exe" displays as "invoiceexe.pdf".
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# How often a document being indexed proves its process is alive (rag/library.py STALE_AFTER).
HEARTBEAT_SECONDS = 30.0


@dataclass(frozen=True)
class IngestResult:
    file: str
    doc_id: str | None
    status: Literal["indexed", "duplicate", "failed"]
    pages: int = 0
    chunks: int = 0
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def display_name(name: str) -> str:
    """The user's file name, safe to show and store: no directories, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", _BIDI.sub("", name)).strip(" ._")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:190]}{dot}{ext}" if dot and len(ext) <= 8 else name[:200]
    return name or "document.pdf"


def _noop(_message: str, _fraction: float) -> None:
    pass


def ingest_bytes(services: Services, data: bytes, filename: str, progress: Progress = _noop) -> IngestResult:
    name = display_name(filename)
    try:
        return _ingest(services, data, name, progress)
    except DatabaseUnavailableError as exc:
        # Reported like any other failure, so a batch goes on and names every file.
        return IngestResult(name, None, "failed", error=str(exc))


def _ingest(services: Services, data: bytes, name: str, progress: Progress) -> IngestResult:
    settings = services.settings
    try:
        progress("Checking the file", 0.0)
        check_pdf_bytes(data, settings.max_upload_bytes)
    except PdfError as exc:
        return IngestResult(name, None, "failed", error=str(exc))

    doc_id = hashlib.sha256(data).hexdigest()
    with services.sessions.begin() as session:
        existing = session.get(Document, doc_id)
        if existing is not None and existing.status == "trashed":
            # The same content again: the user wants it back, and its passages are still stored.
            existing.status, existing.trashed_at = "indexed", None
            return _duplicate(existing, f"It was in the trash and is back in your library as {existing.filename}.")
        if existing is not None and existing.status == "indexed":
            return _duplicate(existing, f"Already in your library as {existing.filename}.")
        name = unique_name(session, name, doc_id)

    try:
        reader = open_pdf(data)
    except PdfError as exc:
        return IngestResult(name, doc_id, "failed", error=str(exc))
    total_pages = len(reader.pages)

    stored = settings.uploads_dir / f"{doc_id}.pdf"
    try:
        # The record goes first as "indexing", so a crash mid-way leaves a marker to clean up.
        with services.sessions.begin() as session:
            session.merge(
                Document(
                    doc_id=doc_id,
                    filename=name,
                    size_bytes=len(data),
                    pages=total_pages,
                    chunks=0,
                    stored_path=str(stored.relative_to(settings.storage_dir)),
                    status="indexing",
                    updated_at=utcnow(),
                )
            )
        progress("Saving the file", 0.03)
        _write_atomically(stored, data)
        chunks, card = _index(services, data, reader, doc_id, name, _with_heartbeat(services, doc_id, progress))
        progress("Adding to your library", 0.97)
        with services.sessions.begin() as session:
            document = session.get_one(Document, doc_id)
            document.chunks, document.status, document.updated_at = chunks, "indexed", utcnow()
            document.card = card.model_dump()
    except Exception as exc:
        _discard(services, doc_id)
        if isinstance(exc, DocChatError):
            return IngestResult(name, doc_id, "failed", error=str(exc))
        # The user gets the reason; the traceback is for whoever turns logging up.
        log.info("ingesting %s failed", name, exc_info=True)
        return IngestResult(name, doc_id, "failed", error=f"Indexing failed: {exc}")
    summarise_in_background(services, doc_id, card)
    progress("Done", 1.0)
    return IngestResult(name, doc_id, "indexed", total_pages, chunks)


def _duplicate(document: Document, message: str) -> IngestResult:
    return IngestResult(document.filename, document.doc_id, "duplicate", document.pages, document.chunks, message)


def unique_name(session: Session, name: str, doc_id: str) -> str:
    """`name`, or "name (2).pdf" when another document is already called so: two files that look the same
    in the library, in "Search in" and in the source chips cannot be told apart."""
    taken = set(
        session.scalars(
            select(Document.filename).where(Document.doc_id != doc_id, Document.status.in_(("indexed", "trashed")))
        )
    )
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{stem} ({n}){dot}{ext}", n + 1
    return candidate


def _with_heartbeat(services: Services, doc_id: str, progress: Progress) -> Progress:
    beat = time.monotonic()

    def report(message: str, fraction: float) -> None:
        nonlocal beat
        progress(message, fraction)
        if time.monotonic() - beat > HEARTBEAT_SECONDS:
            beat = time.monotonic()
            with services.sessions.begin() as session:
                session.execute(update(Document).where(Document.doc_id == doc_id).values(updated_at=utcnow()))

    return report


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
            return IngestResult(
                display_name(path.name),
                None,
                "failed",
                error=f"The file is {size / 1_048_576:.1f} MB, over the {services.settings.max_upload_mb} MB limit.",
            )
        data = path.read_bytes()
    except OSError as exc:
        return IngestResult(display_name(path.name), None, "failed", error=f"Cannot read the file: {exc.strerror}")
    return ingest_bytes(services, data, path.name, progress)


def remove_document_data(services: Services, doc_id: str) -> None:
    """Removes a document's vectors, file and record, in the order that never leaves vectors unowned."""
    services.store.delete_document(doc_id)
    (services.settings.uploads_dir / f"{doc_id}.pdf").unlink(missing_ok=True)
    with services.sessions.begin() as session:
        document = session.get(Document, doc_id)
        if document is not None:
            session.delete(document)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
