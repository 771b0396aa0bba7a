"""A page's OCR pieces put in reading order: its skew and any quarter turn undone, pieces on one baseline made
one line, and two columns of prose read one after the other."""

from __future__ import annotations

from dataclasses import dataclass

# Pieces of a row farther apart than this many of its heights are two cells (as rag/reading/layout.py CELL_GAP).
CELL_GAP = 0.9
# Two columns need this many lines of prose on each side of the gutter; at most this share of the pieces may
# span it (titles, running heads, a wide figure's caption).
MIN_COLUMN_LINES = 4
MAX_SPANNING = 0.15


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


def merge_lines(pieces: list[OcrLine], upright: list[OcrLine] | None = None, cells: bool = False) -> list[OcrLine]:
    """Pieces of text on the same baseline become one line (`cells`: one a cell), left to right, and lines go top
    to bottom.
    Detectors box a "[Function]" at the right margin apart from its line, and sorted by their top edges alone
    such pieces landed a line early or late, which cost the benchmark pages a third of their character errors.
    `upright` places the same pieces as on the page turned straight (a scan's skew undone): baselines are found
    there, and the lines keep the boxes of `pieces`, which are where the words are on the picture. Two columns
    of prose are read one after the other (`columns`)."""
    places = upright or pieces
    merged = []
    for block in columns(places):
        for row in _rows(places, block):
            order = sorted(row, key=lambda i: places[i].x0)
            groups = [[order[0]]]
            for i in order[1:]:
                last = places[groups[-1][-1]]
                if cells and places[i].x0 - last.x1 > CELL_GAP * (last.y1 - last.y0):
                    groups.append([i])
                else:
                    groups[-1].append(i)
            for group in groups:
                parts = [pieces[i] for i in group]
                merged.append(
                    OcrLine(
                        " ".join(p.text for p in parts),
                        min(p.x0 for p in parts),
                        min(p.y0 for p in parts),
                        max(p.x1 for p in parts),
                        max(p.y1 for p in parts),
                    )
                )
    return merged


def _rows(places: list[OcrLine], indexes: list[int]) -> list[list[int]]:
    rows: list[list[int]] = []
    for index in sorted(indexes, key=lambda i: (places[i].y0 + places[i].y1) / 2):
        piece = places[index]
        middle = (piece.y0 + piece.y1) / 2
        if rows:
            top, bottom = min(places[i].y0 for i in rows[-1]), max(places[i].y1 for i in rows[-1])
            if top < middle < bottom and piece.y0 < (top + bottom) / 2 < piece.y1:
                rows[-1].append(index)
                continue
        rows.append([index])
    return rows


def columns(places: list[OcrLine]) -> list[list[int]]:
    """The pieces in blocks to read one after the other: all of them, or, on a page set in two columns of
    prose, each stretch between lines that span both columns (a title, a running head) read left column first.
    Two columns are taken for prose only when most pieces on each side of the gutter fill half its width or
    more: a table's cells are short, and a table read column by column would lose its rows."""
    everything = [list(range(len(places)))]
    if len(places) < 2 * MIN_COLUMN_LINES:
        return everything
    left_edge, right_edge = min(p.x0 for p in places), max(p.x1 for p in places)
    width = right_edge - left_edge

    def crossing(x: float) -> int:
        return sum(1 for p in places if p.x0 < x < p.x1)

    # The gutter: between 30% and 70% of the text's width, where the fewest pieces cross, nearest the middle.
    steps = sorted(range(30, 71), key=lambda step: abs(step - 50))
    gutter = min((left_edge + width * step / 100 for step in steps), key=crossing)
    left = [i for i, p in enumerate(places) if p.x1 <= gutter]
    right = [i for i, p in enumerate(places) if p.x0 >= gutter]
    if crossing(gutter) > MAX_SPANNING * len(places) or min(len(left), len(right)) < MIN_COLUMN_LINES:
        return everything
    for side, span in ((left, gutter - left_edge), (right, right_edge - gutter)):
        if sorted(places[i].x1 - places[i].x0 for i in side)[len(side) // 2] < span / 2:
            return everything
    blocks: list[list[int]] = []
    band: tuple[list[int], list[int]] = ([], [])
    for index in sorted(range(len(places)), key=lambda i: places[i].y0):
        piece = places[index]
        if piece.x0 < gutter < piece.x1:
            blocks += [part for part in band if part] + [[index]]
            band = ([], [])
        else:
            band[1 if piece.x0 >= gutter else 0].append(index)
    return blocks + [part for part in band if part]


def tilt(quads: list) -> float:
    """A page's skew in radians (clockwise positive), the median slope of its long lines: a scan laid 2° askew
    is 70 px higher at one end of an A4 line than at the other at 300 dpi, more than a line's height. Slopes are
    taken within a half turn of level, so the quads must be turned near upright first (`quarter_turn`)."""
    import numpy as np

    slopes = []
    for q in quads:
        along, across = q[1] - q[0], q[2] - q[1]
        if np.hypot(*across) > np.hypot(*along):
            along, across = across, along
        if np.hypot(*along) > 3 * np.hypot(*across):
            slope = float(np.arctan2(along[1], along[0]))
            slopes.append((slope + np.pi / 2) % np.pi - np.pi / 2)
    return float(np.median(slopes)) if slopes else 0.0


def quarter_turn(running: list[int]) -> float:
    """The page's quarter turn (radians, clockwise positive) when most of its lines run down (1) or up (-1) it,
    as on a landscape page scanned sideways; 0 when most run across (0)."""
    import numpy as np

    if 2 * sum(1 for way in running if way) <= len(running):
        return 0.0
    return float(np.pi / 2 if sum(running) > 0 else -np.pi / 2)


def turning(angle: float):
    """The matrix that turns a row of points (x, y) back by `angle`: a line at that slope comes out level."""
    import numpy as np

    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
