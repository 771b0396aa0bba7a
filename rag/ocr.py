"""OCR: a page without a text layer, rendered by PDFium at a bounded size, read by an offline engine into lines
with their boxes. It runs inside the PDF reader's child process (rag/pdf_reader.py), under its memory limit."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Protocol

import pypdfium2 as pdfium
from PIL import Image

# A page with fewer letters than this on its text layer, that shows an image, is read by OCR: scans often carry
# a stamped page number or a few words of a header, and nothing else.
MIN_TEXT_CHARS = 20
# Text of 10 points is 42 px high at 300 dpi, close to the 48 px that PP-OCR's recogniser reads; 200 dpi lost
# words on the benchmark's 9-point manuals (bench/ocr.py).
DPI = 300
# The longest side of a rendered page: an A4 page at 300 dpi is 3,508 px. An A0 poster is drawn smaller, so a
# page never takes more than MAX_SIDE^2 bytes in grey (16 MB here) whatever its size or its scan's resolution.
MAX_SIDE = 4000
# Below this confidence a recognised line is mostly noise (speckles read as punctuation, photos as words).
MIN_SCORE = 0.5


@dataclass(frozen=True)
class OcrLine:
    """A line of text read on a page, and its box as fractions of the page picture (origin at the top left),
    so the preview can draw it at any size and any rotation the page is shown with."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def to_list(self) -> list:
        return [self.text, round(self.x0, 4), round(self.y0, 4), round(self.x1, 4), round(self.y1, 4)]

    @classmethod
    def from_list(cls, item: list) -> OcrLine:
        return cls(str(item[0]), *(float(v) for v in item[1:5]))


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image.Image) -> list[OcrLine]:
        """The lines on a greyscale picture, in reading order."""
        ...


def needs_ocr(text: str, shows_image: bool) -> bool:
    return shows_image and len("".join(text.split())) < MIN_TEXT_CHARS


def render(page: pdfium.PdfPage, dpi: int = DPI, max_side: int = MAX_SIDE) -> Image.Image:
    width, height = page.get_size()
    scale = min(dpi / 72, max_side / max(width, height, 1))
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


def lines_text(lines: list[OcrLine] | tuple[OcrLine, ...]) -> str:
    return "\n".join(line.text for line in lines)


def merge_lines(pieces: list[OcrLine]) -> list[OcrLine]:
    """Pieces of text on the same baseline become one line, left to right, and lines go top to bottom.
    Detectors box a "[Function]" at the right margin apart from its line, and sorted by their top edges alone
    such pieces landed a line early or late, which cost the benchmark pages a third of their character errors."""
    rows: list[list[OcrLine]] = []
    for piece in sorted(pieces, key=lambda p: (p.y0 + p.y1) / 2):
        middle = (piece.y0 + piece.y1) / 2
        row = rows[-1] if rows else None
        if row is not None:
            top, bottom = min(p.y0 for p in row), max(p.y1 for p in row)
            if top < middle < bottom and piece.y0 < (top + bottom) / 2 < piece.y1:
                row.append(piece)
                continue
        rows.append([piece])
    merged = []
    for row in rows:
        row.sort(key=lambda p: p.x0)
        merged.append(
            OcrLine(
                " ".join(p.text for p in row),
                min(p.x0 for p in row),
                min(p.y0 for p in row),
                max(p.x1 for p in row),
                max(p.y1 for p in row),
            )
        )
    return merged


class RapidOcr:
    """RapidOCR 1.4 (PP-OCRv4 detection and recognition, ONNX): its models are inside its wheel, so it reads
    with nothing downloaded, from a plain `pip install`."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime import RapidOCR

        options = {"intra_op_num_threads": threads} if threads > 0 else {}
        self._engine = RapidOCR(**options)

    def read(self, image: Image.Image) -> list[OcrLine]:
        import numpy as np

        result, _ = self._engine(np.asarray(image.convert("RGB")))
        width, height = image.size
        pieces = []
        for box, text, score in result or []:
            if float(score) < MIN_SCORE or not str(text).strip():
                continue
            xs, ys = [point[0] for point in box], [point[1] for point in box]
            pieces.append(
                OcrLine(str(text).strip(), min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)
            )
        return merge_lines(pieces)


class Tesseract:
    """Tesseract 5 through its command (Debian's tesseract-ocr): used where it is installed, as in the Docker
    image. Its layout analysis keeps columns apart."""

    name = "tesseract"

    def __init__(self, threads: int = 1) -> None:
        self._env = {"OMP_THREAD_LIMIT": str(threads)} if threads > 0 else {}
        if not shutil.which("tesseract"):
            raise FileNotFoundError("the tesseract command is not installed (OCR_ENGINE=tesseract)")

    def read(self, image: Image.Image) -> list[OcrLine]:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "3", "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            check=True,
            env={**os.environ, **self._env},
        ).stdout.decode("utf-8", "replace")
        width, height = image.size
        words: dict[tuple[str, str, str], list[tuple[str, int, int, int, int]]] = {}
        for row in out.splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12 or not cells[11].strip() or float(cells[10]) < MIN_SCORE * 100:
                continue
            left, top, w, h = (int(v) for v in cells[6:10])
            words.setdefault((cells[2], cells[3], cells[4]), []).append((cells[11], left, top, left + w, top + h))
        return [
            OcrLine(
                " ".join(word[0] for word in line),
                min(word[1] for word in line) / width,
                min(word[2] for word in line) / height,
                max(word[3] for word in line) / width,
                max(word[4] for word in line) / height,
            )
            for line in words.values()
        ]


ENGINES = {"rapidocr": RapidOcr, "tesseract": Tesseract}


def engine_name(choice: str) -> str:
    """ "auto" is Tesseract where its command and English data are installed, RapidOCR everywhere else."""
    if choice != "auto":
        return choice
    return "tesseract" if shutil.which("tesseract") else "rapidocr"


def make_engine(choice: str, threads: int = 1) -> OcrEngine:
    return ENGINES[engine_name(choice)](threads)
