"""A page read from where its text stands, not from the order the file stores it in: its runs of text (its words,
from PDFium's character boxes, or what OCR read) in rows, cells, columns and tables.

A table comes out a row a line, each cell under its column's header ("Genotype: AA; In situ: 6; Control: 32"): read
in the file's order it came out a column at a time, "In situ Control Total AA 6 32 38 AG 8 47 55", and a question
about a cell found the page but not the cell's row, nor its header. A row that names its headers is a line a quote
can show alone, and a passage cut between two rows keeps each row whole and readable. A matrix a program printed in
monospace (R's output, in statistics papers) is read the same way, from where its values line up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

# A run this many times the height of its row does not widen the row: a big bracket, a figure's rotated label.
TALL = 1.6
# Two runs of a row farther apart than this many of the row's heights are two cells: word spaces in justified
# prose stay under half a height, and a table's columns are at least two \tabcolsep (12 pt at 10 pt) apart.
CELL_GAP = 0.9
# Two columns need this many rows with a line of prose on either side of the gutter.
MIN_COLUMN_ROWS = 4
# A table has at least this many rows of at least two cells each, one after another.
MIN_ROWS = 3
# A row belongs to the table when most of its cells start or end where a column of the rows above does, within
# this many of the row's heights: a table's columns are set flush left, right or centred, prose is not.
ALIGN = 0.6
# Marks that open a list's item, set apart from it.
_MARKS = frozenset("•◦▪▫►▸‣–—*·-")
# A table's cells are short: two lines of prose side by side are not a table's row.
MAX_CELL_CHARS = 30
# A table that goes on from the one before starts with a row of data: mostly numbers, where a header is mostly words.
MAX_HEADER_DIGITS = 0.3


@dataclass(frozen=True)
class Run:
    """A word (or a piece OCR read) and its box as fractions of the page (origin at the top left)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    # The words a cell was joined from, each with its own box; () for a run read as one.
    words: tuple[Run, ...] = field(default=(), compare=False, repr=False)

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Row:
    cells: tuple[Run, ...]  # left to right

    @property
    def height(self) -> float:
        return median(c.height for c in self.cells)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


def rows_of(runs: Sequence[Run]) -> list[Row]:
    """Runs on one baseline made one row, left to right, rows top to bottom. A run shorter than the row (a
    superscript, a footnote mark) joins the row it stands beside."""
    rows: list[list[Run]] = []
    top = bottom = 0.0
    for run in sorted(runs, key=lambda r: r.y0 + r.y1):
        middle = (run.y0 + run.y1) / 2
        if rows and (top < middle < bottom or run.y0 < (top + bottom) / 2 < run.y1):
            rows[-1].append(run)
            # A formula's tall bracket, three lines high, would take in the rows above and below it.
            if run.height < TALL * (bottom - top):
                top, bottom = min(top, run.y0), max(bottom, run.y1)
        else:
            rows.append([run])
            top, bottom = run.y0, run.y1
    return [Row(tuple(sorted(row, key=lambda r: r.x0))) for row in rows]


def column_blocks(cells: Sequence[Run]) -> list[list[Run]]:
    """The cells in blocks to read one after the other: all of them; or, on a page set in two columns, each
    stretch of rows between rows that cross the gutter (a title, an abstract, a wide table or figure), its left
    column first. The gutter is where most rows have a line of prose on either side and none crosses: a table's
    cells leave gutters too, but are short, and a table read column by column would lose its rows."""
    rows = rows_of(cells)
    if sum(1 for row in rows if len(row.cells) > 1) < MIN_COLUMN_ROWS:
        return [list(cells)]  # no gutter can have prose on either side
    left_edge, right_edge = min(c.x0 for c in cells), max(c.x1 for c in cells)
    width = right_edge - left_edge

    def split_rows(gutter: float) -> int:
        wide_left, wide_right = (gutter - left_edge) / 2, (right_edge - gutter) / 2
        return sum(
            1
            for row in rows
            if not any(c.x0 < gutter < c.x1 for c in row.cells)
            and any(c.x1 <= gutter and c.x1 - c.x0 >= wide_left for c in row.cells)
            and any(c.x0 >= gutter and c.x1 - c.x0 >= wide_right for c in row.cells)
        )

    steps = sorted(range(30, 71), key=lambda step: abs(step - 50))
    gutter = max((left_edge + width * step / 100 for step in steps), key=split_rows)
    if split_rows(gutter) < MIN_COLUMN_ROWS:
        return [list(cells)]
    # Rows that cross the gutter are read across, with the few rows between them that do not (a wide table's row
    # whose cells happen to leave the gutter free): a wide table stays one block, and keeps its rows.
    crossing = [any(c.x0 < gutter < c.x1 for c in row.cells) for row in rows]
    # A table set across the page whose cells happen to leave the gutter free: rows of short cells on both sides,
    # MIN_ROWS of them or more, are read across too, or its right-hand columns came out after the left column.
    wide = (gutter - left_edge) / 2
    narrow = [
        any(c.x1 <= gutter for c in row.cells)
        and any(c.x0 >= gutter for c in row.cells)
        and all(c.x1 - c.x0 < wide for c in row.cells)
        for row in rows
    ]
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and narrow[end]:
            end += 1
        if end - start >= MIN_ROWS:
            crossing[start:end] = [True] * (end - start)
        start = end + 1
    runs: list[tuple[bool, list[Row]]] = []
    for row, across in zip(rows, crossing, strict=True):
        if runs and runs[-1][0] == across:
            runs[-1][1].append(row)
        else:
            runs.append((across, [row]))
    for n in range(1, len(runs) - 1):
        if not runs[n][0] and len(runs[n][1]) < MIN_COLUMN_ROWS - 1 and runs[n - 1][0] and runs[n + 1][0]:
            runs[n] = (True, runs[n][1])
    merged: list[tuple[bool, list[Row]]] = []
    for across, band in runs:
        if merged and merged[-1][0] == across:
            merged[-1][1].extend(band)
        else:
            merged.append((across, band))
    blocks: list[list[Run]] = []
    for across, band in merged:
        if across:
            blocks.append([c for row in band for c in row.cells])
        else:
            sides: tuple[list[Run], list[Run]] = ([], [])
            for cell in (c for row in band for c in row.cells):
                sides[1 if cell.x0 >= gutter else 0].append(cell)
            blocks += [side for side in sides if side]
    return blocks


def _cells(row: Row) -> list[Run]:
    """The row's runs joined where they are closer than a cell gap: a word set apart by kerning is no cell."""
    cells: list[Run] = []
    gap = CELL_GAP * row.height
    for run in row.cells:
        # A bullet set apart from its item is no cell: a list is not a table.
        if cells and (run.x0 - cells[-1].x1 < gap or cells[-1].text in _MARKS):
            last = cells[-1]
            cells[-1] = Run(
                f"{last.text} {run.text}",
                last.x0,
                min(last.y0, run.y0),
                run.x1,
                max(last.y1, run.y1),
                (*(last.words or (last,)), *(run.words or (run,))),
            )
        else:
            cells.append(run)
    return cells


def _aligned(cells: list[Run], edges: list[tuple[float, float, float]], tolerance: float) -> bool:
    """Most of the cells start, end or centre where a cell of the table's earlier rows does."""
    hits = sum(
        1
        for c in cells
        if any(
            abs(c.x0 - x0) < tolerance or abs(c.x1 - x1) < tolerance or abs((c.x0 + c.x1) / 2 - mid) < tolerance
            for x0, x1, mid in edges
        )
    )
    return 2 * hits > len(cells)


def _tables(rows: list[list[Run]]) -> list[tuple[int, int]]:
    """The stretches [start, end) of rows that form a table: MIN_ROWS rows or more of two cells or more, each
    aligned with the rows before it."""
    found: list[tuple[int, int]] = []
    start = 0
    while start < len(rows):
        if len(rows[start]) < 2:
            start += 1
            continue
        edges = [(c.x0, c.x1, (c.x0 + c.x1) / 2) for c in rows[start]]
        end = start + 1
        while end < len(rows) and len(rows[end]) >= 2:
            tolerance = ALIGN * median(c.y1 - c.y0 for c in rows[end])
            if not _aligned(rows[end], edges, tolerance):
                break
            edges += [(c.x0, c.x1, (c.x0 + c.x1) / 2) for c in rows[end]]
            end += 1
        if end - start >= MIN_ROWS and _tabular(rows[start:end]):
            found.append((start, end))
            start = end
        else:
            start += 1
    return found


def _tabular(rows: list[list[Run]]) -> bool:
    """Short cells; and, in two columns, numbers in most rows: a manual's list of options and what each does
    ("-c, --check   checks the syntax only") is set as two aligned columns of words, and read as a table its
    first option became the header of the others."""
    if median(len(c.text) for row in rows for c in row) > MAX_CELL_CHARS:
        return False
    return max(len(row) for row in rows) > 2 or 2 * sum(
        any(ch.isdigit() for c in row[1:] for ch in c.text) for row in rows
    ) >= len(rows)


def _digits(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isdigit() for c in chars) / max(len(chars), 1)


def _columns(rows: list[list[Run]]) -> list[tuple[float, float]]:
    """The spans the cells of all rows cover together, left to right."""
    spans: list[list[float]] = []
    for cell in sorted((c for row in rows for c in row), key=lambda c: c.x0):
        if spans and cell.x0 < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], cell.x1)
        else:
            spans.append([cell.x0, cell.x1])
    return [(x0, x1) for x0, x1 in spans]


def _by_column(row: list[Run], spans: list[tuple[float, float]]) -> list[str]:
    out = [""] * len(spans)
    for cell in row:
        column = next((n for n, (x0, x1) in enumerate(spans) if x0 <= (cell.x0 + cell.x1) / 2 <= x1), 0)
        out[column] = f"{out[column]} {cell.text}".strip()
    return out


# A word that may head a column: letters first, no brackets, commas or operators (a line of code is no header).
_HEADER_WORD = re.compile(r"^[^\W\d_][\w.%/+-]*$")


def _words(row: list[Run]) -> list[str]:
    return " ".join(c.text for c in row).split()


def _header_above(above: Sequence[list[Run]], columns: int) -> tuple[str, ...] | None:
    """The header set over a table of numbers in words that do not line up as its cells ("Bias MAE RMSE Bias MAE
    RMSE" over six columns of numbers and their row labels), with a line of words each spanning as many of them
    over it ("Intercept Slope"): ("", "Intercept Bias", ..., "Slope RMSE"). None unless the words are as many as
    the columns, or as the columns after the labels."""
    if not above:
        return None
    words = _words(above[-1])
    if len(words) not in (columns, columns - 1) or not all(_HEADER_WORD.match(w) for w in words):
        return None
    labels = [""] * (columns - len(words))
    if len(above) > 1:
        spanning = _words(above[-2])
        # Words that each head a group of the columns: few, capitalised, no sentence's end.
        if (
            1 < len(spanning) < len(words)
            and len(words) % len(spanning) == 0
            and all(w[:1].isupper() and w[-1] not in ".,;:" for w in spanning)
        ):
            width = len(words) // len(spanning)
            words = [f"{spanning[n // width]} {word}" for n, word in enumerate(words)]
    return (*labels, *words)


# A cell that is an aside in brackets alone, "(n = 60)": the second line of the label above it.
_ASIDE = re.compile(r"\([^()]*\)")


def _grouped(names: list[str], spans: list[tuple[float, float]], above: Sequence[Run]) -> list[str]:
    """A header whose names repeat ("nb ISE FOMc nb ISE FOMc") under the names of the groups set over them, one
    over each repeat ("Chromosome (n = 60)", "Infinity (n = 45)"): each column takes its group's ("Infinity (n =
    45) ISE"), and an unnamed column of labels before them the name over it ("Method"). Only words set over the
    groups they name: a running header over two copies of a table side by side names nothing."""
    unnamed = next((n for n, name in enumerate(names) if name), len(names))
    named = names[unnamed:]
    period = next((p for p in range(1, len(named) // 2 + 1) if named == named[:p] * (len(named) // p)), None)
    if period is None or not all(named) or len(above) != unnamed + len(named) // period:
        return names
    cells = sorted(above, key=lambda cell: cell.x0)
    out = [cell.text for cell in cells[:unnamed]]
    for group, cell in enumerate(cells[unnamed:]):
        columns = spans[unnamed + group * period : unnamed + (group + 1) * period]
        if _digits(cell.text) > MAX_HEADER_DIGITS or not columns[0][0] <= (cell.x0 + cell.x1) / 2 <= columns[-1][1]:
            return names
        out += [f"{cell.text} {name}" for name in named[group * period : (group + 1) * period]]
    return out


def table_lines(
    rows: list[list[Run]], header: tuple[str, ...] = (), above: Sequence[list[Run]] = ()
) -> tuple[list[str], tuple[str, ...]]:
    """A table's rows as lines, each cell under its column's header, and the header. The header is the first
    row ("FLC group | 50-54 | 55-59", "| 2019 | 2020"), unless that row is numbers: then the table goes on from
    one before (`header`, on this page or the page before, as a table runs on over a page break) when it has as
    many columns, or its header is the words set over it (`above`, the rows just above it, nearest last) that do
    not line up as cells. A one-cell line just above a table of numbers ("Powell") is the label of its group:
    it names each of its rows."""
    spans = _columns(rows)
    first = _by_column(rows[0], spans)
    numbers = _digits(" ".join(first)) > MAX_HEADER_DIGITS
    group = ""
    if numbers and above and len(above[-1]) == 1:
        label = above[-1][0].text
        if len(label) <= MAX_CELL_CHARS and all(_HEADER_WORD.match(w) for w in label.split()):
            group, above = label, above[:-1]
    named = _header_above(above, len(spans)) if numbers and len(header) != len(spans) else None
    if numbers and len(header) == len(spans):
        lines, body = [], rows
    elif named is not None:
        header, lines, body = named, [" | ".join(h for h in named if h)], rows
    else:  # a header of numbers (years, ages) is still the first row; a line above it is no group's label
        first = _grouped(first, spans, above[-1] if above else [])
        header, lines, body, group = tuple(first), [" | ".join(h for h in first if h)], rows[1:], ""
    label = ""
    for row in body:
        values = _by_column(row, spans)
        # A label set once for the rows it spans ("Chromosome" over its two algorithms) names each of them; one
        # set on two lines ("Chromosome", then "(n = 60)") is one label.
        if label and not label.endswith(")") and _ASIDE.fullmatch(values[0]):
            values[0] = f"{label} {values[0]}"
        values[0] = label = values[0] or label
        if group:
            values[0] = f"{group} {values[0]}".strip()
        said = [f"{name}: {value}" if name else value for name, value in zip(header, values, strict=True) if value]
        lines.append("; ".join(said))
    return lines, header


# A value as a program prints it in a matrix: 0.89206, -1.2e-05, 1069, 12%, <2e-16, NA.
_VALUE = re.compile(r"^(?:[<>]?[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?%?|NA|NaN|-?Inf)$", re.I)
# The significance marks R prints after a row's last value.
_STARS = re.compile(r"^(?:\*{1,3}|\.)$")


def _printed_row(row: list[Run]) -> tuple[list[Run], list[Run]] | None:
    """A row's label words and its values (two or more, at its end), or None: a line of a printed matrix."""
    words = [w for cell in row for w in (cell.words or (cell,))]
    stars = ""
    if words and _STARS.match(words[-1].text):
        stars, words = words[-1].text, words[:-1]
    values = 0
    while values < len(words) and _VALUE.match(words[len(words) - 1 - values].text):
        values += 1
    if values < 2 or values == len(words):
        return None
    cut = len(words) - values
    last = words[-1]
    if stars:
        words[-1] = Run(f"{last.text} {stars}", last.x0, last.y0, last.x1, last.y1)
    return words[:cut], words[cut:]


def _printed_header(row: list[Run], ends: list[float], labels_end: float, tolerance: float) -> list[str] | None:
    """The names over a printed matrix's columns, from the words of the line above it: each word heads the first
    column that ends at or after it (R sets a column's name flush right over its values: "Std. Error" over one
    column); None unless every column gets a name and the line starts after the rows' labels."""
    words = [w for cell in row for w in (cell.words or (cell,))]
    if not words or words[0].x0 < labels_end - tolerance:
        return None
    names: list[list[str]] = [[] for _ in ends]
    for word in words:
        if _VALUE.match(word.text) or _digits(word.text) > MAX_HEADER_DIGITS:
            return None
        column = next((n for n, end in enumerate(ends) if word.x1 <= end + tolerance), None)
        if column is None:
            return None
        names[column].append(word.text)
    return [" ".join(n) for n in names] if all(names) else None


def printed_matrices(rows: list[list[Run]]) -> list[tuple[int, int, list[str]]]:
    """The matrices a program printed in monospace (R's `summary`, `gofstat`): each as its names' row, the end of
    its rows, and its column names. Its columns are a word space or two apart, so no cell gap tells them, and the
    labels' column, as wide as its longest label, runs into the first column of values; the values line up at
    the right instead. A matrix needs two rows or more, each with as many values, and its names on the line just
    above."""
    parsed = [_printed_row(row) for row in rows]
    found: list[tuple[int, int, list[str]]] = []
    start = 1
    while start < len(rows):
        first = parsed[start]
        if first is None:
            start += 1
            continue
        tolerance = ALIGN * median(w.height for w in first[1])
        ends = [w.x1 for w in first[1]]
        end = start + 1
        while end < len(rows):
            row = parsed[end]
            if (
                row is None
                or len(row[1]) != len(ends)
                or any(abs(w.x1 - e) > tolerance for w, e in zip(row[1], ends, strict=True))
            ):
                break
            end += 1
        labels_end = max(r[0][-1].x1 for r in parsed[start:end] if r is not None)
        names = _printed_header(rows[start - 1], ends, labels_end, tolerance) if end - start >= 2 else None
        if names is None:
            start += 1
            continue
        found.append((start - 1, end, names))
        start = end + 1
    return found


def matrix_lines(rows: list[list[Run]], names: list[str]) -> list[str]:
    """A printed matrix's rows under its names ("Anderson-Darling statistic; lnorm: 3.4721; Pareto: 0.89206")."""
    lines = [" | ".join(names)]
    for row in rows:
        label, values = _printed_row(row)  # type: ignore[misc]
        said = [" ".join(w.text for w in label)]
        said += [f"{name}: {value.text}" for name, value in zip(names, values, strict=True)]
        lines.append("; ".join(said))
    return lines


@dataclass(frozen=True)
class Reading:
    text: str | None  # None: the file's own order reads the page as well
    header: tuple[str, ...]  # the page's last table's, for a table that runs on over the next page; () if none
    tables: int = 0


def read_page(runs: Sequence[Run], header: tuple[str, ...] = ()) -> Reading:
    """The page's text in reading order, with its tables a row a line under their headers; no text when the page
    is one column of text without a table, which the file's own order reads as well (and keeps superscripts and
    formulas inline, where rows from positions would set them on lines of their own). `header`: the last table's
    of the page before."""
    if not runs:
        return Reading(None, ())
    # Cells first, then columns: the columns of prose are told from a table's by how much of a column a cell fills.
    cells = [cell for row in rows_of(runs) for cell in _cells(row)]
    blocks = column_blocks(cells)
    lines: list[str] = []
    reordered = len(blocks) > 1
    last: tuple[str, ...] = ()  # a page without a table ends any table before it
    found = 0
    for block in blocks:
        rows = [_cells(row) for row in rows_of(block)]
        # A matrix a table takes in whole, a column for its labels and one for each of its values, is that table's:
        # the table's reading knows more (the labels' column's name, names over groups of columns). A table that
        # leaves out its names' row, or runs its labels into its first values, misread it.
        whole = _tables(rows)
        matrices = [
            (head, end, names)
            for head, end, names in printed_matrices(rows)
            if not any(
                start <= head < stop and len(_columns(rows[start:stop])) == len(names) + 1 for start, stop in whole
            )
        ]
        reordered = reordered or bool(matrices)
        at = 0
        for head, end, names in [*matrices, (len(rows), len(rows), [])]:
            segment = rows[at:head]
            # Without a matrix the segment is the block, whose tables are found already.
            tables = _tables(segment) if matrices else whole
            found += len(tables)
            reordered = reordered or bool(tables)
            done = 0
            for start, stop in tables:
                lines += [" ".join(c.text for c in row) for row in segment[done:start]]
                table, header = table_lines(segment[start:stop], header, segment[max(done, start - 3) : start])
                lines += table
                last = header
                done = stop
            lines += [" ".join(c.text for c in row) for row in segment[done:]]
            if names:
                lines += matrix_lines(rows[head + 1 : end], names)
            at = end
    return Reading("\n".join(lines) if reordered else None, last, found)
