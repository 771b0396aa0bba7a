"""Cited pages drawn from the stored PDF, with the passage highlighted."""

import io

import numpy as np
import pytest
from PIL import Image

from rag.config import Settings
from rag.indexing.ingest import ingest_bytes
from rag.reading.page_image import HIGHLIGHT, MAX_PIXELS, MAX_SIDE, PreviewError, render_page
from rag.reading.preview import page_preview, render_guarded
from rag.records.library import delete_document
from tests.pdfs import make_pdf, page_of_size
from tests.robustness.hostile_pdfs import flate_bomb

PDF = make_pdf(
    [
        ["Penguin care manual. Feeding: adult penguins eat two kilograms", "of herring per day."],
        ["Nesting. Penguins build nests from pebbles,", "and a good pebble is a prized gift."],
    ]
)


def _marker_pixels(png: bytes) -> int:
    """Pixels of the yellow marker blended over white paper (none of the page's own ink is yellow)."""
    alpha = HIGHLIGHT[3] / 255
    expected = [round(255 * (1 - alpha) + c * alpha) for c in HIGHLIGHT[:3]]
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - expected) <= 2).all(axis=-1).sum())


def test_the_passage_is_highlighted_where_it_is_on_the_page():
    # The passage spans a line break and comes with the ellipsis and spacing of a snippet.
    preview = render_page(PDF, 2, "…build nests from pebbles, and a good pebble…", width=600)
    image = Image.open(io.BytesIO(preview.png))
    assert (image.width, preview.width) == (600, 600)
    assert abs(preview.height - 600 * 842 / 612) <= 1  # the page's proportions, to the pixel
    assert preview.highlighted
    marked = _marker_pixels(preview.png)
    assert marked > 1000
    # Two lines of text near the top of the page: the marker stays in the top tenth.
    rows = [y for y in range(image.height) if _row_marked(image, y)]
    assert rows and max(rows) < image.height / 10


def _row_marked(image: Image.Image, y: int) -> bool:
    alpha = HIGHLIGHT[3] / 255
    blue = round(255 * (1 - alpha) + HIGHLIGHT[2] * alpha)
    return any(abs(image.getpixel((x, y))[2] - blue) <= 2 and image.getpixel((x, y))[0] > 240 for x in range(0, 600, 3))


def test_a_passage_not_on_the_page_draws_the_page_unmarked():
    preview = render_page(PDF, 1, "build nests from pebbles", width=400)
    assert not preview.highlighted
    assert _marker_pixels(preview.png) == 0


def test_a_page_that_does_not_exist_is_explained():
    with pytest.raises(PreviewError, match="no page 3"):
        render_page(PDF, 3)


def test_library_pages_are_drawn_until_the_document_is_deleted(services):
    result = ingest_bytes(services, PDF, "penguins.pdf")
    preview = page_preview(services, result.doc_id, 1, "adult penguins eat two kilograms")
    assert preview.highlighted
    delete_document(services, result.doc_id)
    with pytest.raises(PreviewError, match="no longer in your library"):
        page_preview(services, result.doc_id, 1)


@pytest.mark.parametrize(("width", "height"), [(3, 3000), (1, 14_400), (14_400, 14_400)])
def test_a_page_of_any_size_is_drawn_within_the_picture_bounds(width, height):
    # 3 x 3000 pt drawn 900 px wide was 900 x 900,000 px: 10.2 GB in the app's process. Now it is drawn smaller,
    # in a child, and a page of any size costs at most MAX_PIXELS.
    preview = render_guarded(page_of_size(width, height), 1, Settings(_env_file=None))
    assert preview.width * preview.height <= MAX_PIXELS and max(preview.width, preview.height) <= MAX_SIDE
    assert abs(preview.width / preview.height - width / height) < 0.05 * width / height + 2 / preview.height


def test_a_page_that_cannot_be_drawn_in_its_memory_is_explained():
    # Page 2's content inflates to 256 MiB, which PDFium parses in full to draw it: past the child's 64 MB.
    with pytest.raises(PreviewError, match="too complex to display"):
        render_guarded(flate_bomb(mib=256), 2, Settings(_env_file=None, max_pdf_memory_mb=64))
