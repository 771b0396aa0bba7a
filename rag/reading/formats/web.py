"""Web pages (.html, with Beautiful Soup on Python's own parser), Markdown and plain text, read as text and never
rendered: scripts, styles, forms' code and hidden text (display:none, the hidden attribute) are left out, and no
link, picture or style sheet is fetched. Headings cut them into sections; tables come a row a line under their
header, as everywhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.errors import PdfError
from rag.reading.formats.units import Sections, Unit, clean, decoded, table_lines

if TYPE_CHECKING:
    from bs4 import Tag

NOTHING = "The file holds no text to search."
# What a browser would not show, or what is code, not text.
_UNSHOWN = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "nav"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    "p div li ul ol dl dt dd pre blockquote section article main header footer aside figure figcaption address "
    "form fieldset details summary hr br tr caption center body".split()
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# What a table of data does not hold, but a page laid out in a table (as pages were before style sheets, and as
# generated manuals and mail still are) holds in its cells: headings, lists, paragraphs, tables of its own.
_LAYOUT = ("h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "pre", "blockquote", "p")


def _lays_out(table: Tag) -> bool:
    """Whether a table lays out a page rather than holds rows of data: read as rows, a home page in a layout table
    was one line of 3,000 characters under no heading. A data table's cell may hold a paragraph or a list; one
    that holds a heading or a table, or two paragraphs or lists, is a page's column."""
    for cell in table.find_all(["td", "th"]):
        inner = cell.find_all(_LAYOUT)
        if any(tag.name in ("table", "h1", "h2", "h3", "h4", "h5", "h6") for tag in inner) or len(inner) >= 2:
            return True
    return False


def read_html(data: bytes) -> tuple[list[Unit], str | None]:
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    soup = BeautifulSoup(decoded(data), "html.parser")
    title = clean(soup.title.get_text()) if soup.title else ""
    sections = Sections()
    buffer: list[str] = []

    def flush() -> None:
        text = clean("".join(buffer))
        buffer.clear()
        if text:
            sections.line(text)

    def hidden(tag: Tag) -> bool:
        return (
            tag.has_attr("hidden")
            or tag.get("aria-hidden") == "true"
            or bool(_HIDDEN_STYLE.search(str(tag.get("style") or "")))
            or (tag.name == "input" and tag.get("type") == "hidden")
        )

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                buffer.append(str(child))
                continue
            if not isinstance(child, Tag) or child.name in _UNSHOWN or child.name == "head" or hidden(child):
                continue
            if child.name in _HEADINGS:
                flush()
                sections.heading(_HEADINGS[child.name], child.get_text(" "))
            elif child.name == "table" and _lays_out(child):
                flush()
                walk(child)
                flush()
            elif child.name == "table":
                flush()
                rows = [
                    [cell.get_text(" ") for cell in row.find_all(["th", "td"], recursive=False) if not hidden(cell)]
                    for row in child.find_all("tr")
                    if not hidden(row)
                ]
                for line in table_lines(rows):
                    sections.line(line)
            elif child.name == "pre":
                flush()
                for line in child.get_text().splitlines():
                    sections.line(line)
            elif child.name in _BLOCKS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(soup)
    flush()
    return cut(sections), title or None


_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*\|?\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def read_markdown(data: bytes) -> tuple[list[Unit], str | None]:
    lines = decoded(data).splitlines()
    sections = Sections()
    paragraph: list[str] = []
    title = None

    def flush() -> None:
        if paragraph:
            sections.line(" ".join(paragraph))
            paragraph.clear()

    at = 0
    while at < len(lines):
        line = _LINK.sub(r"\1", lines[at])
        heading = _ATX.match(line)
        following = lines[at + 1] if at + 1 < len(lines) else ""
        if heading:
            flush()
            sections.heading(len(heading.group(1)), heading.group(2))
            title = title or (clean(heading.group(2)) if len(heading.group(1)) == 1 else None)
        elif line.strip() and not paragraph and _SETEXT.match(following) and not _PIPE_ROW.match(line):
            flush()
            sections.heading(1 if following.strip().startswith("=") else 2, line)
            at += 1
        elif _FENCE.match(line):
            flush()
            at += 1
            while at < len(lines) and not _FENCE.match(lines[at]):
                sections.line(lines[at])
                at += 1
        elif _PIPE_ROW.match(line) and _PIPE_RULE.match(following):
            flush()
            rows = [_cells(line)]
            at += 2
            while at < len(lines) and _PIPE_ROW.match(lines[at]) and lines[at].strip():
                rows.append(_cells(_LINK.sub(r"\1", lines[at])))
                at += 1
            for row_line in table_lines(rows):
                sections.line(row_line)
            continue
        elif not line.strip():
            flush()
        elif re.match(r"^\s*([-*+]|\d+[.)])\s+", line):
            flush()  # a list item is a line of its own
            paragraph.append(line.strip())
        else:
            paragraph.append(line.strip())
        at += 1
    flush()
    return cut(sections), title


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


# A heading in plain text: a line of its own, between blank lines, short, starting with a capital or a number and
# ending without a sentence's stop ("Purpose", "2.1 Building from source", "License"); or a line underlined.
_TEXT_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?[A-Z][^.,;!?]{0,58}[^.,;:!?\s]$")
_UNDERLINE = re.compile(r"^(=+|-+|~+|\*+)$")


def read_text(data: bytes) -> tuple[list[Unit], str | None]:
    """Plain text: its paragraphs (lines up to a blank one) under the headings it sets on lines of their own, cited
    by heading, or by paragraph numbers where it has none."""
    sections = Sections()
    blocks: list[list[str]] = [[]]
    for line in decoded(data).splitlines():
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [block for block in blocks if block]
    for at, block in enumerate(blocks):
        underlined = len(block) == 2 and _UNDERLINE.match(block[1]) and len(block[0]) <= 80
        if underlined:
            sections.heading(1 if block[1][0] == "=" else 2, block[0])
        elif len(block) == 1 and at + 1 < len(blocks) and _TEXT_HEADING.match(block[0]):
            sections.heading(2, block[0])
        else:
            sections.line(" ".join(block) if not _looks_set(block) else "\n".join(block))
    return cut(sections), None


def _looks_set(lines: list[str]) -> bool:
    """Lines set out one under the other (a list, a table, an address) rather than prose wrapped at a margin."""
    short = sum(1 for line in lines if len(line) < 40)
    return len(lines) > 1 and short * 2 > len(lines)


def cut(sections: Sections) -> list[Unit]:
    units = sections.cut()
    if not units:
        raise PdfError(NOTHING)
    return units
