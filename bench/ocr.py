"""OCR of scanned PDFs: character error rate, word recall and speed of each offline engine, on scans made from the
benchmark's text PDFs, whose text layer is the ground truth.

    .venv/bin/python bench/ocr.py build [--dpi 150|300] [--degrade] [--src DIR] [--out DIR] [--docs NAME ...]
    .venv/bin/python bench/ocr.py engines [--engines NAME ...] [--pages 8] [--docs NAME ...] [--dump DIR]
    .venv/bin/python bench/ocr.py --quick

`build` writes image-only copies (JPEG pages, no text layer, the original's page sizes) of the five QA PDFs to
storage/bench-ocr/scan-DPI[-degraded]/. `engines` scans a seeded sample of pages the same way, in memory, reads each
scan as DocChat does (its page rendered by rag.reading.ocr.render, at rag.reading.ocr.DPI) and compares the
engine's lines with the original page's text. CER is the Levenshtein distance over the truth's length, both texts
case-folded, whitespace and dot leaders collapsed; word recall is the share of the truth's words (alphanumeric, 2+
characters, a multiset) found in the OCR's. Both are summed over the pages. Pages/s counts OCR time alone, after an
untimed warm-up.
rapidocr3 is the rapidocr 3.x package, which the requirements leave out: run its row from a venv that has it,
`PYTHONPATH=. OTHER/bin/python bench/ocr.py engines --engines rapidocr3`. rapidocr-whole (RapidOCR's own pipeline)
and rapidocr-960/1600/2000 (lines found on a page drawn that large) are run only when named.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from common import CORPUS, QUICK_PDF, ROOT, first_five, table
from PIL import Image, ImageFilter

from rag.reading.ocr import MIN_SCORE, RapidOcr, Tesseract, render
from rag.reading.ocr_layout import OcrLine, merge_lines
from rag.reading.ocr_text import lines_text

OUT = ROOT / "storage" / "bench-ocr"
# A light scanner: optics' blur, sensor noise (grey levels) and a page laid 1-2° askew on the glass.
BLUR, NOISE, SKEW = 0.6, 11.0, (1.0, 2.0)
JPEG_QUALITY = 85
MIN_TRUTH = 200  # characters: sample pages with text on them, not the blank ones or figures
CONDITIONS = {"150": (150, False), "150d": (150, True), "300": (300, False), "300d": (300, True)}
WORD = re.compile(r"[^\W_]{2,}")
LEADER = re.compile(r"(?:\.\s*){3,}")
HEADER = ["engine", "condition", "pages", "CER", "word recall", "pages/s"]


def page_seed(name: str, index: int) -> int:
    """The same page is degraded the same way by `build` and `engines`, in any process."""
    return zlib.crc32(f"{name}:{index}".encode())


def scan(page: pdfium.PdfPage, dpi: int, degrade: bool, seed: int) -> Image.Image:
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    if not degrade:
        return image
    rng = np.random.default_rng(seed)
    angle = float(rng.uniform(*SKEW) * rng.choice((-1, 1)))
    # Turned within the page's own bounds, as on a scanner's glass: expand=True would give a larger picture, and then
    # the page would be larger than the original's or its DPI would no longer be `dpi`. Margins take the corners.
    image = image.rotate(angle, Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(BLUR))
    noisy = np.asarray(image, np.float32) + rng.normal(0, NOISE, (image.height, image.width)).astype(np.float32)
    return Image.fromarray(np.clip(noisy, 0, 255).round().astype(np.uint8))


def add_picture(pdf: pdfium.PdfDocument, image: Image.Image, size: tuple[float, float]) -> None:
    """A page of `size` points covered by `image` as a JPEG: a scan, with no text layer."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    page = pdf.new_page(*size)
    picture = pdfium.PdfImage.new(pdf)
    picture.load_jpeg(buffer, inline=True)  # PDFium keeps the JPEG's bytes, not the decoded picture
    picture.set_matrix(pdfium.PdfMatrix().scale(*size))
    page.insert_obj(picture)
    page.gen_content()
    page.close()


def build_scanned(
    src_dir: Path, out_dir: Path, dpi: int, degrade: bool, pages: int | None = None, names: Sequence[str] = ()
) -> list[list]:
    """Scanned copies of the PDFs `names` of `src_dir` (all of its PDFs by default), their first `pages` pages
    (all by default), one page in memory at a time. Returns a row per PDF: name, pages, MB, seconds."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in [src_dir / name for name in names] or sorted(src_dir.glob("*.pdf")):
        start = time.perf_counter()
        src, out = pdfium.PdfDocument(path), pdfium.PdfDocument.new()
        count = len(src) if pages is None else min(pages, len(src))
        for index in range(count):
            page = src[index]
            add_picture(out, scan(page, dpi, degrade, page_seed(path.name, index)), page.get_size())
            page.close()
        out.save(out_dir / path.name)
        out.close()
        src.close()
        size = (out_dir / path.name).stat().st_size / 1e6
        rows.append([path.name, count, f"{size:.1f}", f"{time.perf_counter() - start:.1f}"])
    return rows


def page_text(page: pdfium.PdfPage) -> str:
    return page.get_textpage().get_text_range().replace("\ufffe", "").replace("\r\n", "\n")


def normal(text: str) -> str:
    """Case-folded, whitespace collapsed, and a table of contents' or an index's dot leaders (". . . . 69") made
    one "...": they are filler, and the text layer spells each dot and space, which OCR does not."""
    return " ".join(LEADER.sub("... ", text.casefold()).split())


def levenshtein(a: str, b: str) -> int:
    from rapidfuzz.distance import Levenshtein  # in the dev extra, like the benchmarks' other needs

    return Levenshtein.distance(a, b)


def found_lines(results, size: tuple[int, int]) -> list[OcrLine]:
    """An engine's (box, text, score) results as rag.reading.ocr reads RapidOCR's: confident pieces on their
    baselines."""
    width, height = size
    pieces = []
    for box, text, score in results:
        if float(score) >= MIN_SCORE and text.strip():
            (x0, y0), (x1, y1) = np.min(box, axis=0), np.max(box, axis=0)
            pieces.append(OcrLine(text.strip(), x0 / width, y0 / height, x1 / width, y1 / height))
    return merge_lines(pieces)


class RapidOcr3:
    """rapidocr 3.x, its results read like rag.reading.ocr.RapidOcr reads 1.4's."""

    name = "rapidocr3"

    def __init__(self, threads: int = 0) -> None:
        from rapidocr import RapidOCR

        self._engine = RapidOCR(params={"Global.max_side_len": 5000, "Global.log_level": "warning"})

    def read(self, image: Image.Image) -> list[OcrLine]:
        out = self._engine(np.asarray(image.convert("RGB")))
        if out.boxes is None:
            return []
        return found_lines(zip(out.boxes, out.txts, out.scores, strict=True), image.size)


class RapidOcrWhole:
    """RapidOCR 1.4 called whole, as rag.reading.ocr.RapidOcr did at first: the page shrunk to 2,000 px (its
    max_side_len) to find and read the lines, and its direction classifier (use_cls) turning lines it judges upside
    down."""

    name = "rapidocr-whole"

    def __init__(self, threads: int = 0) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._engine = RapidOCR(**({"intra_op_num_threads": threads} if threads > 0 else {}))

    def read(self, image: Image.Image) -> list[OcrLine]:
        result, _ = self._engine(np.asarray(image.convert("RGB")))
        return found_lines(result or [], image.size)


def detecting_at(side: int):
    """rag.reading.ocr.RapidOcr finding lines on the page drawn `side` px long instead of its DETECT_SIDE."""

    class At(RapidOcr):
        name = f"rapidocr-{side}"

        def read(self, image: Image.Image, detect_side: int = side) -> list[OcrLine]:
            return super().read(image, detect_side)

    return At


ENGINES = {
    "rapidocr": RapidOcr,
    "tesseract": Tesseract,
    "rapidocr3": RapidOcr3,
    "rapidocr-whole": RapidOcrWhole,
    **{f"rapidocr-{side}": detecting_at(side) for side in (960, 1600, 2000)},
}


def available(names: Sequence[str], threads: int) -> list:
    engines = []
    for name in names:
        if name == "tesseract" and not shutil.which("tesseract"):
            print("tesseract: no `tesseract` command, skipped")
            continue
        try:
            engines.append(ENGINES[name](threads))
        except ImportError as error:
            print(f"{name}: {error}, skipped")
    return engines


def sample(path: Path, count: int, seed: int) -> list[int]:
    """`count` pages with text on them spread over the PDF: one drawn at random in each of `count` stretches."""
    pdf = pdfium.PdfDocument(path)
    eligible = [i for i in range(len(pdf)) if len(normal(page_text(pdf[i]))) >= MIN_TRUTH]
    pdf.close()
    rng = np.random.default_rng([seed, zlib.crc32(path.name.encode())])
    return [int(rng.choice(part)) for part in np.array_split(eligible, min(count, len(eligible)))]


def as_read(page: pdfium.PdfPage, name: str, index: int, dpi: int, degrade: bool) -> Image.Image:
    """The scan of a page as DocChat's OCR gets it: shown on an image-only page, rendered by rag.reading.ocr.render."""
    pdf = pdfium.PdfDocument.new()
    add_picture(pdf, scan(page, dpi, degrade, page_seed(name, index)), page.get_size())
    image = render(pdf[0])
    pdf.close()
    return image


def compare(
    paths: Sequence[Path], pages: int, engines: list, conditions: Sequence[str], seed: int, dump: Path | None
) -> list[list]:
    samples = [(path, index) for path in paths for index in sample(path, pages, seed)]
    print(f"{len(samples)} pages: " + ", ".join(f"{p.name} p{i + 1}" for p, i in samples))
    rows, warm = [], False
    for condition in conditions:
        dpi, degrade = CONDITIONS[condition]
        totals = {engine.name: Counter() for engine in engines}
        for path, index in samples:
            pdf = pdfium.PdfDocument(path)
            truth = page_text(pdf[index])
            image = as_read(pdf[index], path.name, index, dpi, degrade)
            pdf.close()
            for engine in engines if not warm else []:
                engine.read(image.crop((0, 0, image.width, image.height // 4)))  # warmed up, off the clock
            warm = True
            truth_words = Counter(WORD.findall(normal(truth)))
            for engine in engines:
                start = time.perf_counter()
                text = lines_text(engine.read(image))
                total = totals[engine.name]
                total["seconds"] += time.perf_counter() - start
                total["errors"] += levenshtein(normal(text), normal(truth))
                total["chars"] += len(normal(truth))
                total["found"] += sum((truth_words & Counter(WORD.findall(normal(text)))).values())
                total["words"] += sum(truth_words.values())
                total["pages"] += 1
                if dump:
                    dump.mkdir(parents=True, exist_ok=True)
                    stem = f"{path.stem}-p{index + 1}"
                    (dump / f"{stem}.truth.txt").write_text(truth)
                    (dump / f"{stem}.{condition}.{engine.name}.txt").write_text(text)
        for name, total in totals.items():
            label = f"{dpi} dpi" + (" degraded" if degrade else " clean")
            rows.append(
                [
                    name,
                    label,
                    total["pages"],
                    f"{total['errors'] / total['chars']:.1%}",
                    f"{total['found'] / total['words']:.1%}",
                    f"{total['pages'] / total['seconds']:.2f}",
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 pages of one small PDF, rapidocr, 150 dpi")
    commands = parser.add_subparsers(dest="command")
    build = commands.add_parser("build", help="write scanned copies of PDFs")
    build.add_argument("--src", type=Path, default=CORPUS)
    build.add_argument("--out", type=Path, help="default: storage/bench-ocr/scan-DPI[-degraded]")
    build.add_argument("--dpi", type=int, choices=(150, 300), default=300)
    build.add_argument("--degrade", action="store_true", help="blur, noise and a 1-2° skew")
    build.add_argument("--docs", nargs="+", help="file names in --src (default: the QA set's five)")
    build.add_argument("--pages", type=int, help="only the first N pages of each PDF")
    engines = commands.add_parser("engines", help="compare the OCR engines on sampled pages")
    engines.add_argument("--corpus", type=Path, default=CORPUS)
    engines.add_argument("--docs", nargs="+", help="file names in --corpus (default: the QA set's five)")
    engines.add_argument("--pages", type=int, default=8, help="pages sampled per PDF")
    engines.add_argument("--engines", nargs="+", choices=ENGINES, default=["rapidocr", "tesseract", "rapidocr3"])
    engines.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    engines.add_argument("--threads", type=int, default=0, help="engine threads (0: the engine's default)")
    engines.add_argument("--seed", type=int, default=0)
    engines.add_argument("--dump", type=Path, help="write each page's truth and OCR text here")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.quick:
        rows = compare([QUICK_PDF], 2, available(["rapidocr"], 0), ["150"], 0, None)
        table(f"OCR smoke test ({time.perf_counter() - start:.0f} s)", HEADER, rows)
    elif args.command == "build":
        out = args.out or OUT / (f"scan-{args.dpi}" + ("-degraded" if args.degrade else ""))
        names = args.docs or [p.name for p in first_five(args.src)]
        rows = build_scanned(args.src, out, args.dpi, args.degrade, args.pages, names)
        table(f"Scanned copies in {out} ({time.perf_counter() - start:.0f} s)", ["PDF", "pages", "MB", "s"], rows)
    elif args.command == "engines":
        paths = [args.corpus / name for name in args.docs] if args.docs else first_five(args.corpus)
        found = available(args.engines, args.threads)
        rows = compare(paths, args.pages, found, args.conditions, args.seed, args.dump)
        table(f"OCR engines ({time.perf_counter() - start:.0f} s)", HEADER, rows)
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
