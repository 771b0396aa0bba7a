"""Reading a PDF's pages in a child process, guarded: PDFium's text layer first, then OCR of the pages that have
none (rag/reading/ocr.py), a page a core at once, each page's outcome sent to the parent as it comes: for a
scanned page ("ocr-start", page) as it is drawn, then ("ocr", page, lines, unreadable), in page order."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.machinery import ModuleSpec
from multiprocessing.connection import Connection
from pathlib import Path
from queue import Queue
from typing import TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image
from pypdf import PdfReader

from rag.config import Settings
from rag.errors import DocChatError, PdfError
from rag.reading import figures, layout, ocr, ocr_layout, ocr_text
from rag.reading.checks import (
    DAMAGED,
    OCR_BROKEN,
    OCR_TOO_MANY,
    OPEN_MEMORY,
    OPEN_SLOW,
    PAGE_CHARS,
    PAGE_DAMAGED,
    PAGE_MEMORY,
    PAGE_SLOW,
    READ_SLOW,
    TOO_MANY_PASSAGES,
    document_title,
    landscape_pages,
    outline_starts,
    pypdf_open,
)

_START_LOCK = threading.Lock()
# A child forks in 0.02 s from a server that loaded only this module, away from the app's threads and
# models. Tests that measure the child's RSS use "spawn": those children are theirs to wait for.
START_METHOD = "forkserver"
OCR_SLOWER = 4
T = TypeVar("T")


@dataclass(frozen=True)
class ReadStep:
    """Where the reading is, for progress: the page being read, and the share of the reading done (an OCR page
    takes about 1 s, a text page 3 ms, so the text layer is the first tenth when some pages need OCR)."""

    page: int
    total: int
    ocr: bool
    ocr_total: int  # pages to read by OCR, once the text layer is read
    fraction: float

    @property
    def message(self) -> str:
        return f"Reading page {self.page} of {self.total}" + (" (OCR)" if self.ocr else "")


@dataclass
class OcrRead:
    lines: tuple[ocr_layout.OcrLine, ...]
    unreadable: bool


@dataclass
class RawRead:
    texts: list[str] = field(default_factory=list)
    images: bool = False  # a page with next to no text shows an image
    starts: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)  # PDFium's outline, or pypdf's
    ocr: dict[int, OcrRead] = field(default_factory=dict)  # by page number


@dataclass(frozen=True)
class _Limits:
    memory_mb: int
    page_chars: int
    ocr_engine: str
    ocr_max_pages: int
    ocr_threads: int
    ocr_memory_mb: int
    known: frozenset[int]  # pages whose OCR lines are known already: not read again


def read_isolated(
    data: bytes,
    total: int,
    settings: Settings,
    on_page: Callable[[ReadStep], None] | None = None,
    known_ocr: Mapping[int, tuple[ocr_layout.OcrLine, ...]] | None = None,
) -> RawRead:
    """A 1 MB PDF can make PDFium hold gigabytes: it inflates and parses in full the page's content, every
    draw of a form (5.5 GB in 32 s for a 2 KB file drawing a 1 KiB form 8^6 times), font files, ToUnicode
    maps, Type3 glyphs and inline images (1 GiB of zeros in any: 2.2 GB), and keeps ~190 bytes per character
    of text (40 MiB of "(AAAA) Tj": 6.3 GB). Checking stream sizes first was prototyped: for content and
    forms alone it cost what the child does (0.15 s on a 196-page manual) and left the other routes open. A
    child under RLIMIT_AS closes them all for 0.05-0.15 s a document. bench/pdf_bombs.py has the figures."""
    known = dict(known_ocr or {})
    limits = _Limits(
        settings.max_pdf_memory_mb,
        settings.max_page_chars,
        settings.ocr_engine,
        settings.ocr_max_pages,
        settings.ocr_threads,
        settings.ocr_memory_mb,
        frozenset(known),
    )
    ours, child = _start(_child, total, limits)
    read = RawRead()
    chars, planned, ocr_pages, current = 0, None, [], 0
    deadline = time.monotonic() + settings.max_read_minutes * 60
    try:
        ours.send_bytes(data)
        while True:
            # The reading's deadline is for the text layer; each OCR page has a page's limit alone, OCR_SLOWER
            # times longer: RapidOCR took 19-28 s on a dense A4 page on one busy core.
            page_limit = settings.max_page_seconds * (OCR_SLOWER if planned else 1)
            wait = min(page_limit, deadline - time.monotonic() if planned is None else page_limit)
            if not ours.poll(max(wait, 0)):
                if wait < page_limit:
                    raise PdfError(READ_SLOW.format(minutes=settings.max_read_minutes))
                raise PdfError(PAGE_SLOW.format(page=current or len(read.texts) + 1, seconds=page_limit))
            kind, *body = ours.recv()
            if kind == "done":
                read.starts = body[0]
                return read
            if kind == "refused":
                raise PdfError(body[0])
            if kind == "page":
                read.texts.append(body[0])
                read.images = read.images or body[1]
                chars += len("".join(body[0].split()))
                step = ReadStep(len(read.texts), total, False, 0, 0.1 * len(read.texts) / total)
            elif kind == "plan":
                planned, ocr_pages = True, body[0]
                for number in ocr_pages:
                    if number in known:
                        read.ocr[number] = OcrRead(known[number], not known[number])
                        read.texts[number - 1] = ocr_text.lines_text(known[number])
                continue
            elif kind == "ocr-start":
                current = body[0]
                done = sum(1 for n in ocr_pages if n < current and n not in known)
                todo = sum(1 for n in ocr_pages if n not in known)
                step = ReadStep(current, total, True, todo, 0.1 + 0.9 * done / todo)
            else:  # "ocr": a page's lines
                number, lines, unreadable = body
                read.ocr[number] = OcrRead(tuple(ocr_layout.OcrLine.from_list(line) for line in lines), unreadable)
                if not unreadable:
                    chars -= len("".join(read.texts[number - 1].split()))
                    read.texts[number - 1] = ocr_text.lines_text(read.ocr[number].lines)
                    chars += len("".join(read.texts[number - 1].split()))
                step = None
            # Past this much text there are surely too many passages: one holds at most chunk_size characters.
            if chars > settings.max_passages * settings.chunk_size:
                raise PdfError(TOO_MANY_PASSAGES.format(limit=settings.max_passages))
            if on_page and step is not None:
                on_page(step)
    except (EOFError, OSError):
        child.join()  # PDFium aborts when memory runs out; Python raises MemoryError, which exits with 3
        page = current or min(len(read.texts) + 1, total)  # past the last page, reading the outline failed
        if child.exitcode in (3, -signal.SIGABRT, -signal.SIGKILL):
            raise PdfError(PAGE_MEMORY.format(page=page, mb=settings.max_pdf_memory_mb)) from None
        raise PdfError(PAGE_DAMAGED.format(page=page)) from None
    finally:
        _stop(ours, child)


def _start(target: Callable[..., None], *args: object) -> tuple[Connection, multiprocessing.process.BaseProcess]:
    """A child running `target(connection, *args)`, and this end of the connection."""
    context = multiprocessing.get_context(START_METHOD)
    context.set_forkserver_preload([__name__])
    ours, theirs = context.Pipe()
    child = context.Process(target=target, args=(theirs, *args))
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
    return ours, child


def _stop(ours: Connection, child: multiprocessing.process.BaseProcess) -> None:
    ours.close()
    if child.is_alive():
        child.kill()
    child.join()


def _received(conn: Connection, memory_mb: int) -> tuple[bytes, int]:
    """The file, then this process's memory limited to `memory_mb` on top of what it holds: RLIMIT_AS counts
    address space, so the budget comes on top of the interpreter's (64 MB) and the file's."""
    data = conn.recv_bytes()
    _few_arenas()
    budget = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE") + (memory_mb << 20)
    _limit_memory(budget)
    return data, budget


class Overrun(Exception):
    """A guarded call went past its memory ("memory") or its time ("time"), or its child died ("crash")."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def guarded(work: Callable[..., T], data: bytes, memory_mb: int, seconds: float, *args: object) -> T:
    """`work(data, *args)` in a child whose memory is limited to `memory_mb` on top of what it holds, given
    `seconds`: its result; the DocChatError it raised, raised here; or Overrun. `work` is a module-level function
    (the child imports it by name), and its arguments and result are pickled."""
    ours, child = _start(_guarded_child, work, memory_mb, args)
    try:
        ours.send_bytes(data)
        if not ours.poll(seconds):
            raise Overrun("time")
        kind, value = ours.recv()
    except (EOFError, OSError):
        child.join()  # PDFium aborts when memory runs out; Python raises MemoryError, which exits with 3
        raise Overrun("memory" if child.exitcode in (3, -signal.SIGABRT, -signal.SIGKILL) else "crash") from None
    finally:
        _stop(ours, child)
    if kind == "raised":
        raise value
    return value


def _guarded_child(conn: Connection, work: Callable[..., object], memory_mb: int, args: tuple) -> None:
    data, _ = _received(conn, memory_mb)
    try:
        conn.send(("done", work(data, *args)))
    except DocChatError as exc:
        conn.send(("raised", exc))
    except MemoryError:
        os._exit(3)  # nothing can be sent without memory


@dataclass(frozen=True)
class Opened:
    """What opening a PDF tells before its pages are read: how many there are, the title it declares, and which of
    them lie landscape (by page, from the first; a slide deck's do)."""

    pages: int
    title: str | None
    landscape: tuple[bool, ...] = ()


def open_isolated(data: bytes, settings: Settings) -> Opened:
    """Opens the PDF with pypdf in a child under the reading's memory limit, and a page's time limit: opening
    inflates object streams and walks the page tree, and a 100 KB file held the app at 3.7 GB for minutes
    with streams each under pypdf's own 75 MB cap. Every refusal is a PdfError with its reason."""
    try:
        return guarded(_open, data, settings.max_pdf_memory_mb, settings.max_page_seconds)
    except Overrun as exc:
        if exc.kind == "time":
            raise PdfError(OPEN_SLOW.format(seconds=settings.max_page_seconds)) from None
        if exc.kind == "memory":
            raise PdfError(OPEN_MEMORY.format(mb=settings.max_pdf_memory_mb)) from None
        raise PdfError(DAMAGED) from None


def _open(data: bytes) -> Opened:
    reader = pypdf_open(data)
    return Opened(len(reader.pages), document_title(reader), landscape_pages(reader))


def _child(conn: Connection, total: int, limits: _Limits) -> None:
    data, budget = _received(conn, limits.memory_mb)
    try:
        for message in _read_pages(data, total, limits, lambda: _limit_memory(budget + (limits.ocr_memory_mb << 20))):
            conn.send(message)
    except PdfError as exc:
        conn.send(("refused", str(exc)))
    except MemoryError:
        os._exit(3)  # nothing can be sent without memory; the parent names the page


def _few_arenas() -> None:
    # glibc gives each new thread a malloc arena of 64 MB of address space, which RLIMIT_AS counts though
    # little of it is used: OCR's reader threads and onnxruntime's took 1 GB more than they used.
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: its allocator has no such arenas


def _limit_memory(limit: int) -> None:
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _read_pages(data: bytes, total: int, limits: _Limits, grow_memory: Callable[[], None]) -> Iterator[tuple]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        document = None
    reader: PdfReader | None = None
    wanted = []
    header: tuple[str, ...] = ()  # the last table's, for a table running on over a page break
    for index in range(total):
        read = None
        if document is not None and index < len(document):
            read, header = _pdfium_page(document, index, limits.page_chars, header)
        if read is None:
            reader = reader or pypdf_open(data)
            read = _pypdf_text(reader, index), True
        if len(read[0]) > limits.page_chars:
            raise PdfError(PAGE_CHARS.format(page=index + 1, limit=limits.page_chars))
        if ocr.needs_ocr(*read):
            wanted.append(index + 1)
        yield ("page", *read)
    if limits.ocr_max_pages and wanted:
        if len(wanted) > limits.ocr_max_pages:
            raise PdfError(OCR_TOO_MANY.format(count=len(wanted), limit=limits.ocr_max_pages))
        yield ("plan", wanted)
        todo = [n for n in wanted if n not in limits.known]
        if todo:
            grow_memory()  # the engine's models and the pictures in flight: measured in bench/ocr.py
            yield from read_scanned(document, todo, limits.ocr_engine, limits.ocr_threads)
    yield ("done", _pdfium_outline(document) if document is not None else outline_starts(reader or pypdf_open(data)))


# Typeset ligatures and soft hyphens as the letters a person types: "identiﬁcation" is one character short of
# "identification" and neither search matched the other. (Not NFKC: it would also turn "x²" into "x2".)
_TYPED = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": None})


def typed(text: str) -> str:
    return text.translate(_TYPED)


def _pdfium_page(
    document: pdfium.PdfDocument, index: int, page_chars: int, header: tuple[str, ...]
) -> tuple[tuple[str, bool] | None, tuple[str, ...]]:
    """The page's text and, when it has next to none, whether it shows an image (None if PDFium fails); and the
    header of its last table. `header`: the one of the page before."""
    try:
        page = document[index]
        try:
            textpage = page.get_textpage()
            # Counted before the text is copied out: the text page itself is what a text bomb inflates.
            if textpage.count_chars() > page_chars:
                raise PdfError(PAGE_CHARS.format(page=index + 1, limit=page_chars))
            raw = textpage.get_text_range()
            reading = layout.read_page(_runs(textpage, raw, *page.get_size()), header)
            textpage.close()
            sparse = len("".join(raw.split())) < ocr.MIN_TEXT_CHARS
            images = sparse and any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None, ()
    # PDFium marks hyphens it dropped at line ends with U+FFFE and ends lines with CRLF.
    text = reading.text if reading.text is not None else raw.replace("\ufffe", "").replace("\r\n", "\n")
    return (typed(figures.labelled(text.replace("\r", "\n"))), images), reading.header


def _runs(textpage: pdfium.PdfTextPage, text: str, width: float, height: float) -> list[layout.Run]:
    """The page's words with their boxes, as fractions of the page from its top left: PDFium's loose boxes, a
    font's full height, so the words of a line share a top and a bottom. `text` is the page's as PDFium gives it,
    with spaces between words: the boxes of a word's first and last characters give its box, a third of the
    time a box for every character took (0.6 s against 1.9 for the five manuals' 267 pages)."""
    handle, box = textpage.raw, pdfium_c.FS_RECTF()
    runs: list[layout.Run] = []
    for word in _WORD.finditer(text):
        # The text leaves out a few of PDFium's characters (and adds some): its places are not the characters'.
        first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(handle, word.start())
        last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(handle, word.end() - 1)
        if first < 0 or not pdfium_c.FPDFText_GetLooseCharBox(handle, first, box):
            continue
        left, top, right, bottom = box.left, box.top, box.right, box.bottom
        if last > first and pdfium_c.FPDFText_GetLooseCharBox(handle, last, box):
            # A word whose last character stands on another line (a break PDFium put no space at) is its first.
            if bottom < (box.top + box.bottom) / 2 < top and box.right > left:
                right, top, bottom = box.right, max(top, box.top), min(bottom, box.bottom)
        x0, y0, x1, y1 = left / width, 1 - top / height, right / width, 1 - bottom / height
        runs.append(layout.Run(word.group().replace("\ufffe", "-"), x0, y0, x1, y1))
    return runs


# A word as PDFium's text has it: what stands between its spaces and line ends. A lone surrogate half would not
# encode for storage.
_WORD = re.compile(r"[^\s\ud800-\udfff]+")


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
        return typed(reader.pages[index].extract_text() or "")
    except Exception as exc:
        raise PdfError(PAGE_DAMAGED.format(page=index + 1)) from exc


def read_scanned(
    document: pdfium.PdfDocument | None, numbers: list[int], engine_name: str, workers: int
) -> Iterator[tuple]:
    """Pages read by OCR, a page a core at once: each engine call runs on one thread, since Tesseract's OpenMP
    took 44 s a page instead of 3 on 2 busy cores, and pages are independent. PDFium, which is not thread-safe,
    draws them one by one here, ahead of the readers."""
    workers = min(workers or os.cpu_count() or 1, len(numbers))
    # An engine each: RapidOCR keeps state between its steps, so two threads never share one.
    engines: Queue[ocr.OcrEngine] = Queue()
    try:
        for _ in range(workers):
            engines.put(ocr.make_engine(engine_name, threads=1))
    except Exception as exc:  # a broken install is the server's problem, said in words
        raise PdfError(OCR_BROKEN.format(reason=str(exc) or type(exc).__name__)) from exc

    def read(picture: Image.Image, side: int) -> list[ocr_layout.OcrLine]:
        engine = engines.get()
        try:
            return engine.read(picture, side)
        finally:
            engines.put(engine)

    uploaded_picture = document is not None and ocr.is_picture(document)

    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[int, Future[list[ocr_layout.OcrLine]] | None]] = deque()
        for number in numbers:
            # Two pages a reader drawn ahead, not one: outcomes go out in page order, and while the oldest page was
            # awaited a reader that had finished a later page sat idle (bench/ocr_speed.py on 2 cores, run in turns:
            # 0.93 and 1.18 pages/s, against 1.10 and 1.27). A drawn page is at most 16 MB of grey (ocr.MAX_SIDE).
            while len(pending) >= 2 * workers:
                yield _read_out(*pending.popleft())
            yield ("ocr-start", number)
            drawn = _picture(document, number, uploaded_picture)
            pending.append((number, pool.submit(read, *drawn) if drawn is not None else None))
        while pending:
            yield _read_out(*pending.popleft())


def _picture(document: pdfium.PdfDocument | None, number: int, uploaded: bool) -> tuple[Image.Image, int] | None:
    """The page drawn for OCR, and the longest side of the drawing its lines are found on."""
    if document is None:
        return None  # PDFium cannot open it (pypdf read its text): nothing to draw
    try:
        page = document[number - 1]
        try:
            return ocr.render(page), ocr.detect_side(page, uploaded)
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None


def _read_out(number: int, reading: Future[list[ocr_layout.OcrLine]] | None) -> tuple:
    try:
        lines = reading.result() if reading is not None else []
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a page OCR cannot read is skipped and counted, never fatal
        lines = []
    return ("ocr", number, [line.to_list() for line in lines], not lines)
