"""Checks that bytes are a readable PDF (pypdf) and extracts its text page by page (PDFium, pypdf as fallback)."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from multiprocessing.connection import Connection
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

from rag.config import Settings
from rag.errors import PdfError

# pypdf logs every recoverable oddity of real-world PDFs; the user only needs our verdict.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Fewer extractable characters than this on average per page means no real text layer.
MIN_CHARS_PER_PAGE = 4

# Every refusal a user can get, in one place (tests match them).
_WHY = "; DocChat does not read it, to protect the server. If the file is genuine, split or re-save (print to PDF) it."
_PAGE = "Page {page} of this PDF "
PAGE_MEMORY = _PAGE + "needs far more memory to read than any real page (over {mb} MB)" + _WHY
PAGE_SLOW = _PAGE + "takes far longer to read than any real page (over {seconds:g} seconds)" + _WHY
PAGE_CHARS = _PAGE + "holds far more text than any real page (over {limit:,} characters)" + _WHY
READ_SLOW = "This PDF takes far longer to read than any real document (over {minutes:g} minutes)" + _WHY
_SPLIT = "; split it into smaller files and upload them one by one."
TOO_MANY_PASSAGES = "This PDF holds more text than DocChat indexes in one document (over {limit:,} passages)" + _SPLIT
PAGE_DAMAGED = "Page {page} of the PDF is damaged and cannot be read."
BLANK = "The PDF's pages are blank: there is no text to search."
SCANNED = "No text could be extracted: it looks scanned (no text layer). OCR it first."


@dataclass(frozen=True)
class Page:
    number: int  # 1-based physical page
    text: str
    # Outline (bookmark) sections that start on this page, in reading order, each as its path of titles.
    sections: tuple[tuple[str, ...], ...] = ()


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


def extract_pages(
    data: bytes, reader: PdfReader, on_page: Callable[[int, int], None] | None = None, settings: Settings | None = None
) -> list[Page]:
    """Every page's text, with the sections that start on it; PdfError if the PDF is blank, scanned, or over
    a limit of `settings` (default: the environment's). PDFium (Chrome's PDF engine) reads text 17x faster
    than pypdf on real manuals (0.5 s against 9.3 s for 196 pages); pypdf reads what PDFium cannot."""
    texts, images, starts = _read_isolated(data, len(reader.pages), settings or Settings(), on_page)
    if starts is None:
        starts = outline_starts(reader)
    pages = [Page(n, text, tuple(starts.get(n, ()))) for n, text in enumerate(texts, 1)]
    require_text_layer(len(pages), sum(text_chars(page) for page in pages), has_images=images)
    return pages


# PDFium is not thread-safe: pages previewed in this process take turns. Reading happens in children.
PDFIUM_LOCK = threading.Lock()
_START_LOCK = threading.Lock()
# A child forks in 0.02 s from a server that loaded only this module, away from the app's threads and
# models. Tests that measure the child's RSS use "spawn": those children are theirs to wait for.
START_METHOD = "forkserver"


def _read_isolated(
    data: bytes, total: int, settings: Settings, on_page: Callable[[int, int], None] | None
) -> tuple[list[str], bool, dict[int, list[tuple[str, ...]]] | None]:
    """Page texts, whether a page without text shows an image, and PDFium's outline (None: use pypdf's).
    A 1 MB PDF can make PDFium hold gigabytes: it inflates and parses in full the page's content, every
    draw of a form (5.5 GB in 32 s for a 2 KB file drawing a 1 KiB form 8^6 times), font files, ToUnicode
    maps, Type3 glyphs and inline images (1 GiB of zeros in any: 2.2 GB), and keeps ~190 bytes per character
    of text (40 MiB of "(AAAA) Tj": 6.3 GB). Checking stream sizes first was prototyped: for content and
    forms alone it cost what the child does (0.15 s on a 196-page manual) and left the other routes open. A
    child under RLIMIT_AS closes them all for 0.05-0.15 s a document. bench/pdf_bombs.py has the figures."""
    context = multiprocessing.get_context(START_METHOD)
    context.set_forkserver_preload([__name__])
    ours, theirs = context.Pipe()
    child = context.Process(target=_child, args=(theirs, total, settings.max_pdf_memory_mb, settings.max_page_chars))
    child.daemon = True
    main = sys.modules["__main__"]
    with _START_LOCK:  # Python 3.11's fork server never preloads the entry script, so each child re-ran it:
        # 0.5 s a document under streamlit, 2 s in a script importing torch. A "-m" style main is not re-run.
        spec, main.__spec__ = getattr(main, "__spec__", None), ModuleSpec("__main__", None)
        try:
            child.start()
        finally:
            main.__spec__ = spec
    theirs.close()
    texts: list[str] = []
    images, chars = False, 0
    deadline = time.monotonic() + settings.max_read_minutes * 60
    try:
        ours.send_bytes(data)
        while True:
            wait = min(settings.max_page_seconds, deadline - time.monotonic())
            if not ours.poll(max(wait, 0)):
                if wait < settings.max_page_seconds:
                    raise PdfError(READ_SLOW.format(minutes=settings.max_read_minutes))
                raise PdfError(PAGE_SLOW.format(page=len(texts) + 1, seconds=settings.max_page_seconds))
            kind, *body = ours.recv()
            if kind == "done":
                return texts, images, body[0]
            if kind == "refused":
                raise PdfError(body[0])
            texts.append(body[0])
            images = images or body[1]
            chars += len("".join(body[0].split()))
            # Past this much text there are surely too many passages: one holds at most chunk_size characters.
            if chars > settings.max_passages * settings.chunk_size:
                raise PdfError(TOO_MANY_PASSAGES.format(limit=settings.max_passages))
            if on_page:
                on_page(len(texts), total)
    except (EOFError, OSError):
        child.join()  # PDFium aborts when memory runs out; Python raises MemoryError, which exits with 3
        page = min(len(texts) + 1, total)  # past the last page, reading the outline failed
        if child.exitcode in (3, -signal.SIGABRT, -signal.SIGKILL):
            raise PdfError(PAGE_MEMORY.format(page=page, mb=settings.max_pdf_memory_mb)) from None
        raise PdfError(PAGE_DAMAGED.format(page=page)) from None
    finally:
        ours.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child(conn: Connection, total: int, memory_mb: int, page_chars: int) -> None:
    data = conn.recv_bytes()
    # RLIMIT_AS counts address space: the budget comes on top of the interpreter's (64 MB) and the file's.
    limit = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") + (memory_mb << 20)
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        for message in _read_pages(data, total, page_chars):
            conn.send(message)
    except PdfError as exc:
        conn.send(("refused", str(exc)))
    except MemoryError:
        os._exit(3)  # nothing can be sent without memory; the parent names the page


def _read_pages(data: bytes, total: int, page_chars: int) -> Iterator[tuple]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        document = None
    reader = None
    for index in range(total):
        read = _pdfium_page(document, index, page_chars) if document is not None and index < len(document) else None
        if read is None:
            reader = reader or open_pdf(data)
            read = _pypdf_text(reader, index), True
        if len(read[0]) > page_chars:
            raise PdfError(PAGE_CHARS.format(page=index + 1, limit=page_chars))
        yield ("page", *read)
    yield ("done", _pdfium_outline(document) if document is not None else None)


def _pdfium_page(document: pdfium.PdfDocument, index: int, page_chars: int) -> tuple[str, bool] | None:
    """The page's text and, when it has next to none, whether it shows an image; None if PDFium fails."""
    try:
        page = document[index]
        try:
            textpage = page.get_textpage()
            # Counted before the text is copied out: the text page itself is what a text bomb inflates.
            if textpage.count_chars() > page_chars:
                raise PdfError(PAGE_CHARS.format(page=index + 1, limit=page_chars))
            raw = textpage.get_text_range()
            textpage.close()
            blank = len("".join(raw.split())) < MIN_CHARS_PER_PAGE
            images = blank and any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None
    # PDFium marks hyphens it dropped at line ends with U+FFFE and ends lines with CRLF.
    return raw.replace("\ufffe", "").replace("\r\n", "\n").replace("\r", "\n"), images


def _pdfium_outline(document: pdfium.PdfDocument) -> dict[int, list[tuple[str, ...]]]:
    starts: dict[int, list[tuple[str, ...]]] = {}
    path: list[str] = []
    try:
        for bookmark in document.get_toc():
            title = " ".join((bookmark.get_title() or "").split())
            dest = bookmark.get_dest()
            index = dest.get_index() if dest is not None else None
            del path[bookmark.level :]
            path.append(title)
            if title and index is not None and index >= 0 and len(path) == bookmark.level + 1:
                starts.setdefault(index + 1, []).append(tuple(path))
    except Exception:  # noqa: BLE001 - a broken outline only loses the headings
        return {}
    return starts


def _pypdf_text(reader: PdfReader, index: int) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except Exception as exc:
        raise PdfError(PAGE_DAMAGED.format(page=index + 1)) from exc


def read_pdf(data: bytes, max_bytes: int, on_page: Callable[[int, int], None] | None = None) -> list[Page]:
    """All pages with their text; raises PdfError with a user-facing reason."""
    check_pdf_bytes(data, max_bytes)
    return extract_pages(data, open_pdf(data), on_page)


def text_chars(page: Page) -> int:
    return len("".join(page.text.split()))


def require_text_layer(pages: int, chars: int, has_images: bool = True) -> None:
    if chars < MIN_CHARS_PER_PAGE * pages:
        raise PdfError(SCANNED if has_images else BLANK)
