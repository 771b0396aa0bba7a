"""A PDF's pages and what they say: the text layer where there is one, OCR where there is none (read in a
guarded child process, rag/reading/reader.py), the outline's sections, the title it declares."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rag.config import Settings
from rag.errors import PdfError
from rag.reading.checks import (
    BLANK,
    NOTHING_READ,
    OCR_TOO_MANY,
    PAGE_CHARS,
    PAGE_DAMAGED,
    PAGE_MEMORY,
    PAGE_SLOW,
    READ_SLOW,
    SCANNED,
    TOO_MANY_PASSAGES,
    check_pdf_bytes,
)
from rag.reading.furniture import without_furniture
from rag.reading.ocr_layout import OcrLine
from rag.reading.page import Page
from rag.reading.reader import Opened, ReadStep, open_isolated, read_isolated

__all__ = [
    "BLANK",
    "NOTHING_READ",
    "OCR_TOO_MANY",
    "PAGE_CHARS",
    "PAGE_DAMAGED",
    "PAGE_MEMORY",
    "PAGE_SLOW",
    "READ_SLOW",
    "SCANNED",
    "TOO_MANY_PASSAGES",
    "Opened",
    "Page",
    "PdfError",
    "ReadStep",
    "check_pdf_bytes",
    "extract_pages",
    "open_pdf",
    "read_pdf",
]

# Fewer extractable characters than this on average per page means no real text layer.
MIN_CHARS_PER_PAGE = 4


def open_pdf(data: bytes, settings: Settings | None = None) -> Opened:
    """The PDF opened in a guarded child (rag/reading/reader.py open_isolated): its pages and declared title, or
    PdfError with the reason. pypdf never parses a file in the app's own process."""
    return open_isolated(data, settings or Settings())


def extract_pages(
    data: bytes,
    opened: Opened,
    on_page: Callable[[ReadStep], None] | None = None,
    settings: Settings | None = None,
    known_ocr: Mapping[int, tuple[OcrLine, ...]] | None = None,
) -> list[Page]:
    """Every page's text, with the sections that start on it; PdfError if the PDF is blank, unreadable, or over
        a limit of `settings` (default: the environment's). PDFium (Chrome's PDF engine) reads text 17x faster
        than pypdf on real manuals (0.5 s against 9.3 s for 196 pages); pypdf reads what PDFium cannot. Each page
    comes without its running head, running foot and page number. Pages in
        `known_ocr` take those lines instead of being read by OCR again."""
    read = read_isolated(data, opened.pages, settings or Settings(), on_page, known_ocr)
    starts = read.starts
    pages = []
    for number, text in enumerate(read.texts, 1):
        done = read.ocr.get(number)
        lines, unreadable = (done.lines, done.unreadable) if done else (None, False)
        wide = number <= len(opened.landscape) and opened.landscape[number - 1]
        pages.append(Page(number, text, tuple(starts.get(number, ())), lines, unreadable, landscape=wide))
    chars = sum(text_chars(page) for page in pages)
    if chars < MIN_CHARS_PER_PAGE * len(pages):
        raise PdfError(NOTHING_READ if read.ocr else SCANNED if read.images else BLANK)
    # Running heads and page numbers are not what a page says (rag/reading/furniture.py).
    return without_furniture(pages)


def read_pdf(data: bytes, max_bytes: int, on_page: Callable[[ReadStep], None] | None = None) -> list[Page]:
    """All pages with their text; raises PdfError with a user-facing reason."""
    check_pdf_bytes(data, max_bytes)
    return extract_pages(data, open_pdf(data), on_page)


def text_chars(page: Page) -> int:
    return len("".join(page.text.split()))
