"""pypdf's look at a PDF: is it readable, the title it declares, its outline, which pages lie landscape; and every
refusal a user can get while reading one. pypdf runs only in the reader's child processes (rag/reading/reader.py),
under their memory limit: a small file can make it inflate streams and walk page trees for gigabytes and minutes."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

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
DAMAGED = "The PDF is damaged or truncated and cannot be read."
LOCKED = "The PDF is password-protected; remove the password and upload it again."
CERTIFICATE = "The PDF is encrypted for its recipients' certificates; save an unencrypted copy and upload that."
OPEN_MEMORY = "This PDF needs far more memory to open than any real document (over {mb} MB)" + _WHY
OPEN_SLOW = "This PDF takes far longer to open than any real document (over {seconds:g} seconds)" + _WHY


def check_pdf_bytes(data: bytes, max_bytes: int) -> None:
    if not data:
        raise PdfError("The file is empty (0 bytes).")
    if len(data) > max_bytes:
        raise PdfError(f"The file is {len(data) / 1_048_576:.1f} MB, over the {max_bytes // 1_048_576} MB limit.")
    # The PDF spec allows junk before the header, and real files have some; 1 KiB is what readers accept.
    if b"%PDF-" not in data[:1024]:
        raise PdfError("This is not a PDF file (its content is not PDF, whatever its name says).")


def pypdf_open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password only to restrict printing.
            try:
                opened = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError, PyPdfError) as exc:
                raise PdfError(LOCKED) from exc
            if not opened:
                raise PdfError(LOCKED)
        if len(reader.pages) == 0:
            raise PdfError("The PDF has no pages.")
    except PdfError:
        raise
    except NotImplementedError as exc:  # opening: pypdf has no handler for its encryption (/Adobe.PubSec, certificates)
        raise PdfError(CERTIFICATE) from exc
    except MemoryError:
        raise  # the child's memory limit: its parent names it
    # Every pypdf error (PyPdfError covers its limits: a page tree over 100 deep, a stream inflating past 75 MB),
    # and what broken structures raise from inside it, down to a page tree deep enough for the interpreter's stack,
    # and its own asserts (an object stream whose /Type is not /ObjStm: found by bench/fuzz_intake.py).
    except (
        PyPdfError,
        AssertionError,
        ValueError,
        LookupError,
        TypeError,
        AttributeError,
        ArithmeticError,
        OSError,
        RecursionError,
    ) as exc:
        raise PdfError(DAMAGED) from exc
    return reader


def outline_starts(reader: PdfReader) -> dict[int, list[tuple[str, ...]]]:
    """Where each bookmarked section starts: 1-based page -> section paths, in reading order.
    Manuals made by LaTeX, Texinfo, Word or LibreOffice carry this outline; it names a passage's
    section far more reliably than guessing headings from font sizes."""
    starts: dict[int, list[tuple[str, ...]]] = {}

    def walk(items: list, path: tuple[str, ...]) -> None:
        last: tuple[str, ...] | None = None
        for item in items:
            if isinstance(item, list):  # the children of the item before it
                if last is not None:
                    walk(item, last)
                continue
            try:
                title = " ".join(str(item.title).split())
                number = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001 - a broken bookmark only loses its heading
                continue
            if title and number >= 1:
                last = (*path, title)
                starts.setdefault(number, []).append(last)

    try:
        walk(reader.outline, ())
    except Exception:  # noqa: BLE001 - an unreadable outline: the text is still usable without it
        return {}
    return starts


def document_title(reader: PdfReader) -> str | None:
    """The title the PDF declares, when it is a real one (not "Untitled" or a file name)."""
    try:
        title = " ".join(str((reader.metadata or {}).get("/Title") or "").split())
    except Exception:  # noqa: BLE001 - damaged metadata is common and harmless
        return None
    lowered = title.lower()
    if len(title) < 3 or lowered in {"untitled", "title"} or lowered.endswith((".pdf", ".doc", ".docx", ".tex")):
        return None
    return title[:150]


def landscape_pages(reader: PdfReader) -> tuple[bool, ...]:
    """Whether each page is wider than tall as a viewer shows it (its crop box, turned by its /Rotate): a slide deck's
    pages are. 0.03 s for the 1,158 pages of the Octave manual, on top of the 2.2 s pypdf takes to open it."""
    wide = []
    for page in reader.pages:
        try:
            box = page.cropbox
            width, height = abs(float(box.width)), abs(float(box.height))
            turned = page.rotation % 180 == 90
        except MemoryError:
            raise  # the child's memory limit: its parent names it
        except Exception:  # noqa: BLE001 - a page box pypdf cannot read: the page is read all the same, upright
            wide.append(False)
            continue
        wide.append(height > width if turned else width > height)
    return tuple(wide)
