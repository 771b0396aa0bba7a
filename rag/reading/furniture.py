"""Page furniture: the page numbers and the lines a document prints on every page. They are not what a page says:
glued into a passage they start its quotes and its snippets, and blur its meaning, so they are taken off each page's
text before it is cut into passages.

A line is furniture when it stands among the first or last lines of a page and either
- it is a page number ("7", "- vii -", "Page 7 of 40"): a number whose distance to the page's place in the file
  holds on two other pages among the four before and after it, so a number ending a table is kept;
- or it holds no number and stands there on half the document's pages ("Shared MIME-info Database", a deck's
  "Martin J. Fiedler Introducing Impressive"). A line without a number that repeats only near it is more often a
  table's header, printed again on each page the table runs over ("package popcon size keyword description").

A running head that carries the page number ("Chapter 4: Drawing commands 17", "6 GNU Octave (version 7.3.0)") is
kept: taken off too, it lowered recall@1 on the unseen held-out manuals from 0.79 to 0.75 (dev 0.74 -> 0.73), even
with its words kept in the passage's searched context; its chapter's name is what the passage is about. On the
layout set it had raised recall@5 from 0.87 to 0.91 (bench/layouts.py): the manuals decide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from rag.reading.page import Page

# The lines of a page's top and of its foot that may be furniture: a running head and a page number, or a title
# line over a section line.
EDGE_LINES = 2
# The pages before and after a page whose edges are compared with its own: a page number printed at the foot of
# some pages and the head of others (a chapter's first page) is still seen twice on each side.
NEAR = 4
# Pages near it that must have a page number at the same distance too: two, so that one coincidence (a count ending
# a table) is kept.
SEEN_ON = 2
# A page that shares this share of its lines with another does not vote on the other's furniture: a slide built up
# a bullet at a time repeats its title and first bullets at its top, and they are what it says.
SAME_SHARE = 0.5
# The share of the document's pages a line without a number must stand at the edge of to be furniture.
EVERYWHERE = 0.5
# A running head is a line, not a paragraph: longer lines are kept, whatever repeats.
MAX_CHARS = 100
_ROMAN = re.compile(r"(?=[ivxlcdm])m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})", re.I)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_NUMBER_ALONE = re.compile(r"^\W*(\w+)\W*$")
_NUMBERS = re.compile(r"\d+")
_NUMBERS_AROUND = re.compile(r"^\W*\d{1,4}\s+|\s+\d{1,4}\W*$")
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


def _furniture(shape: str, near: Counter[str], everywhere: set[str]) -> bool:
    if shape.startswith("page number"):
        return near[shape] >= SEEN_ON
    return "#" not in shape and shape in everywhere  # a running head with its page number is kept


def _without(page: Page, shapes_near: Counter[str], everywhere: set[str]) -> Page:
    if page.ocr_lines is not None:
        return page  # OCR reads a scan's lines with their boxes: its text is kept as read
    lines = page.text.splitlines()
    edges = _edges(page)
    drop = {n for n, shape in edges if _furniture(shape, shapes_near, everywhere)}
    if not drop:
        return page
    kept = "\n".join(line for n, line in enumerate(lines) if n not in drop)
    if not kept.strip():
        return page  # a page of nothing but its head: keep it as it is rather than empty
    heads = (_NUMBERS_AROUND.sub("", lines[n]).strip() for n, shape in edges if n in drop)
    return replace(page, text=kept, heads=tuple(h for h in dict.fromkeys(heads) if any(c.isalpha() for c in h)))


def page_lines(page: Page) -> set[str]:
    """The page's lines, spacing aside: what two pages are compared on."""
    return {" ".join(line.split()) for line in page.text.splitlines() if line.strip()}


def _alike(a: set[str], b: set[str]) -> bool:
    """Two pages that say mostly the same: a slide built up a line at a time, or one repeated."""
    return bool(a and b) and len(a & b) >= SAME_SHARE * min(len(a), len(b))


def without_furniture(pages: Iterable[Page], near: int = NEAR) -> list[Page]:
    """The pages, in order, each without its page numbers and the lines printed on every page."""
    pages = list(pages)
    marks = [_marks(page) for page in pages]
    lines = [page_lines(page) for page in pages]
    # A slide built up a bullet at a time counts once, on its fullest page: its title is on each of its pages.
    fullest = [n for n in range(len(pages)) if n + 1 == len(pages) or not _alike(lines[n], lines[n + 1])]
    seen = Counter(shape for n in fullest for shape in marks[n])
    everywhere = {shape for shape, count in seen.items() if count >= max(3, EVERYWHERE * len(fullest))}
    out = []
    for at, page in enumerate(pages):
        counts: Counter[str] = Counter()
        for n in range(max(0, at - near), min(len(pages), at + near + 1)):
            if n != at and not _alike(lines[at], lines[n]):
                counts.update(marks[n])
        out.append(_without(page, counts, everywhere))
    return out
