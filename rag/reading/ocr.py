"""OCR: a page without a text layer, rendered by PDFium at a bounded size, read by an offline engine into lines
with their boxes. It runs inside the PDF reader's child process (rag/reading/reader.py), under its memory limit."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
from typing import Protocol

import pypdfium2 as pdfium
from PIL import Image

from rag.reading import layout
from rag.reading.ocr_layout import OcrLine, merge_lines, quarter_turn, tilt, turning

# A page with fewer letters than this on its text layer, that shows an image, is read by OCR: scans often carry
# a stamped page number or a few words of a header, and nothing else.
MIN_TEXT_CHARS = 20
# Text of 10 points is 42 px high at 300 dpi, close to the 48 px that PP-OCR's recogniser reads; 200 dpi lost
# words on the benchmark's 9-point manuals (bench/ocr.py).
DPI = 300
# The longest side of a rendered page: an A4 page at 300 dpi is 3,508 px. An A0 poster is drawn smaller, so a
# page never takes more than MAX_SIDE^2 bytes in grey (16 MB here) whatever its size or its scan's resolution.
MAX_SIDE = 4000
# Lines are found on the page drawn this large (longest side, px), then read from the full-size picture: 1,280 px
# is 110 dpi for an A4 page, where 9-point lines are still 14 px high and apart. RapidOCR's own way, lines found
# and read on the page shrunk to 2,000 px, lost a word in seven (bench/ocr.py).
DETECT_SIDE = 1280
# An uploaded picture (rag/reading/formats/images.py, which marks its PDF with PICTURE_CREATOR) has its lines found
# at its own pixels, up to PICTURE_DETECT_PIXELS: a screenshot's text is 10-16 px high, and on a wide one shrunk to
# 1,280 px the finder missed all but the headings (dev pictures tiled into 3,200-3,700 px screenshots: 7 of 24 key
# facts read at 1,280 px, 24 at their own pixels). A scan's text, 30-50 px high at 300 dpi, is found at 1,280. The
# finder's memory grows with the pixels it looks at: 2.6 GB at 16 megapixels (a 4,000-px square), 1.2 GB at 6, within
# the reader's OCR_MEMORY_MB; and time on a large picture: a 4,570-px screenshot took 5.7 s instead of 1.5 on one core.
PICTURE_DETECT_PIXELS = 6_000_000
PICTURE_CREATOR = "DocChat (an uploaded picture)"
# Below this confidence a recognised line is mostly noise (speckles read as punctuation, photos as words).
MIN_SCORE = 0.5


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image.Image, detect_side: int = DETECT_SIDE) -> list[OcrLine]:
        """The lines on a greyscale picture, in reading order; an engine that finds lines on a smaller drawing
        draws it with this longest side (px) at most."""
        ...


def needs_ocr(text: str, shows_image: bool) -> bool:
    return shows_image and len("".join(text.split())) < MIN_TEXT_CHARS


def is_picture(document: pdfium.PdfDocument) -> bool:
    """A PDF made of an uploaded picture, a page a frame."""
    try:
        return document.get_metadata_dict().get("Creator") == PICTURE_CREATOR
    except pdfium.PdfiumError:
        return False


def detect_side(page: pdfium.PdfPage, picture: bool) -> int:
    """The longest side (px) of the drawing a page's lines are found on: an uploaded picture's own pixels, at most
    PICTURE_DETECT_PIXELS of them and never fewer than DETECT_SIDE across; DETECT_SIDE for any other page."""
    import pypdfium2.raw as pdfium_c

    if not picture:
        return DETECT_SIDE
    sizes = [image.get_px_size() for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))]
    if not sizes:
        return DETECT_SIDE
    width, height = max(sizes, key=lambda size: size[0] * size[1])
    shrink = min(1.0, (PICTURE_DETECT_PIXELS / max(width * height, 1)) ** 0.5)
    return max(DETECT_SIDE, round(max(width, height) * shrink))


def render(page: pdfium.PdfPage, dpi: int = DPI, max_side: int = MAX_SIDE) -> Image.Image:
    width, height = page.get_size()
    scale = min(dpi / 72, max_side / max(width, height, 1))
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


class RapidOcr:
    """RapidOCR 1.4 (PP-OCRv4 detection and recognition, ONNX): its models are inside its wheel, so it reads
    with nothing downloaded, from a plain `pip install`. Its steps are called one by one, not through its
    `__call__`, which shrinks the whole page to 2,000 px before it finds and reads the lines (bench/ocr.py)."""

    name = "rapidocr"

    def __init__(self, threads: int = 1) -> None:
        from rapidocr_onnxruntime import RapidOCR

        from rag.reading.ocr_graphs import DET_MODEL, REC_MODEL, folded_session, models_dir

        options = {"intra_op_num_threads": threads, "inter_op_num_threads": 1} if threads > 0 else {}
        # Lines recognised one at a time, not six: a batch is padded to its widest line, and on 10 manual pages
        # recognition took 2.0 s a page instead of 3.1, the same words read (bench/ocr.py, one core).
        self._engine = RapidOCR(rec_batch_num=1, **options)
        # The same models with their exporter's element-wise steps folded away (rag/reading/ocr_graphs.py): a page took
        # 1.31 s instead of 1.65, detection 0.31 of it (was 0.36) and recognition 0.95 (was 1.24), with the same
        # text (10 scanned manual pages, one core).
        det, rec = self._engine.text_det.infer, self._engine.text_rec.session
        det.session = folded_session(models_dir() / DET_MODEL, det.session)
        rec.session = folded_session(models_dir() / REC_MODEL, rec.session)

    def read(self, image: Image.Image, detect_side: int = DETECT_SIDE) -> list[OcrLine]:
        import cv2
        import numpy as np

        picture = np.asarray(image.convert("RGB"))
        height, width = picture.shape[:2]
        ratio = min(1.0, detect_side / max(width, height))
        small = cv2.resize(picture, None, fx=ratio, fy=ratio, interpolation=cv2.INTER_AREA) if ratio < 1 else picture
        boxes, _ = self._engine.text_det(_squarer(small))
        if boxes is None or not len(boxes):
            return []
        boxes = [np.asarray(box / ratio, np.float32) for box in self._engine.sorted_boxes(boxes)]
        # No direction classifier (use_cls): on upright scans it turned good lines upside down, and the pages'
        # character errors fell from 5.5% to 1.9% without it (bench/ocr.py on 10 pages, 2026-12-03).
        read = self._either_way_up(self._engine.get_crop_img_list(picture, boxes), boxes)
        kept = [i for i, (text, score, _) in enumerate(read) if score >= MIN_SCORE and text.strip()]
        # A page scanned sideways is turned a quarter first, then by its skew: turned back, the lines of a scan
        # 1-2° askew are level again (bench/ocr.py's degraded scans: 9.2% character errors with rows found on the
        # picture as it is, mostly lines merged).
        turn = turning(quarter_turn([read[i][2] for i in kept]))
        turn = turn @ turning(tilt([boxes[i] @ turn for i in kept]))
        pieces, upright = [], []
        for i in kept:
            box, text = boxes[i], read[i][0]
            # NFKC: the Chinese-and-English model writes some punctuation full-width ("－", "：").
            text = unicodedata.normalize("NFKC", text).strip()
            if not text:
                continue
            for quad, into in ((box, pieces), (box @ turn, upright)):
                (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
                into.append(OcrLine(text, x0 / width, y0 / height, x1 / width, y1 / height))
        return table_cells(pieces, upright)

    def _either_way_up(self, crops: list, boxes: list) -> list[tuple[str, float, int]]:
        """Each crop's text, score, and whether its text runs across the page (0), down (1) or up (-1) it.
        RapidOCR turns a crop 1.5 times taller than wide (a chart's axis, a turned table heading, a landscape
        page scanned sideways) a quarter turn anticlockwise, upright for text running down; such a crop is read
        a half turn from there too, upright for text running up, and the better-scored reading kept."""
        import numpy as np

        read = [(str(text), float(score), 0) for text, score in self._engine.text_rec(crops)[0]]
        tall = [i for i, quad in enumerate(boxes) if _tall(quad)]
        if tall:
            again, _ = self._engine.text_rec([np.rot90(crops[i], 2) for i in tall])
            for i, (text, score) in zip(tall, again, strict=True):
                down, up = (read[i][0], read[i][1], 1), (str(text), float(score), -1)
                read[i] = max(down, up, key=lambda reading: reading[1])
        return read


def _tall(quad) -> bool:
    """RapidOCR's test for turning a crop: its height (the longer of its left and right edges) at least 1.5 times
    its width (the longer of its top and bottom edges)."""
    import numpy as np

    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    return height >= 1.5 * width


def _squarer(picture):
    """A picture over 8 times wider than tall (or taller than wide) padded with white: the detector enlarges its
    short side to 736 px, which would make a strip of a page tens of thousands of pixels long."""
    import numpy as np

    height, width = picture.shape[:2]
    pad_h, pad_w = max(0, width // 8 - height), max(0, height // 8 - width)
    if not pad_h and not pad_w:
        return picture
    return np.pad(picture, ((0, pad_h), (0, pad_w), (0, 0)), constant_values=255)


class Tesseract:
    """Tesseract 5 through its command (Debian's tesseract-ocr, in the Docker image), chosen by name: a fifth
    faster than RapidOCR (bench/ocr_speed.py: 1.81-1.88 pages/s on 2 cores, 1.57-1.63), with fewer words right.
    Its layout analysis keeps columns apart."""

    name = "tesseract"

    def __init__(self, threads: int = 1) -> None:
        self._env = {"OMP_THREAD_LIMIT": str(threads)} if threads > 0 else {}
        if not shutil.which("tesseract"):
            raise FileNotFoundError("the tesseract command is not installed (OCR_ENGINE=tesseract)")

    def read(self, image: Image.Image, detect_side: int = DETECT_SIDE) -> list[OcrLine]:
        buffer = io.BytesIO()
        image.save(buffer, format="PPM")  # a PGM, written at once: a PNG took 0.6 s to compress, Tesseract 1.5 s
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
    """ "auto" is RapidOCR: on the benchmark's scans it found 98.6% of the words where Tesseract found 87.9-95.7%,
    and Tesseract reads only a fifth more pages a second (bench/ocr_speed.py, README). It is there by name."""
    return "rapidocr" if choice == "auto" else choice


def make_engine(choice: str, threads: int = 1) -> OcrEngine:
    return ENGINES[engine_name(choice)](threads)


def table_cells(pieces: list[OcrLine], upright: list[OcrLine] | None = None) -> list[OcrLine]:
    """The page's lines (`merge_lines`), each cut where a cell gap parts its pieces, when that shows a table:
    stored so, `ocr_text.lines_text` reads the table's rows under its header ("Genotype: AA; In situ: 6"), where the
    whole row as one line read "AA 6 32 38"."""
    lines = merge_lines(pieces, upright)
    cells = merge_lines(pieces, upright, cells=True)
    runs = [layout.Run(c.text, c.x0, c.y0, c.x1, c.y1) for c in cells]
    return cells if len(cells) > len(lines) and layout.read_page(runs).tables else lines
