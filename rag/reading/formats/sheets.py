"""Spreadsheets (.xlsx with openpyxl, .ods with odfpy, .csv with the standard library): each sheet's rows a line
each, every value named by its column ("Region: North; Q1: 1,204; Q2: 1,310"), in units of ROWS rows cited by sheet
and row numbers as the spreadsheet shows them: "sheet “Budget”, rows 2–26". Each unit starts with the column names,
so a passage cut from it still says what its numbers are."""

from __future__ import annotations

import csv
import datetime
import io

from rag.errors import PdfError
from rag.reading.formats.archives import checked
from rag.reading.formats.opendocument import load, odf_rows
from rag.reading.formats.units import Unit, clean, decoded

# Rows a unit: a screenful, which a citation can point into.
ROWS = 25
# What a workbook may hold, empty rows counted: a sheet of a million empty rows takes minutes to walk, and real
# sheets that people ask questions of hold thousands. Columns past MAX_COLUMNS are not read.
MAX_ROWS = 200_000
MAX_COLUMNS = 200
NOTHING = "The spreadsheet holds no values to search."
TOO_MANY_ROWS = (
    "This spreadsheet has over {limit:,} rows (empty ones counted), more than DocChat reads in one file; delete "
    "the rows it does not need, or split it, and upload it again."
)


def read_xlsx(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is imported: a bomb costs nothing
    import openpyxl  # imported in the reader's child only; it parses through defusedxml when installed

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise PdfError("The Excel file is damaged and cannot be read.") from exc
    visited = [0]
    sheets = []
    try:
        for sheet in book.worksheets:
            rows = []
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                visited[0] += 1
                if visited[0] > MAX_ROWS:
                    raise PdfError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
                rows.append([_shown(value) for value in values])
            sheets.append((sheet.title, rows))
        title = (book.properties.title or "").strip() or None
    finally:
        book.close()
    return sheet_units(sheets, named=len(sheets) > 1 or sheets[0][0] not in ("Sheet1", "Sheet", "Feuil1")), title


def read_ods(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is imported: a bomb costs nothing
    from odf.namespaces import TABLENS

    document = load(data, "The OpenDocument spreadsheet is damaged and cannot be read.")
    sheets = []
    for table in document.spreadsheet.childNodes:
        if getattr(table, "qname", None) != (TABLENS, "table"):
            continue
        rows = odf_rows(table, max_rows=MAX_ROWS)
        if len(rows) > MAX_ROWS:
            raise PdfError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
        sheets.append((table.getAttrNS(TABLENS, "name") or f"Sheet{len(sheets) + 1}", rows))
    return sheet_units(sheets, named=True), None


def read_csv(data: bytes) -> tuple[list[Unit], str | None]:
    text = decoded(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) >= MAX_ROWS:
                raise PdfError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
            rows.append(row[:MAX_COLUMNS])
    except csv.Error as exc:
        raise PdfError(f"The CSV file cannot be read: {exc}.") from exc
    return sheet_units([("", rows)], named=False), None


def _shown(value: object) -> str:
    """A cell's value as the spreadsheet shows it, near enough: 3 not 3.0, a date without midnight."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)


def sheet_units(sheets: list[tuple[str, list[list[str]]]], named: bool) -> list[Unit]:
    """Each sheet's rows in units of ROWS, numbered as the spreadsheet numbers its rows."""
    units: list[Unit] = []
    for name, rows in sheets:
        rows = [[clean(cell) for cell in row] for row in rows]
        filled = [(number, row) for number, row in enumerate(rows, 1) if any(row)]
        if not filled:
            continue
        header_at, header = _header(filled)
        # Notes above the column names (a title, who made it) are lines of their own, named by nothing.
        body = [(number, row) for number, row in filled if number != header_at]
        names = " | ".join(cell for cell in header if cell) if header_at else ""
        where = f"sheet “{name}”, " if named and name else ""
        if not body:  # a sheet of one row: that row is its content
            body, header, names, header_at = filled, [], "", 0
        for first in range(0, len(body), ROWS):
            part = body[first : first + ROWS]
            lines = [names] if names else []
            lines += [_row_line(header if number > header_at else [], row) for number, row in part]
            place = f"{where}rows {part[0][0]}–{part[-1][0]}" if len(part) > 1 else f"{where}row {part[0][0]}"
            starts = (name,) if named and name and first == 0 else ()
            units.append(Unit("\n".join(lines), "sheet", place, starts))
    if not units:
        raise PdfError(NOTHING)
    return units


# The column names are looked for among a sheet's first rows: below a title or a few notes, not further.
HEADER_SEARCH = 12


def _header(filled: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The row of column names: of a sheet's first rows, the one whose words head the most columns that the rows
    below it fill (a title or a note above the table heads none of them). A sheet with none is named by its
    columns' letters."""
    best, best_score = None, 1
    for at, (number, row) in enumerate(filled[:HEADER_SEARCH]):
        below = [r for _, r in filled[at + 1 : at + 4]]
        if not below:
            break
        cells = [cell for cell in row if cell]
        numbers = sum(1 for cell in cells if _is_number(cell))
        if numbers * 2 >= len(cells) or numbers >= 2:
            continue  # a row of data: column names are words (years above a table of figures are not read as names)
        score = sum(
            1
            for column, cell in enumerate(row)
            if cell
            and not _is_number(cell)
            and sum(1 for r in below if column < len(r) and r[column]) * 3 >= len(below) * 2
        )
        if score > best_score:
            best, best_score = (number, row), score
    if best is not None:
        return best
    width = max(len(r) for _, r in filled)
    return 0, [_letters(i) for i in range(width)]


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return False
    return True


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _row_line(header: list[str], row: list[str]) -> str:
    said = []
    for at, value in enumerate(row):
        if not value:
            continue
        name = header[at] if at < len(header) else ""
        said.append(f"{name}: {value}" if name else value)
    return "; ".join(said)
