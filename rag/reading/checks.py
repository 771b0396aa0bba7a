"""The first look at an upload: is it a readable PDF (pypdf), and every refusal a user can get while reading one."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

from rag.errors import PdfError

# pypdf logs every recoverable oddity of real-world PDFs; the user only needs our verdict.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Every refusal a user can get, in one place (tests match them).
_WHY = "; DocChat does not read it, to protect the server. If the file is genuine, split or re-save (print to PDF) it."
_PAGE = "Page {page} of this PDF "
PAGE_MEMORY = _PAGE + "needs far more memory to read than any real page (over {mb} MB)" + _WHY
PAGE_SLOW = _PAGE + "takes far longer to read than any real page (over {seconds:g} seconds)" + _WHY
PAGE_CHARS = _PAGE + "holds far more text than any real page (over {limit:,} characters)" + _WHY
READ_SLOW = "This PDF takes far longer to read than any real document (over {minutes:g} minutes)" + _WHY
_SPLIT = "; split it into smaller files and upload them one by one."
TOO_MANY_PASSAGES = "This PDF holds more text than DocChat indexes in one document (over {limit:,} passages)" + _SPLIT
OCR_TOO_MANY = (
    "This PDF has {count:,} scanned pages (pages without text, read by OCR), over the {limit:,} that DocChat reads "
    "in one document" + _SPLIT
)
OCR_BROKEN = "This PDF has scanned pages, and the OCR that reads them cannot start on this server: {reason}"
PAGE_DAMAGED = "Page {page} of the PDF is damaged and cannot be read."
BLANK = "The PDF's pages are blank: there is no text to search."
SCANNED = "No text could be extracted: it looks scanned (no text layer), and reading scans (OCR) is turned off here."
NOTHING_READ = "No text could be read: its pages are pictures, and OCR found no text on them."


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
