"""Page furniture: the running heads, running feet and page numbers a printed page repeats. They are not what a
page says: glued into a passage they start its quotes ("Chapter 5: R Add-On Packages 23 ...") and blur its
meaning, so they are taken off each page's text before it is cut into passages.

A line is furniture when it stands among the first or last lines of a page and the same line, its numbers aside,
stands there on other pages near it ("6 GNU Octave (version 7.3.0)" on the even pages, "Chapter 4: Drawing
commands 17" through chapter 4), page numbers among them ("7", "- vii -", "Page 7 of 40"). Pages near it,
not the whole document: a chapter's running head changes with the chapter, and the pages are cut into passages as
they come, so a page waits only for the few after it.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import replace

from rag.reading.page import Page

# The lines of a page's top and of its foot that may be furniture: a running head and a page number, or a title
# line over a section line.
EDGE_LINES = 2
# The pages before and after a page whose edges are compared with its own. A book's running heads alternate
# between even and odd pages, so each is seen on every other page: four each way finds it twice on each side.
NEAR = 4
# Pages near it that must have the line at an edge too: two, so that one coincidence (a table's header line on
# two pages in a row) is kept, and a head on three pages of one kind is not.
SEEN_ON = 2
# A page that shares this share of its lines with another does not vote on the other's furniture: a slide built up
# a bullet at a time repeats its title and first bullets at its top, and they are what it says.
SAME_SHARE = 0.5
# A running head is a line, not a paragraph: longer lines are kept, whatever repeats.
MAX_CHARS = 100
_ROMAN = re.compile(r"(?=[ivxlcdm])m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_NUMBER_ALONE = re.compile(r"^\W*(\w+)\W*$")
_NUMBERS = re.compile(r"\d+")
_NUMBER_AT_END = re.compile(r"^\W*(\d{1,4})\b|\b(\d{1,4})\W*$")


def _roman(text: str) -> int:
    values = [_ROMAN_VALUES[c] for c in text.lower()]
    return sum(-v if n + 1 < len(values) and v < values[n + 1] else v for n, v in enumerate(values))


def _shape(line: str, page: int) -> str:
    """The form a running head keeps from page to page: its numbers as #. A number alone is a page number when
    its distance to the page's place in the file holds on pages near it; a number that ends a table at the foot
    of one page does not keep it."""
    alone = _NUMBER_ALONE.match(line)
    if alone and (alone[1].isdigit() or _ROMAN.fullmatch(alone[1])):
        value = int(alone[1]) if alone[1].isdigit() else _roman(alone[1])
        return f"page number {value - page}"
    return " ".join(_NUMBERS.sub("#", line).lower().split())


def _edges(page: Page) -> list[tuple[int, str]]:
    """(index among the page's lines, shape) of the lines at its top and foot that could be furniture."""
    lines = page.text.splitlines()
    filled = [n for n, line in enumerate(lines) if line.strip()]
    ends = filled[:EDGE_LINES] + [n for n in filled[-EDGE_LINES:] if n not in filled[:EDGE_LINES]]
    return [(n, _shape(lines[n].strip(), page.number)) for n in ends if len(lines[n].strip()) <= MAX_CHARS]


def _marks(page: Page) -> set[str]:
    """What the page's edges show to the pages near it: their shapes, and the page number a running head
    carries at its start or end ("Chapter 4: Function reference 9"). So a chapter's first page, numbered alone
    ("8"), is known by the heads of the pages after it."""
    lines = page.text.splitlines()
    marks = set()
    for n, shape in _edges(page):
        marks.add(shape)
        for number in _NUMBER_AT_END.findall(lines[n]):
            marks.add(f"page number {int(next(filter(None, number))) - page.number}")
    return marks


def _without(page: Page, shapes_near: Counter[str]) -> Page:
    if page.ocr_lines is not None:
        return page  # OCR reads a scan's lines with their boxes: its text is kept as read
    lines = page.text.splitlines()
    drop = {n for n, shape in _edges(page) if shapes_near[shape] >= SEEN_ON}
    if not drop:
        return page
    kept = "\n".join(line for n, line in enumerate(lines) if n not in drop)
    if not kept.strip():
        return page  # a page of nothing but its head: keep it as it is rather than empty
    return replace(page, text=kept)


def _lines(page: Page) -> set[str]:
    return {" ".join(line.split()) for line in page.text.splitlines() if line.strip()}


def _alike(a: set[str], b: set[str]) -> bool:
    """Two pages that say mostly the same: a slide built up a line at a time, or one repeated."""
    return bool(a and b) and len(a & b) >= SAME_SHARE * min(len(a), len(b))


def without_furniture(pages: Iterable[Page], near: int = NEAR) -> Iterator[Page]:
    """The pages, in order, each without its running head, running foot and page number. Lazy: a page is given
    as soon as the `near` pages after it are read."""
    # The pages before the one given next, it, and after it: each with its marks and its lines.
    window: deque[tuple[Page, set[str], set[str]]] = deque()

    def give(at: int) -> Page:
        page, _, lines = window[at]
        counts: Counter[str] = Counter()
        for n, (_, marks, other) in enumerate(window):
            if n != at and not _alike(lines, other):
                counts.update(marks)
        return _without(page, counts)

    given = 0  # index in the window of the next page to give
    for page in pages:
        window.append((page, _marks(page), _lines(page)))
        if len(window) - 1 - given >= near:
            yield give(given)
            given += 1
            if given > near:
                window.popleft()
                given -= 1
    while given < len(window):
        yield give(given)
        given += 1
