"""A cited page as a picture: rendered from the stored PDF by PDFium, with the cited passage highlighted."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from rag.accounts.users import owner_workspace
from rag.database.tables import Document
from rag.errors import DocChatError
from rag.reading.ocr_layout import OcrLine
from rag.reading.reader import PDFIUM_LOCK
from rag.reading.stored_pages import ocr_page_lines
from rag.services import Services

HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow, like a marker pen
# Long snippets rarely match the page whole (ellipses, dropped hyphens): their two ends are matched instead.
ANCHOR_CHARS = 48


class PreviewError(DocChatError):
    """The page cannot be shown; the message is for the user."""


@dataclass(frozen=True)
class PagePreview:
    png: bytes
    width: int
    height: int
    highlighted: bool  # False when the passage could not be located on the page


def page_preview(
    services: Services, doc_id: str, page: int, snippet: str = "", width: int = 900, workspace_id: str | None = None
) -> PagePreview:
    """Page `page` (1-based) of a library document, `width` pixels wide, with `snippet` highlighted."""
    path = stored_pdf(services, doc_id, workspace_id)
    return render_file(path, page, snippet, width, ocr_page_lines(services, doc_id, page))


def stored_pdf(services: Services, doc_id: str, workspace_id: str | None = None) -> Path:
    """The stored file of a document that is in the workspace's library now; any other id is refused alike."""
    with services.sessions() as session:
        document = session.get(Document, (owner_workspace(services, workspace_id), doc_id))
    if document is None or document.status != "indexed":
        raise PreviewError("This document is no longer in your library.")
    return services.settings.storage_dir / document.stored_path


def render_file(
    path: Path, page: int, snippet: str = "", width: int = 900, ocr_lines: Sequence[OcrLine] | None = None
) -> PagePreview:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PreviewError(f"The stored file of {path.name} cannot be read.") from exc
    return render_page(data, page, snippet, width, ocr_lines)


def render_page(
    data: bytes, page: int, snippet: str = "", width: int = 900, ocr_lines: Sequence[OcrLine] | None = None
) -> PagePreview:
    """The page as a PNG. A page read by OCR (`ocr_lines`) has no text layer to find the snippet in: the boxes
    of the lines OCR read are highlighted instead."""
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise PreviewError("This PDF cannot be displayed.") from exc
        try:
            if not 1 <= page <= len(pdf):
                raise PreviewError(f"This document has no page {page}.")
            pdf_page = pdf[page - 1]
            scale = width / pdf_page.get_width()
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
    owner: list[int] = []
    letters: list[str] = []
    for n, line in enumerate(lines):
        found = _letters(line.text)
        letters.append(found)
        owner.extend([n] * len(found))
    span = _find("".join(letters), _letters(snippet.replace("…", " ")))
    if span is None:
        return []
    return list(lines[owner[span[0]] : owner[span[1] - 1] + 1])


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
