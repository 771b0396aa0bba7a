"""Slide decks (issue 31): telling a deck from other documents, and what one slide's passage says.

A deck is a document-level call: most of its pages lie landscape and hold little text. A manual, a paper or a
report printed upright is never one, so nothing changes for them: of the 52 PDFs of bench/corpus and
bench/corpus-layout only the four decks have a landscape page at all.

A slide's passage is its title, then its text, without what every slide repeats (a navigation bar, a footline): the
passage is read first in an answer, and its first line should say what the slide is about.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rag.reading.page import Page

# A slide fits 13 to 18 lines of body text under its title (28- to 20-point lines on a 540-point high slide;
# Beamer's 11 points on its 272, 16); a landscape report or a spreadsheet printed landscape holds 40 and more. The
# median page of the two dev decks holds 10 and 6 lines (at most 15 and 16). A deck's landscape pages hold at most
# this many lines at the median.
SLIDE_LINES = 20
# Most pages, not all: a deck may carry an upright handout page or two.
LANDSCAPE_SHARE = 0.5
# A line standing on this share of the slides (and on CHROME_AT_LEAST of them) is the deck's own chrome: a
# navigation bar listing its sections, or a footline whose slide number changes. The page furniture rule
# (rag/reading/furniture.py) takes off only the two lines at a page's top and foot, and keeps a line carrying a
# number, a manual's chapter name; a line on half the slides says nothing about any one.
CHROME_SHARE = 0.5
CHROME_AT_LEAST = 3
# What a bulleted line starts with; a title never does.
_BULLET = re.compile(r"^[•◦▪▫■□●○◆◇►▶▸▹‣➢➤➔→✓✔*–—-](\s|$)")
# A title is a line, not a wrapped paragraph's last line.
TITLE_CHARS = 80
_NUMBERS = re.compile(r"\d+")
_WORD = re.compile(r"\w+")


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def is_deck(pages: Sequence[Page]) -> bool:
    """Whether the document is a slide deck: more than half its pages landscape, and those holding few lines. A
    deck's slides say they are (a .pptx read natively); one wide page alone (a photographed receipt, a flyer) is a
    page, not "slide 1"."""
    if pages and all(page.unit == "slide" for page in pages):
        return True
    wide = [page for page in pages if page.landscape]
    if len(wide) < 2 or len(wide) <= LANDSCAPE_SHARE * len(pages):
        return False
    return statistics.median(len(_lines(page.text)) for page in wide) <= SLIDE_LINES


def built_up(slide: Page, after: Page) -> bool:
    """Whether the next page builds on this slide: every word of it stands on the next, which adds a bullet or a
    word to a diagram's label ("viewable result", then "viewable result distiller" in the slideshow macros' deck,
    whose lines then differ, so four near copies of one slide were indexed)."""
    words = Counter(_WORD.findall(slide.text.lower()))
    return bool(words) and words <= Counter(_WORD.findall(after.text.lower()))


def _shape(line: str) -> str:
    # A footline keeps its words from slide to slide, and its slide number changes.
    return _NUMBERS.sub("#", line.lower())


@dataclass(frozen=True)
class DeckStyle:
    """What holds for every slide of a deck: the lines it repeats (their shapes), and where its titles stand."""

    chrome: frozenset[str] = frozenset()
    # The titles are drawn after the body, so PDFium reads them last: the slideshow macros' "Rationale" comes after
    # its five bullets. Told by the slides, most of which then start with a bullet: a title never does.
    titles_last: bool = False


def deck_style(slides: Sequence[str]) -> DeckStyle:
    """The style of a deck from its slides' texts, each slide once (on its fullest page)."""
    seen = Counter(shape for text in slides for shape in {_shape(line) for line in _lines(text)})
    enough = max(CHROME_AT_LEAST, CHROME_SHARE * len(slides))
    chrome = frozenset(shape for shape, count in seen.items() if count >= enough)
    bodies = [lines for lines in (_without_chrome(_lines(text), chrome) for text in slides) if len(lines) > 1]
    bulleted = sum(1 for lines in bodies if _BULLET.match(lines[0]))
    return DeckStyle(chrome, bulleted * 2 > len(bodies))


def _without_chrome(lines: list[str], chrome: frozenset[str]) -> list[str]:
    """The lines without the chrome before and after what the slide says; a slide of nothing else keeps it."""
    start, end = 0, len(lines)
    while start < end and _shape(lines[start]) in chrome:
        start += 1
    while end > start and _shape(lines[end - 1]) in chrome:
        end -= 1
    return lines[start:end] or lines


def slide_text(text: str, style: DeckStyle = DeckStyle()) -> tuple[str, str]:
    """The slide's title and its passage: the title first, then the rest of its lines, without the deck's chrome at
    its top and foot. The title is the first line of what the slide says: a title bar the furniture rule took off
    (Page.heads) is not put back, it is what every slide says."""
    lines = _without_chrome(_lines(text), style.chrome)
    if not lines:
        return "", ""
    last = lines[-1]
    if style.titles_last and len(lines) > 1 and _BULLET.match(lines[0]) and not _BULLET.match(last):
        if len(last) <= TITLE_CHARS:
            lines = [last, *lines[:-1]]
    return lines[0], "\n".join(lines)
