"""A passage cut into the pieces a quote is made of: the sentences of its prose, and the lines that stand alone
(a definition list's entry, a table's row, a line of code), each whole and never cut inside a word.

PDF text keeps the page's lines, and where a line ends says what it is: prose runs to the right margin and on
into the next line, while a heading, a term, a table row, a line of code or the end of a paragraph stops short.
Joined into one line first (as quotes were until issue 30), a table of "mon Months since January (0-11)." rows
or a list of options became one run of hundreds of characters, cut every 400 wherever a space fell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.text import FIGURE_LABELS, PASSAGE_BREAK, TABLE_ROW, flat

PieceKind = Literal["sentence", "entry", "line", "label"]

MIN_CHARS = 25
# A sentence longer than this is cut at its last clause mark (or space) before it: a reader takes in 400
# characters at a glance; more is a paragraph.
MAX_CHARS = 400
# A definition list's entry (term and description) up to this long is one piece, quoted whole; a longer one is
# cut into its sentences, the term staying with the first.
ENTRY_CHARS = 500
# A line at least this share of the passage's usual full line runs on into the next (proportional fonts make
# full lines differ by about a tenth in characters).
FULL_LINE = 0.8
# The share of a passage's lines at most as long as its full line.
WIDE_AT = 0.9

# Dot leaders of a table of contents, or a line of nothing but numbers and symbols.
_JUNK = re.compile(r"\.{4,}|^[\W\d_]+$")
_SENTENCE_END = re.compile(r"[.!?:;]['\")\]]?$")
_BULLET = re.compile(r"^[•\u2022\u2013\u2014\x88*·]\s")
# A definition list's term, then its description: "-nodeps The package manager...", "mon Months since January",
# "TRAPZERR Executed whenever...". Prose starts with an ordinary capitalised word instead.
_TERM_START = re.compile(
    r"^(?:[-\\$%@.~/]\S*|[a-z]\S*|[A-Z][A-Z0-9_]+\S*|\S*[_(){}\[\]<>=]\S*)(?: <\w+>)? +[A-Z<(\"'‘“]"
)
_CLAUSE = re.compile(r"[;:,]\s")
# A numbered heading ("2.7 Editing modes", "Chapter 7: Job Control 115"), which is no definition's term.
_NUMBERED = re.compile(r"^(\d+(\.\d+)*\.?|[A-Z]\.\d+(\.\d+)*|Chapter|Section|Appendix|Table|Figure)\b")


@dataclass(frozen=True)
class Piece:
    """One piece of a passage a quote may hold: its words on one line, exactly as the passage has them."""

    text: str
    kind: PieceKind
    heading: str  # the label above it in the passage (a heading, or a definition's term), or ""
    block: int  # the pieces of one block (a paragraph, an entry) read on into each other; blocks do not


def _blocks(text: str) -> list[list[str]]:
    """The passage's lines grouped: a line that stops short of the margin ends its block."""
    lines = [line.strip() for line in text.splitlines()]
    if not any(lines):
        return []
    # The length of a full line: most lines of prose are full. A table's rows (each a block of its own below) are
    # no measure of it: rows longer than the column beside them made its full lines look short, and its sentences
    # were cut at line ends.
    widths = sorted(len(line) for line in lines if line and not TABLE_ROW.match(line)) or [1]
    wide = widths[int(WIDE_AT * (len(widths) - 1))]
    blocks: list[list[str]] = []
    runs_on = False
    for line in lines:
        if not line:
            runs_on = False
            continue
        if FIGURE_LABELS.match(line):  # never quoted, nor run on into the caption below it
            runs_on = False
            continue
        if TABLE_ROW.match(line):
            blocks.append([line])
            runs_on = False
            continue
        # A full line that ends a sentence still ends the block before a heading or a term on a line of its own.
        label = len(line) < FULL_LINE * wide and not _SENTENCE_END.search(line)
        if runs_on and not _BULLET.match(line) and not (label and _SENTENCE_END.search(blocks[-1][-1])):
            blocks[-1].append(line)
        else:
            blocks.append([line])
        # A colon at a line's end announces a list, a table or code on the lines below.
        runs_on = len(line) >= FULL_LINE * wide and len(line) > 40 and not line.endswith(":")
    return blocks


def _cut(sentence: str) -> list[str]:
    """A sentence too long to quote, in pieces cut after a clause mark where there is one, else at a space."""
    pieces = []
    while len(sentence) > MAX_CHARS:
        marks = [m.end() for m in _CLAUSE.finditer(sentence, MIN_CHARS, MAX_CHARS)]
        cut = marks[-1] if marks and marks[-1] > MAX_CHARS // 2 else sentence.rfind(" ", MIN_CHARS, MAX_CHARS)
        cut = cut if cut > 0 else MAX_CHARS
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    pieces.append(sentence.strip())
    return pieces


def _is_label(block: list[str], last: bool) -> bool:
    """A heading or a definition's term on a line of its own: short, no full stop, with something after it."""
    return len(block) == 1 and not last and len(block[0]) <= 80 and not _SENTENCE_END.search(block[0])


def term_of(pieces: list[Piece], index: int) -> Piece | None:
    """The definition's term a piece opens the description of ("%(datefmt)T" above "Causes printf to output the
    date-time string..."): the label just above the first piece of a block, unless it is a numbered heading."""
    piece = pieces[index]
    if index == 0 or pieces[index - 1].block == piece.block:
        return None
    above = pieces[index - 1]
    if above.kind != "label" or above.block != piece.block - 1 or _NUMBERED.match(above.text):
        return None
    return above


def passage_pieces(text: str) -> list[Piece]:
    """The passage's pieces in reading order, none a contents line; short ones too ("clf ();"), which may
    finish a quote but are too short to start one (MIN_CHARS)."""
    pieces: list[Piece] = []
    heading = ""
    blocks = _blocks(text)
    for number, block in enumerate(blocks):
        joined = flat(" ".join(block))
        if TABLE_ROW.match(joined):  # a row names its own headers: no label over what follows, nor one's term
            kinds = [(joined, "line")]
        elif _is_label(block, number == len(blocks) - 1):
            heading = joined
            kinds: list[tuple[str, PieceKind]] = [(joined, "label")]
        elif len(block) == 1 and len(joined) <= MAX_CHARS and not _TERM_START.match(joined):
            kinds = [(s, "sentence" if len(block) > 1 else "line") for s in PASSAGE_BREAK.split(joined)]
        elif _TERM_START.match(joined) and len(joined) <= ENTRY_CHARS:
            kinds = [(joined, "entry")]
        else:
            kinds = [(part, "sentence") for s in PASSAGE_BREAK.split(joined) for part in _cut(s)]
        pieces += [Piece(t, kind, heading if t != heading else "", number) for t, kind in kinds]
    return [p for p in pieces if p.text and not _JUNK.search(p.text)]


def short_lines_joined(pieces: list[Piece]) -> list[Piece]:
    """A slide's pieces with each run of lines too short to quote alone made one piece: a title slide is a few
    short lines ("Introducing", "Slide Show Macros", "by", "Patrick TJ McPhee"), and none of them could be quoted,
    so "Who wrote the slide show macros?" was answered from another slide."""
    out: list[Piece] = []
    run: list[Piece] = []
    for piece in [*pieces, None]:
        if piece is not None and len(piece.text) < MIN_CHARS:
            run.append(piece)
            continue
        if len(run) > 1:
            out.append(Piece(" ".join(p.text for p in run), "line", run[0].heading, run[0].block))
        else:
            out += run
        run = []
        if piece is not None:
            out.append(piece)
    return out


def passage_sentences(text: str) -> list[str]:
    """The texts of a passage's pieces long enough to quote (the sentences of its prose, its entries, rows and
    code lines)."""
    return [p.text for p in passage_pieces(text) if len(p.text) >= MIN_CHARS]
