"""Checks that bytes are a readable PDF and extracts its text page by page, with pypdf."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

# pypdf logs every recoverable oddity of real-world PDFs; the user only needs our verdict.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Fewer extractable characters than this on average per page means no real text layer.
MIN_CHARS_PER_PAGE = 4


class PdfError(Exception):
    """A PDF the user gave us cannot be used; the message is written for them."""


@dataclass(frozen=True)
class Page:
    number: int  # 1-based physical page
    text: str


def check_pdf_bytes(data: bytes, max_bytes: int) -> None:
    if not data:
        raise PdfError("The file is empty (0 bytes).")
    if len(data) > max_bytes:
        raise PdfError(f"The file is {len(data) / 1_048_576:.1f} MB, over the {max_bytes // 1_048_576} MB limit.")
    # The PDF spec allows junk before the header, and real files have some; 1 KiB is what readers accept.
    if b"%PDF-" not in data[:1024]:
        raise PdfError("This is not a PDF file (its content is not PDF, whatever its name says).")


def open_pdf(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only to restrict printing.
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, PdfReadError) as exc:
                raise PdfError("The PDF is password-protected; remove the password and upload it again.") from exc
            if not opened:
                raise PdfError("The PDF is password-protected; remove the password and upload it again.")
        if len(reader.pages) == 0:
            raise PdfError("The PDF has no pages.")
    except PdfError:
        raise
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise PdfError("The PDF is damaged or truncated and cannot be read.") from exc
    return reader


def extract_pages(reader: PdfReader, on_page: Callable[[int, int], None] | None = None) -> Iterator[Page]:
    total = len(reader.pages)
    for index in range(total):
        try:
            text = reader.pages[index].extract_text() or ""
        except Exception as exc:
            raise PdfError(f"Page {index + 1} of the PDF is damaged and cannot be read.") from exc
        if on_page:
            on_page(index + 1, total)
        yield Page(number=index + 1, text=text)


def read_pdf(data: bytes, max_bytes: int, on_page: Callable[[int, int], None] | None = None) -> list[Page]:
    """All pages with their text; raises PdfError with a user-facing reason."""
    check_pdf_bytes(data, max_bytes)
    reader = open_pdf(data)
    pages = list(extract_pages(reader, on_page))
    require_text_layer(len(pages), sum(text_chars(page) for page in pages))
    return pages


def text_chars(page: Page) -> int:
    return len("".join(page.text.split()))


def require_text_layer(pages: int, chars: int) -> None:
    if chars < MIN_CHARS_PER_PAGE * pages:
        raise PdfError("No text could be extracted: it looks scanned (no text layer). OCR it first.")
