"""A page drawn as a picture, with a passage highlighted: PDFium in a guarded child (rag/reading/preview.py calls it
through rag/reading/reader.py `guarded`), never in the app's own process."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from rag.errors import DocChatError
from rag.reading.ocr_layout import OcrLine

HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow, like a marker pen
# Long snippets rarely match the page whole (ellipses, dropped hyphens): their two ends are matched instead.
ANCHOR_CHARS = 48
# A picture's bounds, whatever the page's size says: an A4 page 900 px wide is 1.2 million pixels. A 3 x 3000 pt
# page drawn 900 px wide would be 900 x 900,000 (10.2 GB resident, 54 s); it is drawn smaller instead.
MAX_PIXELS = 4_000_000
MAX_SIDE = 6_000


class PreviewError(DocChatError):
    """The page cannot be shown; the message is for the user."""


@dataclass(frozen=True)
class PagePreview:
    png: bytes
    width: int
    height: int
    highlighted: bool  # False when the passage could not be located on the page


def picture_scale(page_width: float, page_height: float, width: int) -> float:
    """The scale that draws the page `width` px wide, or smaller, within MAX_PIXELS and MAX_SIDE."""
    if not (page_width >= 1 and page_height >= 1):  # a page without a size (or NaN) has nothing to draw
        raise PreviewError("This page has no size, so it cannot be displayed.")
    scale = min(width / page_width, MAX_SIDE / max(page_width, page_height))
    return min(scale, math.sqrt(MAX_PIXELS / (page_width * page_height)))


def render_page(
    data: bytes, page: int, snippet: str = "", width: int = 900, ocr_lines: Sequence[OcrLine] | None = None
) -> PagePreview:
    """The page as a PNG. A page read by OCR (`ocr_lines`) has no text layer to find the snippet in: the boxes
    of the lines OCR read are highlighted instead."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PreviewError("This PDF cannot be displayed.") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise PreviewError(f"This document has no page {page}.")
        pdf_page = pdf[page - 1]
        scale = picture_scale(pdf_page.get_width(), pdf_page.get_height(), width)
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        boxes = []
        if snippet and ocr_lines is None and pdf_page.get_rotation() == 0:
            left, _, _, top = pdf_page.get_cropbox()
            # PDF space grows upwards from the crop box's lower left; the picture downwards from its top left.
            boxes = [
                ((x0 - left) * scale, (top - y1) * scale, (x1 - left) * scale, (top - y0) * scale)
                for x0, y0, x1, y1 in _snippet_boxes(pdf_page, snippet)
            ]
        pdf_page.close()
    finally:
        pdf.close()
    if snippet and ocr_lines:
        w, h = image.size
        boxes = [(line.x0 * w, line.y0 * h, line.x1 * w, line.y1 * h) for line in _snippet_lines(ocr_lines, snippet)]
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for x0, y0, x1, y1 in boxes:
            draw.rectangle([x0 - 1, y0 - 1, x1 + 1, y1 + 1], fill=HIGHLIGHT)
        image = Image.alpha_composite(image, overlay)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return PagePreview(out.getvalue(), image.width, image.height, bool(boxes))


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _snippet_boxes(page: pdfium.PdfPage, snippet: str) -> list[tuple[float, float, float, float]]:
    """The rectangles the snippet's text covers on the page, or [] if it cannot be found there.
    Matching ignores everything but letters and digits: spacing, line breaks and hyphenation differ
    between the extracted passage and the page's characters."""
    textpage = page.get_textpage()
    try:
        # One entry per character index, so a match maps straight back to PDFium's indices.
        index: list[int] = []
        letters: list[str] = []
        for i in range(textpage.count_chars()):
            char = _letters(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)))
            if char:
                letters.append(char)
                index.append(i)
        page_text = "".join(letters)
        wanted = _letters(snippet.replace("…", " "))
        span = _find(page_text, wanted)
        if span is None:
            return []
        first, last = index[span[0]], index[span[1] - 1]
        count = textpage.count_rects(first, last - first + 1)
        return [textpage.get_rect(i) for i in range(count)]
    finally:
        textpage.close()


def _snippet_lines(lines: Sequence[OcrLine], snippet: str) -> list[OcrLine]:
    """The lines OCR read that the snippet covers, matched on letters and digits as on a text layer."""
    span = snippet_span([line.text for line in lines], snippet)
    return [] if span is None else list(lines[span[0] : span[1] + 1])


def snippet_span(lines: Sequence[str], snippet: str) -> tuple[int, int] | None:
    """The first and last of the lines the snippet covers, matched on letters and digits alone; None if it is not
    found in them."""
    owner: list[int] = []
    for n, line in enumerate(lines):
        owner.extend([n] * len(_letters(line)))
    span = _find("".join(_letters(line) for line in lines), _letters(snippet.replace("…", " ")))
    if span is None:
        return None
    return owner[span[0]], owner[span[1] - 1]


def _find(page_text: str, wanted: str) -> tuple[int, int] | None:
    if not wanted:
        return None
    start = page_text.find(wanted)
    if start >= 0:
        return start, start + len(wanted)
    if len(wanted) <= 2 * ANCHOR_CHARS:
        return None
    head = page_text.find(wanted[:ANCHOR_CHARS])
    tail = page_text.find(wanted[-ANCHOR_CHARS:], max(head, 0))
    # Both ends, in order, and not absurdly far apart: the passage with some characters lost in between.
    if head >= 0 and tail > head and tail - head < 2 * len(wanted):
        return head, tail + ANCHOR_CHARS
    if head >= 0:
        return head, head + ANCHOR_CHARS
    return None
