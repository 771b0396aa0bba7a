"""A document's scanned pages read by OCR (rag/reading/ocr.py) in the PDF reader's child process, a page a core at once,
each outcome sent on in page order: ("ocr-start", page) as a page is drawn, then ("ocr", page, lines, unreadable)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Queue

import pypdfium2 as pdfium
from PIL import Image

from rag.errors import PdfError
from rag.reading import ocr
from rag.reading.checks import OCR_BROKEN
from rag.reading.ocr_layout import OcrLine


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

    def read(picture: Image.Image) -> list[OcrLine]:
        engine = engines.get()
        try:
            return engine.read(picture)
        finally:
            engines.put(engine)

    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[int, Future[list[OcrLine]] | None]] = deque()
        for number in numbers:
            # Two pages a reader drawn ahead, not one: outcomes go out in page order, and while the oldest page was
            # awaited a reader that had finished a later page sat idle (bench/ocr_speed.py on 2 cores, run in turns:
            # 0.93 and 1.18 pages/s, against 1.10 and 1.27). A drawn page is at most 16 MB of grey (ocr.MAX_SIDE).
            while len(pending) >= 2 * workers:
                yield _read_out(*pending.popleft())
            yield ("ocr-start", number)
            picture = _picture(document, number)
            pending.append((number, pool.submit(read, picture) if picture is not None else None))
        while pending:
            yield _read_out(*pending.popleft())


def _picture(document: pdfium.PdfDocument | None, number: int) -> Image.Image | None:
    if document is None:
        return None  # PDFium cannot open it (pypdf read its text): nothing to draw
    try:
        page = document[number - 1]
        try:
            return ocr.render(page)
        finally:
            page.close()
    except pdfium.PdfiumError:
        return None


def _read_out(number: int, reading: Future[list[OcrLine]] | None) -> tuple:
    try:
        lines = reading.result() if reading is not None else []
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a page OCR cannot read is skipped and counted, never fatal
        lines = []
    return ("ocr", number, [line.to_list() for line in lines], not lines)
