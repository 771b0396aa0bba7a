"""What OpenDocument files (.odt, .odp, .ods, through odfpy) share: a table's rows as text, and the elements of a
kind anywhere under a node."""

from __future__ import annotations

import io

from rag.errors import PdfError


def load(data: bytes, damaged: str) -> object:
    """The document odfpy parses, or PdfError(`damaged`): odfpy raises whatever its parsers raise on a damaged file.
    Its archive is checked first (rag/reading/formats/archives.py), by the reader that calls this."""
    from odf import opendocument  # odfpy: imported in the reader's child only

    try:
        return opendocument.load(io.BytesIO(data))
    except Exception as exc:
        raise PdfError(damaged) from exc


# A row or a cell "repeated" this many times is the rest of an empty sheet (LibreOffice writes a million of them).
MAX_REPEAT = 100


def odf_rows(table: object, max_rows: int | None = None) -> list[list[str]]:
    """An OpenDocument table's rows as text, its repeated rows and cells spelled out (the empty rest left out).
    Stops past `max_rows` rows, so a caller can tell a table over its limit."""
    from odf import teletype
    from odf.namespaces import TABLENS

    rows: list[list[str]] = []

    def add_rows(node: object) -> None:
        for child in getattr(node, "childNodes", ()):
            qname = getattr(child, "qname", None)
            if qname == (TABLENS, "table-row"):
                cells: list[str] = []
                for cell in child.childNodes:
                    if getattr(cell, "qname", None) not in ((TABLENS, "table-cell"), (TABLENS, "covered-table-cell")):
                        continue
                    text = teletype.extractText(cell)
                    repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
                    cells.extend([text] * (min(repeat, MAX_REPEAT) if text.strip() else min(repeat, 1)))
                repeat = int(child.getAttrNS(TABLENS, "number-rows-repeated") or 1)
                for _ in range(min(repeat, MAX_REPEAT)):
                    rows.append(cells)
                    if max_rows is not None and len(rows) > max_rows:
                        return
            elif qname in ((TABLENS, "table-header-rows"), (TABLENS, "table-rows"), (TABLENS, "table-row-group")):
                add_rows(child)

    add_rows(table)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def all_under(node: object, qname: tuple[str, str]) -> list:
    """Every element named `qname` under `node`, in document order (not looking inside those found)."""
    found = []
    for child in getattr(node, "childNodes", ()):
        if getattr(child, "qname", None) == qname:
            found.append(child)
        else:
            found.extend(all_under(child, qname))
    return found
