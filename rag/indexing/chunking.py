"""Splits page texts into chunks that each belong to exactly one page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.indexing.slides import DeckStyle, built_up, deck_style, is_deck, slide_text
from rag.reading.furniture import page_lines
from rag.reading.page import Page
from rag.store.chunk import Chunk

_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# pypdf leaves words hyphenated across line ends ("hyphen-\nated"); joining them helps both retrievers.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
# A line of a table of contents or an index: "8.6.2 Shared library ABI changes . . . . . . 72".
_LEADER = re.compile(r"(?:\.[ \t]?){5,}")


def clean_text(text: str) -> str:
    text = text.replace("\x00", "")
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _section_marks(text: str, sections: Sequence[tuple[str, ...]]) -> list[tuple[int, tuple[str, ...]]]:
    """(offset in text, section path) for each section starting on the page. A heading that cannot be
    found in the text is taken to start the page, where most do."""
    marks, lowered, start = [], text.lower(), 0
    for path in sections:
        found = lowered.find(path[-1].lower(), start)
        if found < 0:
            found = _find_squashed(lowered, path[-1], start)
        offset = found if found >= 0 else start
        marks.append((offset, path))
        start = offset
    return marks


def _find_squashed(lowered: str, title: str, start: int) -> int:
    # Titles in outlines have single spaces; page text may break them over lines.
    pattern = r"\s+".join(re.escape(word) for word in title.lower().split())
    found = re.compile(pattern).search(lowered, start) if pattern else None
    return found.start() if found else -1


def context_label(title: str, section: tuple[str, ...], heads: tuple[str, ...] = ()) -> str:
    # The two innermost headings say where a passage is; the outer ones mostly repeat the title. A running head
    # the page lost (rag/reading/furniture.py: a deck's or a journal's line on every page) stays with it here,
    # where it is searched but never quoted.
    said = " ".join([title, *section]).lower()
    new_heads = [h for h in heads if h.lower() not in said]
    return " > ".join([title, *new_heads, *section[-2:]])


# A page a deck builds up is a slide: a title and a few bullets. A page of a manual or a price list, even repeated
# whole on the next, is more than this and is always indexed.
BUILD_LINES = 15
# A slide is one passage unless it is longer than this many passage sizes: cut at 800 characters, a slide of 900
# would leave a tail of a line or two that says nothing alone. Past 1.5 (1,200 characters) the local embedding,
# which reads 256 word pieces, would no longer read its end. The dev decks' longest slide holds 525.
LONG_SLIDE = 1.5


def fullest_builds(pages: Iterable[Page], deck: bool = False) -> Iterator[Page]:
    """The pages without those a slide deck builds up from: a page whose every line is on the next page too (the
    next shows one more bullet) is left out, so one slide is one passage, on its fullest page, instead of three to
    nine near copies crowding the five passages read. Its outline sections go on with the next page. In a known
    deck a page whose every word is on the next is left out too (rag/indexing/slides.py built_up)."""
    held: Page | None = None
    for page in pages:
        if held is not None:
            lines = page_lines(held)
            if (lines and len(lines) <= BUILD_LINES and lines <= page_lines(page)) or (deck and built_up(held, page)):
                page = replace(page, sections=held.sections + page.sections)
            else:
                yield held
        held = page
    if held is not None:
        yield held


def iter_chunks(
    pages: Iterable[Page],
    *,
    doc_id: str,
    filename: str,
    chunk_size: int,
    chunk_overlap: int,
    title: str | None = None,
) -> Iterator[Chunk]:
    """The pages' passages, in order. A slide deck's (rag/indexing/slides.py) are one a slide, its title first,
    cited as slides."""
    pages = list(pages)  # a deck is told by all its pages
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    title = title or title_from_filename(filename)
    index = 0
    section: tuple[str, ...] = ()  # carries over from page to page until the next heading
    deck = is_deck(pages)
    kept = list(fullest_builds(pages, deck))
    style = deck_style([clean_text(page.text) for page in kept]) if deck else DeckStyle()
    # Splitting each page on its own keeps every chunk's page exact, which citations rely on.
    for page in kept:
        text = clean_text(page.text)
        heading = ""
        if deck:
            heading, text = slide_text(text, style)
        marks = _section_marks(text, page.sections)
        whole = deck and 0 < len(text) <= LONG_SLIDE * chunk_size
        cursor = 0
        for piece in [text] if whole else splitter.split_text(text):
            at = text.find(piece[:80], cursor)
            cursor = at if at >= 0 else cursor
            middle = cursor + len(piece) // 2
            current = next((path for offset, path in reversed(marks) if offset <= middle), section)
            label = context_label(title, current, page.heads)
            if heading and not piece.startswith(heading):
                label += f" > {heading}"  # a long slide's later passages are searched under its title
            unit = "slide" if deck else page.unit
            yield Chunk(doc_id, filename, page.number, index, piece, label, page.ocr, unit=unit, place=page.place)
            index += 1
        if marks:
            section = marks[-1][1]


def title_from_filename(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return " ".join(stem.replace("_", " ").replace("-", " ").split()) or filename


def is_listing(text: str) -> bool:
    """A passage of a contents page or an index: most of its lines end in dot leaders and a page number."""
    lines = [line for line in text.splitlines() if line.strip()]
    leaders = sum(1 for line in lines if _LEADER.search(line))
    # Three such lines at least, unless the passage is shorter: the last line of a contents page on its own.
    return leaders >= min(3, len(lines)) > 0 and leaders * 2 >= len(lines)


def chunk_pages(
    pages: Iterable[Page],
    *,
    doc_id: str,
    filename: str,
    chunk_size: int,
    chunk_overlap: int,
    title: str | None = None,
) -> list[Chunk]:
    chunks = list(
        iter_chunks(
            pages, doc_id=doc_id, filename=filename, chunk_size=chunk_size, chunk_overlap=chunk_overlap, title=title
        )
    )
    # Contents and index pages are 12% of the passages of 29 Debian manuals and never the page a question is
    # about: not embedding them pays for the smaller passages' cost in ingestion speed. A document made mostly
    # of such lines (a price list) keeps them all, or it could not be searched at all.
    kept = [chunk for chunk in chunks if not is_listing(chunk.text)]
    if len(kept) * 2 < len(chunks):
        return chunks
    return [replace(chunk, chunk_index=index) for index, chunk in enumerate(kept)]
