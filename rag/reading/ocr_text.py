"""A scanned page's text from its OCR lines: a line a row, or, when the lines are a table's cells, the table a row
a line under its header (rag/reading/layout.py), as for a page with a text layer."""

from __future__ import annotations

from itertools import pairwise

from rag.reading import layout
from rag.reading.ocr_layout import OcrLine


def lines_text(lines: list[OcrLine] | tuple[OcrLine, ...]) -> str:
    """The page's text: a line a row, or, when its lines are a table's cells (`table_cells`), its table a row a
    line under its header (rag/reading/layout.py)."""
    if len(lines) > 1 and any(_same_row(a, b) for a, b in pairwise(lines)):
        placed = layout.read_page([layout.Run(li.text, li.x0, li.y0, li.x1, li.y1) for li in lines]).text
        if placed is not None:
            return placed
    return "\n".join(line.text for line in lines)


def _same_row(first: OcrLine, then: OcrLine) -> bool:
    return then.x0 >= first.x1 and first.y0 < (then.y0 + then.y1) / 2 < first.y1
