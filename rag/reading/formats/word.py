"""Word documents (.docx, with python-docx) and OpenDocument text (.odt, with odfpy): paragraphs and tables in the
order the document has them, cut into sections at its headings; a footnote or an endnote as a line of its own after
the paragraph that cites it ("Footnote 2: ..."). Headers and footers are left out, as a PDF's running heads are;
pictures and embedded objects are not opened."""

from __future__ import annotations

import io
import re

from rag.errors import PdfError
from rag.reading.formats.archives import checked
from rag.reading.formats.opendocument import all_under, load, odf_rows
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
    # Word numbers its notes in the order they are cited; their ids are not those numbers.
    notes = _docx_notes(document)
    cited = {"footnote": 0, "endnote": 0}

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
                for ref in child.iter(qn("w:footnoteReference"), qn("w:endnoteReference")):
                    kind = "footnote" if ref.tag == qn("w:footnoteReference") else "endnote"
                    note = notes.get((kind, ref.get(qn("w:id")) or ""))
                    if note:
                        cited[kind] += 1
                        sections.line(f"{kind.capitalize()} {cited[kind]}: {note}")
                # A text box drawn in the paragraph: Word keeps it twice (a drawing and its older fallback).
                said: set[str] = set()
                for box in child.iter(qn("w:txbxContent")):
                    lines = ("".join(t.text or "" for t in line.iter(qn("w:t"))) for line in box.iter(qn("w:p")))
                    text = " ".join(" ".join(lines).split())
                    if text and text not in said:
                        said.add(text)
                        sections.line(text)
            elif child.tag == qn("w:tbl") and _lays_out(child, qn("w:tbl")):
                for row in child.iterchildren(qn("w:tr")):
                    for cell in row.iterchildren(qn("w:tc")):
                        read(cell)
            elif child.tag == qn("w:tbl"):
                for line in table_lines(_docx_rows(Table(child, body))):
                    sections.line(line)
            elif child.tag == qn("w:sdt"):
                for content in child.iterchildren(qn("w:sdtContent")):
                    read(content)

    read(document.element.body)
    title = (document.core_properties.title or "").strip() or None
    return _units(sections), title


def _docx_notes(document: object) -> dict[tuple[str, str], str]:
    """The text of each footnote and endnote, by its kind and id. python-docx does not read them: they are parts of
    their own (word/footnotes.xml), parsed here with its parser, which resolves no entities."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    found: dict[tuple[str, str], str] = {}
    for rel in document.part.rels.values():  # type: ignore[attr-defined]
        kind = {RT.FOOTNOTES: "footnote", RT.ENDNOTES: "endnote"}.get(rel.reltype)
        if kind is None or rel.is_external:
            continue
        try:
            root = parse_xml(rel.target_part.blob)
        except (ValueError, SyntaxError, KeyError):
            continue
        for note in root.iterchildren(qn(f"w:{kind}")):
            paragraphs = ("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in note.iter(qn("w:p")))
            text = " ".join(" ".join(paragraphs).split())
            if text:
                found[(kind, note.get(qn("w:id")) or "")] = text
    return found


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


def _lays_out(table: object, nested: str) -> bool:
    """Whether a table lays out the document rather than holds rows of data: one whose cells hold tables of their
    own. Read as rows, its cells' text left the inner tables out (a rig procedure written as a form, every line of
    it in a table inside a table, read as nothing), so its cells are read as the document's own paragraphs and
    tables, in order, as a web page laid out in a table is (formats/web.py)."""
    return next(table.iterdescendants(nested), None) is not None  # type: ignore[attr-defined]


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

    def without_notes(paragraph: object) -> tuple[str, list[str]]:
        """A paragraph's text, and its notes as lines: odfpy reads a note's body where it is cited, in the middle
        of the sentence ("spreadsheet documents1In addition, Writer2LaTeX supports... – into other formats")."""
        notes = []
        for note in all_under(paragraph, (TEXTNS, "note")):
            mark = " ".join(teletype.extractText(c).strip() for c in all_under(note, (TEXTNS, "note-citation")))
            body = " ".join(teletype.extractText(b) for b in all_under(note, (TEXTNS, "note-body")))
            kind = "Endnote" if note.getAttrNS(TEXTNS, "note-class") == "endnote" else "Footnote"
            note.parentNode.removeChild(note)
            if body.strip():
                notes.append(f"{kind} {mark}: {' '.join(body.split())}".replace(" :", ":", 1))
        return teletype.extractText(paragraph), notes

    def walk(node: object) -> None:
        for child in getattr(node, "childNodes", ()):
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                level = child.getAttrNS(TEXTNS, "outline-level") or "1"
                text, notes = without_notes(child)
                sections.heading(int(level) if str(level).isdigit() else 1, text)
                for line in notes:
                    sections.line(line)
            elif qname == (TEXTNS, "p"):
                text, notes = without_notes(child)
                sections.line(text)
                for line in notes:
                    sections.line(line)
            elif qname == (TABLENS, "table") and all_under(child, (TABLENS, "table")):
                walk(child)  # a table laid out of tables: its cells' paragraphs and tables in order (_lays_out)
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
