"""Any file DocChat reads, as the rest of it sees one: what it is (from its content), the bytes stored for it, and
its pages, on upload or read again from storage. A PDF, and a picture turned into one, go through the PDF reader
(rag/reading/pdf.py); every other kind through its native reader (rag/reading/formats/), in a guarded child under
the same memory and time limits. A stored file's suffix says which: "<content hash>.pdf", ".docx", ".eml" ..."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import TypeVar

from rag.config import Settings
from rag.database.tables import Document
from rag.errors import PdfError
from rag.reading.formats.identify import KIND_OF_SUFFIX, SUFFIX, check_size, identify
from rag.reading.formats.images import image_pdf
from rag.reading.formats.native import read_native
from rag.reading.known_ocr import known_ocr
from rag.reading.ocr_layout import OcrLine
from rag.reading.page import Page
from rag.reading.pdf import extract_pages, open_pdf
from rag.reading.reader import OCR_SLOWER, Opened, Overrun, ReadStep, guarded
from rag.services import Services

_WHY = "; DocChat does not read it, to protect the server. If the file is genuine, split or re-save it."
READ_MEMORY = "This file needs far more memory to read than any real document (over {mb} MB)" + _WHY
READ_SLOW = "This file takes far longer to read than any real document (over {seconds:g} seconds)" + _WHY
READ_CRASH = "The file is damaged and cannot be read."
T = TypeVar("T")


@dataclass(frozen=True)
class Accepted:
    """A file checked at upload: its kind, the bytes to store (a picture's PDF), their suffix, and what opening it
    told (how many pages or units, the title it declares)."""

    kind: str
    data: bytes
    suffix: str
    opened: Opened


def accept_file(data: bytes, filename: str, settings: Settings) -> Accepted:
    """Checks an upload and opens it; PdfError with the reason for anything DocChat does not read."""
    check_size(data, settings.max_upload_bytes)
    kind = identify(data, filename)
    stored = _guarded(image_pdf, data, settings) if kind == "image" else data
    suffix = SUFFIX[kind]
    return Accepted(kind, stored, suffix, open_file(stored, suffix, settings))


def kind_of(stored_path: str | PurePath) -> str:
    """The kind of a stored file, from its suffix; a file stored before other kinds were read is a PDF."""
    return KIND_OF_SUFFIX.get(PurePath(stored_path).suffix.lower(), "pdf")


def open_file(data: bytes, suffix: str, settings: Settings) -> Opened:
    """What opening the file tells: its pages (or units) and the title it declares; PdfError with the reason."""
    if KIND_OF_SUFFIX.get(suffix, "pdf") == "pdf":
        return open_pdf(data, settings)  # the page tree alone: its pages are read when it is indexed
    return read_file(data, suffix, settings)[0]  # a native file tells its units only once read


def read_file(
    data: bytes,
    suffix: str,
    settings: Settings,
    on_page: Callable[[ReadStep], None] | None = None,
    known: Mapping[int, tuple[OcrLine, ...]] | None = None,
) -> tuple[Opened, list[Page]]:
    """What opening the file tells and every page (or unit) with its text, the file read once; PdfError with the
    reason when it cannot be read. Pages in `known` take the lines OCR read once instead of being read again."""
    kind = KIND_OF_SUFFIX.get(suffix, "pdf")
    if kind == "pdf":
        opened = open_pdf(data, settings)
        return opened, extract_pages(data, opened, on_page, settings, known)
    # Read once: a 600-page Word file takes 8 s to read (bench/formats.py --speed).
    pages, title = _native(data, kind, settings)
    for page in pages:
        if on_page is not None:
            on_page(ReadStep(page.number, len(pages), False, 0, page.number / len(pages)))
    return Opened(len(pages), title, tuple(page.landscape for page in pages)), pages


def stored_read(services: Services, document: Document) -> tuple[Opened, list[Page]]:
    """A library document read again from its stored file, with the lines OCR read when it was indexed: a scanned
    page is never read by OCR twice (a card, a section summary or a re-index would wait a second a page)."""
    path = services.settings.storage_dir / document.stored_path
    return read_file(path.read_bytes(), path.suffix, services.settings, known=known_ocr(services, document.doc_id))


def stored_pages(services: Services, document: Document) -> list[Page]:
    return stored_read(services, document)[1]


def _native(data: bytes, kind: str, settings: Settings) -> tuple[list[Page], str | None]:
    limits = (settings.max_page_chars, settings.max_passages, settings.chunk_size)
    return _guarded(read_native, data, settings, kind, *limits)


def _guarded(work: Callable[..., T], data: bytes, settings: Settings, *args: object) -> T:
    """`work(data, *args)` in a child under the reading's memory limit and four pages' time (a file is read in
    seconds), its overrun told as the user's reason."""
    seconds = settings.max_page_seconds * OCR_SLOWER
    try:
        return guarded(work, data, settings.max_pdf_memory_mb, seconds, *args)
    except Overrun as exc:
        if exc.kind == "time":
            raise PdfError(READ_SLOW.format(seconds=seconds)) from None
        if exc.kind == "memory":
            raise PdfError(READ_MEMORY.format(mb=settings.max_pdf_memory_mb)) from None
        raise PdfError(READ_CRASH) from None
