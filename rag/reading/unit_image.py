"""A cited unit of a file that has no pages to draw (a slide, a sheet's rows, a section of a Word file or a web
page, an e-mail), drawn as a picture of its text with the cited passage highlighted: the same PagePreview a PDF's
page gives, so every front end shows both alike. The text is drawn, never the file's own markup: a web page is
not rendered."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from rag.reading.page_image import HIGHLIGHT, PagePreview, snippet_span

MARGIN = 28
FONT_SIZE = 17
LINE_GAP = 7
# Lines shown around the passage: a long section is shown near what was cited, not whole.
BEFORE, AFTER = 12, 48
INK, FAINT, PAPER = (30, 30, 30), (120, 120, 120), (255, 255, 255)


def render_unit(text: str, place: str, snippet: str = "", width: int = 900) -> PagePreview:
    width = max(300, min(width, 2000))
    font = _font(FONT_SIZE)
    small = _font(FONT_SIZE - 3)
    lines = _wrapped(text, font, width - 2 * MARGIN)
    span = snippet_span(lines, snippet) if snippet else None
    first = max(0, span[0] - BEFORE) if span else 0
    last = min(len(lines), (span[0] if span else 0) + AFTER)
    shown = lines[first:last]
    step = FONT_SIZE + LINE_GAP
    height = MARGIN * 2 + step * (len(shown) + 1 + (first > 0) + (last < len(lines)))
    image = Image.new("RGBA", (width, height), (*PAPER, 255))
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw, marks = ImageDraw.Draw(image), ImageDraw.Draw(overlay)
    y = MARGIN
    draw.text((MARGIN, y), place, font=small, fill=FAINT)
    y += step
    if first > 0:
        draw.text((MARGIN, y), "…", font=font, fill=FAINT)
        y += step
    for n, line in enumerate(shown, first):
        if span and span[0] <= n <= span[1]:
            marks.rectangle([MARGIN - 4, y - 2, MARGIN + font.getlength(line) + 4, y + FONT_SIZE + 4], fill=HIGHLIGHT)
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += step
    if last < len(lines):
        draw.text((MARGIN, y), "…", font=font, fill=FAINT)
    image = Image.alpha_composite(image, overlay)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return PagePreview(out.getvalue(), image.width, image.height, span is not None)


# A font that draws accented letters, Greek and Cyrillic (Pillow's own draws ASCII and little more): Debian's
# DejaVu Sans, or the copy OpenCV's wheel carries (RapidOCR installs it); Pillow's own where neither is.
_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("cv2/qt/fonts/DejaVuSans.ttf"))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONTS:
        path = candidate if candidate.is_absolute() else _in_site_packages(candidate)
        if path is not None and path.is_file():
            try:
                return ImageFont.truetype(str(path), size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size)  # Pillow's own scalable font: nothing read from the system
    except (TypeError, OSError):  # a Pillow built without FreeType has only its small bitmap font
        return ImageFont.load_default()


def _in_site_packages(relative: Path) -> Path | None:
    spec = importlib.util.find_spec(relative.parts[0])  # found, not imported: OpenCV is not loaded for a font
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*relative.parts[1:])


def _wrapped(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, room: float) -> list[str]:
    """The text's lines, each wrapped at word boundaries to fit `room` pixels."""
    lines: list[str] = []
    for raw in text.splitlines():
        words = raw.split()
        if not words:
            continue
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if line and font.getlength(candidate) > room:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines
