"""Ingestion: one PDF's bytes become a stored file, a library record and searchable chunks, or nothing."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from queue import Queue
from threading import Thread
from typing import Literal

from pypdf import PdfReader

from rag.chunking import Chunk, iter_chunks
from rag.models import Document
from rag.pdf import Page, PdfError, check_pdf_bytes, extract_pages, open_pdf, require_text_layer, text_chars
from rag.services import Services

log = logging.getLogger(__name__)

# (message for the user, fraction done in 0..1)
Progress = Callable[[str, float], None]

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


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
    name = _UNSAFE.sub("_", name).strip(" ._")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:190]}{dot}{ext}" if dot and len(ext) <= 8 else name[:200]
    return name or "document.pdf"


def _noop(_message: str, _fraction: float) -> None:
    pass


def ingest_bytes(services: Services, data: bytes, filename: str, progress: Progress = _noop) -> IngestResult:
    name = display_name(filename)
    settings = services.settings
    try:
        progress("Checking the file", 0.0)
        check_pdf_bytes(data, settings.max_upload_bytes)
    except PdfError as exc:
        return IngestResult(name, None, "failed", error=str(exc))

    doc_id = hashlib.sha256(data).hexdigest()
    with services.sessions() as session:
        existing = session.get(Document, doc_id)
        if existing is not None and existing.status == "indexed":
            return IngestResult(
                name,
                doc_id,
                "duplicate",
                existing.pages,
                existing.chunks,
                error=f"Already in your library as {existing.filename}.",
            )

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
                )
            )
        progress("Saving the file", 0.03)
        _write_atomically(stored, data)
        chunks, chars = _embed_while_reading(services, reader, doc_id, name, progress)
        require_text_layer(total_pages, chars)
        progress("Adding to your library", 0.97)
        with services.sessions.begin() as session:
            document = session.get_one(Document, doc_id)
            document.chunks, document.status = chunks, "indexed"
    except Exception as exc:
        remove_document_data(services, doc_id)
        if isinstance(exc, PdfError):
            return IngestResult(name, doc_id, "failed", error=str(exc))
        # The user gets the reason; the traceback is for whoever turns logging up.
        log.info("ingesting %s failed", name, exc_info=True)
        return IngestResult(name, doc_id, "failed", error=f"Indexing failed: {exc}")
    progress("Done", 1.0)
    return IngestResult(name, doc_id, "indexed", total_pages, chunks)


_END = object()


def _embed_while_reading(
    services: Services, reader: PdfReader, doc_id: str, name: str, progress: Progress
) -> tuple[int, int]:
    """Embeds and stores chunks while a thread goes on reading pages: text extraction is pure Python
    and the model spends its time in torch, which releases the GIL, so the two overlap.
    Returns (chunks stored, characters of text found)."""
    settings = services.settings
    queue: Queue = Queue()
    chars = 0

    def counted_pages() -> Iterator[Page]:
        nonlocal chars
        for page in extract_pages(reader):
            chars += text_chars(page)
            yield page

    def read() -> None:
        try:
            for chunk in iter_chunks(
                counted_pages(),
                doc_id=doc_id,
                filename=name,
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
            ):
                queue.put(chunk)
            queue.put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the embedding side, which raises it
            queue.put(exc)

    Thread(target=read, name=f"read-{doc_id[:8]}", daemon=True).start()
    batch: list[Chunk] = []
    stored, total = 0, len(reader.pages)
    while True:
        item = queue.get()
        if isinstance(item, BaseException):
            raise item
        if item is not _END:
            batch.append(item)
        if batch and (item is _END or len(batch) >= settings.embed_batch_size):
            page = batch[-1].page
            progress(f"Reading and embedding: page {page}/{total}", 0.05 + 0.9 * page / total)
            services.store.upsert(batch, services.embedding.embeddings.embed_documents([c.text for c in batch]))
            stored += len(batch)
            batch = []
        if item is _END:
            return stored, chars


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
