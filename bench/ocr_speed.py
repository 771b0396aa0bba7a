"""OCR speed as an upload sees it: scanned pages read through DocChat's PDF reader (its child process, pages
drawn by PDFium, a page a core at once), in pages per second of wall time.

    .venv/bin/python bench/ocr_speed.py [--engines rapidocr tesseract] [--pages 5] [--threads 0] [--quick]

The scan is an image-only PDF built in memory from sampled pages of the five QA manuals (bench/ocr.py's scans,
300 dpi, degraded), so each page is a dense page of a manual. The first read of each engine, on one page, is a
warm-up off the clock (the child process and the models start). --threads is OCR_THREADS: pages read at once.
"""

from __future__ import annotations

import argparse
import io
import os
import time

import pypdfium2 as pdfium
from common import CORPUS, QUICK_PDF, first_five, table
from ocr import add_picture, page_seed, sample, scan

from rag.config import Settings
from rag.reading.reader import read_isolated


def scanned(paths: list, pages: int, seed: int = 0) -> tuple[bytes, int]:
    out = pdfium.PdfDocument.new()
    for path in paths:
        pdf = pdfium.PdfDocument(path)
        for index in sample(path, pages, seed):
            page = pdf[index]
            add_picture(out, scan(page, 300, True, page_seed(path.name, index)), page.get_size())
            page.close()
        pdf.close()
    buffer = io.BytesIO()
    out.save(buffer)
    count = len(out)
    out.close()
    return buffer.getvalue(), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["rapidocr", "tesseract"])
    parser.add_argument("--pages", type=int, default=5, help="pages sampled per manual")
    parser.add_argument("--threads", type=int, default=0, help="OCR_THREADS (0: one per core)")
    parser.add_argument("--quick", action="store_true", help="2 pages of one small PDF, rapidocr")
    args = parser.parse_args()
    paths = [QUICK_PDF] if args.quick else first_five(CORPUS)
    data, count = scanned(paths, 2 if args.quick else args.pages)
    first, _ = scanned(paths[:1], 1, seed=1)
    rows = []
    for engine in ["rapidocr"] if args.quick else args.engines:
        settings = Settings(_env_file=None, ocr_engine=engine, ocr_threads=args.threads, max_page_seconds=600)
        read_isolated(first, 1, settings)  # warm-up: the child's imports and the models, off the clock
        start = time.perf_counter()
        read = read_isolated(data, count, settings)
        took = time.perf_counter() - start
        readable = sum(1 for page in read.ocr.values() if not page.unreadable)
        rows.append([engine, count, readable, f"{took:.1f}", f"{count / took:.2f}"])
    cores = len(os.sched_getaffinity(0))
    table(f"OCR through the PDF reader, {cores} cores", ["engine", "pages", "read", "seconds", "pages/s"], rows)


if __name__ == "__main__":
    main()
