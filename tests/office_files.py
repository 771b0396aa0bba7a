"""Small files of every kind DocChat reads besides PDFs, made in memory for tests with the same libraries real
programs' files are read with, and hostile ones made byte by byte."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from email.message import EmailMessage
from functools import cache


def odf_table(rows: list[tuple[str, ...]], name: str | None = None) -> object:
    """An OpenDocument table of text cells, a paragraph each."""
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    table = Table(name=name) if name else Table()
    table.addElement(TableColumn(numbercolumnsrepeated=len(rows[0])))
    for cells in rows:
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    return table


def docx_fill(table: object, rows: list[tuple[str, ...]]) -> None:
    """A python-docx table's cells given their text, row by row."""
    for row, cells in zip(table.rows, rows, strict=True):  # type: ignore[attr-defined]
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text


def docx_bytes(title: str = "Field guide") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Getting started", level=1)
    document.add_paragraph("The kettle boils water in ninety seconds when it is filled to the line.")
    document.add_heading("Prices", level=1)
    document.add_paragraph("What each model costs this year:")
    table = document.add_table(rows=3, cols=3)
    docx_fill(table, [("Model", "Price", "Colour"), ("Aster", "49 EUR", "green"), ("Briar", "65 EUR", "copper")])
    document.add_heading("Warranty", level=2)
    document.add_paragraph("Every kettle is covered for three years from the day it is bought.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_with_cover_and_text_box() -> bytes:
    """A Word file whose cover page is a content control (as Word's cover pages are) and whose first paragraph
    holds a text box, drawn the way Word writes one: a drawing, and its older fallback, each with the box's text."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    vml = 'xmlns:v="urn:schemas-microsoft-com:vml"'
    document = docx.Document()
    body = document.element.body
    cover = parse_xml(
        f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Annual report 2026</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Prepared by the finance office</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    body.insert(0, cover)
    paragraph = document.add_paragraph("Revenue grew in every region.")
    box = (
        f"<w:r {w} {vml}><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>Note: figures</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>are unaudited</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    paragraph._p.append(parse_xml(box))
    paragraph._p.append(parse_xml(box))  # Word's fallback copy of the same box
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_with_footnote() -> bytes:
    """A Word file whose paragraph cites a footnote, kept as Word keeps one: in a part of its own, under an id
    (7) that is not the number it shows (1)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    paragraph = document.add_paragraph("The kettle boils water in ninety seconds.")
    paragraph._p.append(parse_xml(f'<w:r {w}><w:footnoteReference w:id="7"/></w:r>'))
    document.add_paragraph("It switches itself off when the water boils.")
    notes = (
        f'<w:footnotes {w}><w:footnote w:type="separator" w:id="0"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="7"><w:p><w:r><w:t>Measured at sea level with one litre.</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    part = Part(PackURI("/word/footnotes.xml"), content_type, notes.encode(), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_with_footnote() -> bytes:
    """An OpenDocument text whose note sits inside its sentence, as Writer saves one."""
    from odf.opendocument import OpenDocumentText
    from odf.text import Note, NoteBody, NoteCitation, P

    document = OpenDocumentText()
    paragraph = P(text="The library opens at half past eight")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="On school holidays it opens at ten."))
    note.addElement(body)
    paragraph.addElement(note)
    paragraph.addText(" on weekdays.")
    document.text.addElement(paragraph)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def docx_form_in_tables() -> bytes:
    """A Word form laid out as a table whose cells hold tables, as a rig's procedure sheet is: a heading and
    the form's fields in the first cell, its steps in a table in the second."""
    import docx

    document = docx.Document()
    outer = document.add_table(rows=2, cols=1)
    first = outer.rows[0].cells[0]
    first.paragraphs[0].text = "Lay down tubulars"
    fields = first.add_table(rows=2, cols=2)
    docx_fill(fields, [("Revision", "Issued"), ("240-DOP-1013A", "11 December 2017")])
    steps = outer.rows[1].cells[0].add_table(rows=2, cols=2)
    docx_fill(steps, [("Step", "Work activity"), ("1", "Check the elevator size.")])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_form_in_tables() -> bytes:
    """The same form as Writer saves it: a table whose cell holds a paragraph and a table."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    document = OpenDocumentText()
    outer = Table()
    outer.addElement(TableColumn())
    row = TableRow()
    cell = TableCell()
    cell.addElement(P(text="Lay down tubulars"))
    cell.addElement(odf_table([("Revision", "Issued"), ("240-DOP-1013A", "11 December 2017")]))
    row.addElement(cell)
    outer.addElement(row)
    document.text.addElement(outer)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def pptx_bytes() -> bytes:
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Quarterly review"
    first.placeholders[1].text = "Sales rose in the northern region\nThe new depot opens in March"
    first.notes_slide.notes_text_frame.text = "Mention that the depot is in Tampere."
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Headcount"
    shape = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for row, cells in enumerate([("Team", "People"), ("Support", "14"), ("Research", "9")]):
        for col, text in enumerate(cells):
            shape.table.cell(row, col).text = text
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def xlsx_bytes(rows: int = 30) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Budget"
    sheet.append(["Item", "Cost", "Owner"])
    for n in range(1, rows + 1):
        sheet.append([f"Item {n}", n * 10.5, "Ana" if n % 2 else "Ben"])
    sheet.append(["Printer toner", 87.25, "Chidi"])
    other = book.create_sheet("Notes")
    other.append(["Topic", "Note"])
    other.append(["Audit", "The auditors visit on 14 May"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Opening hours"))
    document.text.addElement(P(text="The library opens at half past eight on weekdays."))
    table = odf_table([("Service", "Fee"), ("Late return", "0.50 a day"), ("Lost card", "3.00")], name="Fees")
    document.text.addElement(H(outlinelevel=1, text="Fees"))
    document.text.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def odp_bytes() -> bytes:
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    deck = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    deck.automaticstyles.addElement(layout)
    master = MasterPage(name="master", pagelayoutname=layout)
    deck.masterstyles.addElement(master)
    for title, body in [("Welcome", "The tour starts at the north gate"), ("Lunch", "Soup is served at noon")]:
        page = Page(masterpagename=master)
        deck.presentation.addElement(page)
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        frame.setAttrNS(PRESENTATIONNS, "class", "title")
        box = TextBox()
        box.addElement(P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        frame = Frame(width="20cm", height="10cm", x="1cm", y="5cm")
        box = TextBox()
        box.addElement(P(text=body))
        frame.addElement(box)
        page.addElement(frame)
    out = io.BytesIO()
    deck.write(out)
    return out.getvalue()


def ods_bytes() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet

    book = OpenDocumentSpreadsheet()
    book.spreadsheet.addElement(odf_table([("Day", "Cook"), ("Monday", "Priya"), ("Tuesday", "Olu")], name="Rota"))
    out = io.BytesIO()
    book.write(out)
    return out.getvalue()


HTML = b"""<!DOCTYPE html>
<html><head><title>Garden club</title><style>body { color: red }</style>
<script>var secret = "do not index this script";</script></head>
<body>
<nav>Home | About | Contact</nav>
<h1>Garden club</h1>
<p>Meetings are held on the first Tuesday of each month.</p>
<p style="display:none">Hidden text that nobody sees.</p>
<img src="http://example.invalid/tracker.png" alt="">
<h2>Plot sizes</h2>
<table><tr><th>Plot</th><th>Area</th></tr><tr><td>North</td><td>40 square metres</td></tr></table>
</body></html>
"""

MARKDOWN = b"""# Release notes

## Version 2.1

The export button now writes CSV files with a header row.

| Setting | Default |
|---|---|
| timeout | 30 seconds |
| retries | 4 |
"""

CSV = b"city,population,river\nLyon,522000,Rhone\nNantes,320000,Loire\n"


def eml_bytes() -> bytes:
    message = EmailMessage()
    message["From"] = "Ada <ada@example.org>"
    message["To"] = "team@example.org"
    message["Subject"] = "Moving the stand-up"
    message["Date"] = "Mon, 07 Dec 2026 09:00:00 +0000"
    message.set_content("From next week the stand-up starts at 9:45 in room Saturn.\n")
    message.add_attachment("Agenda: budget, hiring, the office move.\n", filename="agenda.txt")
    return message.as_bytes()


def png_with_text(text: str = "INVOICE 4711", size: tuple[int, int] = (900, 200)) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).text((40, 60), text, fill=0, font=ImageFont.load_default(size=64))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# Hostile files.


@cache
def zip_bomb_docx() -> bytes:
    """A Word file whose one part unpacks to 256 MiB of zeros (250 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(256):
                part.write(block)
    return out.getvalue()


def xlsx_empty_rows(count: int = 1_000_000, numbered: bool = True) -> bytes:
    """A workbook whose sheet holds `count` empty rows, each numbered as Excel writes them (<row r="7"/>), or not."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows=1)))
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, count + 1)) if numbered else b"<row/>" * count
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else base.read(info.filename)
            archive.writestr(info.filename, data)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG of that size: its signature and header chunk, enough for anything that reads its size."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def pptx_with_huge_picture() -> bytes:
    """A deck holding a picture that says it is 10,000 x 10,000 pixels (100 megapixels)."""
    base = zipfile.ZipFile(io.BytesIO(pptx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            archive.writestr(info.filename, base.read(info.filename))
        archive.writestr("ppt/media/image1.png", png_header(10_000, 10_000) + b"\0" * 64)
    return out.getvalue()


def encrypted_office() -> bytes:
    """What Office saves with a password: a Compound File holding "EncryptionInfo" and "EncryptedPackage" streams."""
    names = "".join(n.ljust(32, "\0") for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + names.encode("utf-16-le") + b"\0" * 1024
