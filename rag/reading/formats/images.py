"""A picture (PNG, JPEG, TIFF with its pages) becomes a PDF of one page a picture, sized so that OCR, which draws
pages at 300 dpi (rag/reading/ocr.py), sees a scan's pixels once and a screenshot's enlarged: from there it is read,
cited and shown as any scanned PDF is, with the lines OCR read highlighted on the page."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rag.errors import PdfError
from rag.reading.formats.archives import MAX_PICTURE_PIXELS
from rag.reading.ocr import PICTURE_CREATOR

if TYPE_CHECKING:
    from PIL import Image

MAX_FRAMES = 200
HUGE = (
    "This picture is {mp:,} megapixels, far over what a photo or a scan holds (50); DocChat does not read it, to "
    "protect the server. Save it smaller and upload it again."
)
DAMAGED = "The picture is damaged or truncated and cannot be read."
TOO_MANY_FRAMES = "This picture file has over {limit} pages; split it and upload the parts."
# A screenshot's text is 10-16 px high and a scan's 30-50 (300 dpi); PP-OCR's recogniser reads lines 48 px high,
# and its detector missed and merged the small ones. Enlarged, the dev pictures (293 and 500 px) read "Cash Now
# Corporation", not "Cash Nou". Three times and twice tied on dev's key fact (0.75 both; three times lost spaces in
# one line, twice in another); three, the nearer to 48 px, was chosen first, and on the third held-out set's three
# screenshots the key fact was 0.80 with it and 0.30 with twice (so that row is no longer blind: bench/formats.py).
# A picture is enlarged until its longest side is about ENLARGED_SIDE px, at most MAX_ENLARGE times: a 2,550-px
# scan is read as it is.
ENLARGED_SIDE = 3000
MAX_ENLARGE = 3
DPI = 300


def enlargement(width: int, height: int) -> int:
    """How many times larger OCR draws a picture of this size."""
    return max(1, min(MAX_ENLARGE, ENLARGED_SIDE // max(width, height, 1)))


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
            frames.append(_opaque(frame))
        # A JPEG is stored as it came (decoding and encoding it again would blur it twice); CMYK ones are not,
        # as viewers disagree on their inverted colours.
        as_it_came = picture.format == "JPEG" and picture.mode in ("L", "RGB")
    except PdfError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise PdfError(DAMAGED) from exc
    return _lossless_pdf(data if as_it_came else None, frames)


def _lossless_pdf(jpeg: bytes | None, frames: list[Image.Image]) -> bytes:
    """The frames in a PDF without losing a pixel (img2pdf): a JPEG as it came, anything else as a PNG holds it.
    Pillow's own PDF writer made every picture a JPEG of quality 75, whose blur ran a screenshot's small words
    together: on four dev screenshots transcribed by hand OCR found 0.82 of the words, 0.96 from the picture's own
    pixels (bench/formats.py "dev pictures")."""
    import img2pdf

    # The PDF's dots per inch, not its pixels, make the page larger: the file stays the picture's own size.
    resolution = DPI / enlargement(frames[0].width, frames[0].height)
    options = {
        "layout_fun": img2pdf.get_fixed_dpi_layout_fun((resolution, resolution)),
        # Turned as the camera's EXIF tag says, when it says a valid turn: a phone photo is read upright.
        "rotation": img2pdf.Rotation.ifvalid,
        "creator": PICTURE_CREATOR,
        "producer": PICTURE_CREATOR,
    }
    if jpeg is not None:
        try:
            return img2pdf.convert([jpeg], **options)
        except Exception:  # noqa: BLE001 - a JPEG img2pdf will not take as it is is stored from its pixels instead
            pass
    blobs = []
    for frame in frames:
        out = io.BytesIO()
        frame.save(out, "PNG", compress_level=1)
        blobs.append(out.getvalue())
    try:
        return img2pdf.convert(blobs, **options)
    except Exception as exc:  # pictures Pillow read but img2pdf refuses are said to be damaged
        raise PdfError(DAMAGED) from exc


def _opaque(frame: Image.Image) -> Image.Image:
    """The frame as a PDF holds it: grey or RGB, its transparent parts white, as a viewer shows them. Dropping the
    alpha channel instead turns a transparent background into the colour its pixels happen to hold, often black
    under black text."""
    from PIL import Image

    if frame.mode in ("1", "L", "I;16", "I"):
        return frame.convert("L")
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return frame.convert("RGB")
