"""Word documents (.docx, with python-docx) and OpenDocument text (.odt, with odfpy): paragraphs and tables in the
order the document has them, cut into sections at its headings. Headers and footers are left out, as a PDF's running
heads are; pictures and embedded objects are not opened."""

from __future__ import annotations

import io
import re

from rag.errors import PdfError
from rag.reading.formats.archives import checked
from rag.reading.formats.opendocument import load, odf_rows
from rag.reading.formats.units import Sections, Unit, table_lines

NOTHING = "The document holds no text to search."
_LEVEL = re.compile(r"(\d+)")


def read_docx(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is even imported: a bomb is refused for nothing
    import docx  # python-docx: imported in the reader's child only
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (ValueError, KeyError, OSError, AttributeError, TypeError, SyntaxError) as exc:
        raise PdfError("The Word file is damaged and cannot be read.") from exc
    sections = Sections()
    body = document._body

    def read(element: object) -> None:
        """The paragraphs and tables under `element` in order, with those inside content controls (a cover page's
        title and date, a form's fields), which python-docx's own iteration skips."""
        for child in element.iterchildren():  # type: ignore[attr-defined]
            if child.tag == qn("w:p"):
                paragraph = Paragraph(child, body)
                level = _heading_level(paragraph)
                if level:
                    sections.heading(level, paragraph.text)
                else:
                    sections.line(paragraph.text)
                # A text box drawn in the paragraph: Word keeps it twice (a drawing and its older fallback).
                said: set[str] = set()
                for box in child.iter(qn("w:txbxContent")):
                    lines = ("".join(t.text or "" for t in line.iter(qn("w:t"))) for line in box.iter(qn("w:p")))
                    text = " ".join(" ".join(lines).split())
                    if text and text not in said:
                        said.add(text)
                        sections.line(text)
            elif child.tag == qn("w:tbl"):
                for line in table_lines(_docx_rows(Table(child, body))):
                    sections.line(line)
            elif child.tag == qn("w:sdt"):
                for content in child.iterchildren(qn("w:sdtContent")):
                    read(content)

    read(document.element.body)
    title = (document.core_properties.title or "").strip() or None
    return _units(sections), title


def _heading_level(paragraph: object) -> int:
    try:
        name = paragraph.style.name or ""  # type: ignore[attr-defined]
    except (AttributeError, KeyError, ValueError):
        return 0
    if name == "Title":
        return 1
    if name.startswith("Heading"):
        found = _LEVEL.search(name)
        return int(found.group(1)) if found else 1
    return 0


def _docx_rows(table: object) -> list[list[str]]:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            # A cell merged across columns comes back once a column: it is one cell.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append(cells)
    return rows


def read_odt(data: bytes) -> tuple[list[Unit], str | None]:
    checked(data)  # before its parser is even imported: a bomb is refused for nothing
    from odf import teletype  # odfpy: imported in the reader's child only
    from odf.namespaces import TABLENS, TEXTNS

    document = load(data, "The OpenDocument file is damaged and cannot be read.")
    sections = Sections()

    def walk(node: object) -> None:
        for child in getattr(node, "childNodes", ()):
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                level = child.getAttrNS(TEXTNS, "outline-level") or "1"
                sections.heading(int(level) if str(level).isdigit() else 1, teletype.extractText(child))
            elif qname == (TEXTNS, "p"):
                sections.line(teletype.extractText(child))
            elif qname == (TABLENS, "table"):
                for line in table_lines(odf_rows(child)):
                    sections.line(line)
            elif qname is not None:
                walk(child)  # lists, sections, frames: their paragraphs in order

    walk(document.text)
    title = None
    for node in document.meta.childNodes:
        if getattr(node, "qname", (None, None))[1] == "title":
            title = teletype.extractText(node).strip() or None
    return _units(sections), title


def _units(sections: Sections) -> list[Unit]:
    units = sections.cut()
    if not units:
        raise PdfError(NOTHING)
    return units
