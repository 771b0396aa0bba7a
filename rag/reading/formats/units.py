"""What every native reader writes in: a Unit (what rag/reading/formats/native.py makes a Page of), text decoded as
its file spells it, a table a row a line under its header as the PDF reader writes one (rag/reading/layout.py), and
a document cut into units at its headings, each cited by its heading. It imports nothing of DocChat's, so that
every reader stays a short walk from the code that calls it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# A unit longer than this is cut at a paragraph: a citation names where to look, and a 40-page section without a
# heading would name nothing. About a printed page of prose.
UNIT_CHARS = 4_000


@dataclass(frozen=True)
class Unit:
    """A slide, a sheet's rows, a section, an e-mail's part: its text, what it is ("slide", "sheet", "section",
    "part"), how a citation names it ("slide 3"), and the path of headings that starts there (for the card)."""

    text: str
    unit: str
    place: str
    starts: tuple[str, ...] = ()
    landscape: bool = False


def decoded(data: bytes) -> str:
    """Text as the file spells it: UTF-8 (with or without its mark), UTF-16 with its mark, or else Windows-1252,
    which every byte decodes in and most old Western text files are in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def clean(text: str) -> str:
    return " ".join(text.split())


def table_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """A table's rows as lines: its header ("Item | Cost | Due"), then each row with every cell under its column's
    name ("Item: Paper; Cost: 12.50; Due: May"). A table of one column is its cells, a line each."""
    rows = [[clean(cell) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    if width < 2:
        return [row[0] for row in rows if row and row[0]]
    header = [*rows[0], *[""] * (width - len(rows[0]))]
    lines = [" | ".join(name for name in header if name)]
    for row in rows[1:]:
        said = [f"{name}: {value}" if name else value for name, value in zip(header, row, strict=False) if value]
        lines.append("; ".join(said))
    return lines


@dataclass
class Sections:
    """Lines gathered under the heading they follow, then Units: one a section, cut at UNIT_CHARS. A section's
    path of headings is its outline entry, so the document's card shows them as a manual's bookmarks."""

    units: list[tuple[tuple[str, ...], list[str]]] = field(default_factory=list)
    path: tuple[str, ...] = ()

    def heading(self, level: int, text: str) -> None:
        text = clean(text)
        if not text:
            return
        self.path = (*self.path[: max(level - 1, 0)], text)
        self.units.append((self.path, [text]))

    def line(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if not self.units:
            self.units.append(((), []))
        self.units[-1][1].append(text)

    def cut(self) -> list[Unit]:
        """The sections as units; [] when there is no text at all."""
        cut: list[Unit] = []
        paragraphs = 0
        for path, lines in self.units:
            for part, (first, chunk) in enumerate(runs(lines)):
                if path:
                    place = f"section “{path[-1]}”" + (" (continued)" if part else "")
                else:
                    place = f"paragraphs {paragraphs + first + 1}–{paragraphs + first + len(chunk)}"
                cut.append(Unit("\n".join(chunk), "section", place, path if not part else ()))
            paragraphs += len(lines)
        return cut if any(unit.text.strip() for unit in cut) else []


def runs(lines: list[str]) -> list[tuple[int, list[str]]]:
    """The lines in runs of at most UNIT_CHARS (a longer line is a run of its own), with where each run starts."""
    runs: list[tuple[int, list[str]]] = []
    size = 0
    for at, line in enumerate(lines):
        if not runs or size + len(line) > UNIT_CHARS:
            runs.append((at, []))
            size = 0
        runs[-1][1].append(line)
        size += len(line) + 1
    return runs
