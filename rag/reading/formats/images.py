"""A picture (PNG, JPEG, TIFF with its pages) becomes a PDF of one page a picture, at 300 dpi so that OCR, which
draws pages at 300 dpi (rag/reading/ocr.py), sees every pixel once: from there it is read, cited and shown as any
scanned PDF is, with the lines OCR read highlighted on the page."""

from __future__ import annotations

import io

from rag.errors import PdfError
from rag.reading.formats.archives import MAX_PICTURE_PIXELS

MAX_FRAMES = 200
HUGE = (
    "This picture is {mp:,} megapixels, far over what a photo or a scan holds (50); DocChat does not read it, to "
    "protect the server. Save it smaller and upload it again."
)
DAMAGED = "The picture is damaged or truncated and cannot be read."
TOO_MANY_FRAMES = "This picture file has over {limit} pages; split it and upload the parts."


def image_pdf(data: bytes) -> bytes:
    """The picture as a PDF, a page a frame; PdfError with the reason when it is damaged or too large."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        picture = Image.open(io.BytesIO(data))
        pixels = picture.width * picture.height
        if pixels > MAX_PICTURE_PIXELS:
            raise PdfError(HUGE.format(mp=pixels // 1_000_000))
        frames = []
        for frame in ImageSequence.Iterator(picture):
            if len(frames) >= MAX_FRAMES:
                raise PdfError(TOO_MANY_FRAMES.format(limit=MAX_FRAMES))
            if frame.width * frame.height > MAX_PICTURE_PIXELS:
                raise PdfError(HUGE.format(mp=frame.width * frame.height // 1_000_000))
            frames.append(frame.convert("L" if frame.mode in ("1", "L", "I;16", "I") else "RGB"))
    except PdfError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise PdfError(DAMAGED) from exc
    out = io.BytesIO()
    frames[0].save(out, "PDF", save_all=True, append_images=frames[1:], resolution=300.0)
    return out.getvalue()
