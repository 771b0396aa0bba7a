"""Files other than PDFs: what each kind is told to be from its content, the units each is read into and how their
citations name them, and the hostile ones refused before they are unpacked."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image

from rag.errors import PdfError
from rag.reading.formats.archives import BOMB, HUGE_PICTURE
from rag.reading.formats.identify import LOCKED_OFFICE, NOT_CLAIMED, NOT_PDF, OLD_OFFICE, identify
from rag.reading.formats.images import image_pdf
from rag.reading.formats.native import read_native
from rag.reading.formats.sheets import MAX_ROWS, TOO_MANY_ROWS
from rag.reading.unit_image import render_unit
from tests import office_files as made
from tests.pdfs import make_pdf, scanned_pdf


def units(data: bytes, name: str) -> list[tuple[str, str]]:
    pages, _ = read_native(data, identify(data, name), 100_000, 50_000, 800)
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    return [(page.place, page.text) for page in pages]


def test_a_word_file_is_read_in_sections_at_its_headings_with_its_table_a_row_a_line():
    read = dict(units(made.docx_bytes(), "guide.docx"))
    assert list(read) == ["section “Getting started”", "section “Prices”", "section “Warranty”"]
    assert read["section “Prices”"].splitlines()[2:] == [
        "Model | Price | Colour",
        "Model: Aster; Price: 49 EUR; Colour: green",
        "Model: Briar; Price: 65 EUR; Colour: copper",
    ]
    pages, title = read_native(made.docx_bytes(), "docx", 100_000, 50_000, 800)
    assert title == "Field guide"
    # The headings are the card's outline, as a PDF's bookmarks are: "Warranty" under "Prices".
    assert [page.sections for page in pages] == [(("Getting started",),), (("Prices",),), (("Prices", "Warranty"),)]


def test_a_word_files_cover_page_and_text_boxes_are_read_once_each():
    [(place, text)] = units(made.docx_with_cover_and_text_box(), "report.docx")
    assert place == "paragraphs 1–4"
    assert text.splitlines() == [
        "Annual report 2026",
        "Prepared by the finance office",
        "Revenue grew in every region.",
        "Note: figures are unaudited",
    ]


def test_a_deck_is_a_unit_a_slide_title_first_with_its_notes_labelled_and_its_table_in_rows():
    read = units(made.pptx_bytes(), "review.pptx")
    assert [place for place, _ in read] == ["slide 1", "slide 2"]
    assert read[0][1].splitlines() == [
        "Quarterly review",
        "Sales rose in the northern region",
        "The new depot opens in March",
        "Speaker notes: Mention that the depot is in Tampere.",
    ]
    assert read[1][1].splitlines() == [
        "Headcount",
        "Team | People",
        "Team: Support; People: 14",
        "Team: Research; People: 9",
    ]
    assert units(made.odp_bytes(), "tour.odp") == [
        ("slide 1", "Welcome\nThe tour starts at the north gate"),
        ("slide 2", "Lunch\nSoup is served at noon"),
    ]


def test_a_spreadsheet_is_read_in_rows_named_by_their_columns_and_cited_by_sheet_and_row_numbers():
    read = units(made.xlsx_bytes(rows=30), "budget.xlsx")
    assert [place for place, _ in read] == [
        "sheet “Budget”, rows 2–26",
        "sheet “Budget”, rows 27–32",
        "sheet “Notes”, row 2",
    ]
    # Each unit starts with the column names; a value keeps its column's name and its row's label.
    assert read[1][1].splitlines()[0] == "Item | Cost | Owner"
    assert read[1][1].splitlines()[-1] == "Item: Printer toner; Cost: 87.25; Owner: Chidi"
    assert read[0][1].splitlines()[1] == "Item: Item 1; Cost: 10.5; Owner: Ana"  # 21.0 is shown as 21 below it
    assert read[0][1].splitlines()[2] == "Item: Item 2; Cost: 21; Owner: Ben"
    assert units(made.ods_bytes(), "rota.ods") == [
        ("sheet “Rota”, rows 2–3", "Day | Cook\nDay: Monday; Cook: Priya\nDay: Tuesday; Cook: Olu")
    ]
    assert units(made.CSV, "cities.csv") == [
        ("rows 2–3", "city | population | river\ncity: Lyon; population: 522000; river: Rhone\n"
                     "city: Nantes; population: 320000; river: Loire"),
    ]  # fmt: skip


def test_a_web_page_is_read_as_text_without_its_scripts_styles_menus_or_hidden_text(monkeypatch):
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("a web page was read by fetching something")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    read = units(made.HTML, "club.html")
    assert read == [
        ("section “Garden club”", "Garden club\nMeetings are held on the first Tuesday of each month."),
        ("section “Plot sizes”", "Plot sizes\nPlot | Area\nPlot: North; Area: 40 square metres"),
    ]
    every = " ".join(text for _, text in read)
    for unseen in ("secret", "color", "Hidden text", "Contact", "tracker"):
        assert unseen not in every


def test_a_page_laid_out_in_a_table_is_read_at_its_headings_and_a_data_table_still_a_row_a_line():
    page = (
        b"<html><body><table><tr><td><h1>Kettle club</h1><h2>Meetings</h2><p>We meet on Fridays.</p>"
        b"<h2>Fees</h2><ul><li>Members pay 5 EUR.</li></ul>"
        b"<table><tr><th>Item</th><th>Price</th></tr><tr><td><p>Tea</p></td><td>2 EUR</td></tr></table>"
        b"</td></tr></table></body></html>"
    )
    assert units(page, "club.html") == [
        ("section “Kettle club”", "Kettle club"),
        ("section “Meetings”", "Meetings\nWe meet on Fridays."),
        # The table inside the page's layout table holds data: a paragraph in a cell does not make it a layout.
        ("section “Fees”", "Fees\nMembers pay 5 EUR.\nItem | Price\nItem: Tea; Price: 2 EUR"),
    ]


def test_a_footnote_is_a_line_of_its_own_after_the_paragraph_citing_it_never_inside_its_sentence():
    assert units(made.docx_with_footnote(), "kettle.docx")[0][1].splitlines() == [
        "The kettle boils water in ninety seconds.",
        "Footnote 1: Measured at sea level with one litre.",  # numbered as Word shows it, not by its id
        "It switches itself off when the water boils.",
    ]
    assert units(made.odt_with_footnote(), "library.odt")[0][1].splitlines() == [
        "The library opens at half past eight on weekdays.",
        "Footnote 1: On school holidays it opens at ten.",
    ]


def test_a_form_laid_out_in_tables_inside_a_table_is_read_as_its_own_lines_and_tables():
    # Read as one table's rows, its cells' text left the inner tables out: a real procedure sheet read as nothing.
    assert units(made.docx_form_in_tables(), "procedure.docx")[0][1].splitlines() == [
        "Lay down tubulars",
        "Revision | Issued",
        "Revision: 240-DOP-1013A; Issued: 11 December 2017",
        "Step | Work activity",
        "Step: 1; Work activity: Check the elevator size.",
    ]
    assert units(made.odt_form_in_tables(), "procedure.odt")[0][1].splitlines() == [
        "Lay down tubulars",
        "Revision | Issued",
        "Revision: 240-DOP-1013A; Issued: 11 December 2017",
    ]


def test_markdown_text_and_an_opendocument_text_keep_their_headings_and_tables():
    assert units(made.MARKDOWN, "NEWS.md")[1] == (
        "section “Version 2.1”",
        "Version 2.1\nThe export button now writes CSV files with a header row.\nSetting | Default\n"
        "Setting: timeout; Default: 30 seconds\nSetting: retries; Default: 4",
    )
    assert units(made.odt_bytes(), "library.odt")[1] == (
        "section “Fees”",
        "Fees\nService | Fee\nService: Late return; Fee: 0.50 a day\nService: Lost card; Fee: 3.00",
    )
    # Prose wrapped at a margin is joined; lines set one under the other (a list, an address) are kept.
    text = (
        b"The opening times of the park are posted at the main gate and\non the notice board by the cafe.\n\n"
        b"Bring:\n- water\n- a hat\n"
    )
    assert units(text, "rules.txt") == [
        (
            "paragraphs 1–2",
            "The opening times of the park are posted at the main gate and on the notice board by the cafe.\n"
            "Bring:\n- water\n- a hat",
        )
    ]


def test_plain_text_is_cut_at_the_headings_it_sets_on_lines_of_their_own():
    text = (
        b"Purpose\n\nThe tool copies files between machines, resuming where a copy stopped.\n\n"
        b"Building\n========\n\nRun make, then make install as root.\n\n"
        b"Thanks to everyone who sent a patch, a bug report or a kind word over the years.\n"
    )
    assert units(text, "README") == [
        ("section “Purpose”", "Purpose\nThe tool copies files between machines, resuming where a copy stopped."),
        (
            "section “Building”",
            "Building\nRun make, then make install as root.\n"
            "Thanks to everyone who sent a patch, a bug report or a kind word over the years.",
        ),
    ]


def test_an_email_is_its_message_then_each_text_attachment_cited_by_name():
    read = units(made.eml_bytes(), "standup.eml")
    assert [place for place, _ in read] == ["the message", "attachment “agenda.txt”"]
    assert read[0][1].splitlines()[:2] == ["From: Ada <ada@example.org>", "To: team@example.org"]
    assert "starts at 9:45 in room Saturn" in read[0][1]
    assert read[1][1] == "Agenda: budget, hiring, the office move."


def test_a_long_message_is_cut_into_parts_as_a_long_section_is():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["Subject"] = "Ada <ada@example.org>", "Minutes"
    message.set_content("\n".join(f"Item {n}: the committee discussed point {n} at length." for n in range(300)))
    read = units(message.as_bytes(), "minutes.eml")
    assert [place for place, _ in read][:2] == ["the message", "the message (continued)"]
    assert all(len(text) <= 4_000 for _, text in read)
    assert read[0][1].startswith("From: Ada") and read[-1][1].endswith(
        "Item 299: the committee discussed point 299 at length."
    )


def test_a_message_forwarded_as_an_attachment_is_a_part_of_its_own():
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    forwarded = EmailMessage()
    forwarded["From"], forwarded["Subject"] = "Bo <bo@example.org>", "Boiler service"
    forwarded.set_content("The engineer comes on Thursday at 8 to service the boiler.\n")
    message = message_from_bytes(made.eml_bytes(), policy=policy.default)
    message.add_attachment(forwarded)
    read = units(message.as_bytes(), "fwd.eml")
    assert [place for place, _ in read] == [
        "the message",
        "attachment “agenda.txt”",
        "forwarded message “Boiler service”",
    ]
    assert read[2][1].splitlines()[0] == "From: Bo <bo@example.org>"
    assert read[2][1].endswith("The engineer comes on Thursday at 8 to service the boiler.")


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (made.HTML, "page.txt", "html"),  # the content decides among text kinds ...
        (made.eml_bytes(), "message.txt", "email"),
        (make_pdf([["A PDF saved without its suffix."]]), "scan", "pdf"),
        (made.xlsx_bytes(rows=1), "budget.docx", "xlsx"),  # ... and among Office files
        (made.png_with_text(), "photo.tiff", "image"),
        (b"plain words\n", "notes", "text"),
    ],
)
def test_a_file_is_what_its_content_says(data, name, kind):
    assert identify(data, name) == kind


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"plain words\n", "report.pdf", NOT_PDF),
        (b"plain words\n", "report.docx", NOT_CLAIMED.format(claimed="an Office", what="text")),
        (made.HTML, "photo.png", NOT_CLAIMED.format(claimed="a picture", what="a web page")),
        (made.encrypted_office(), "locked.xlsx", LOCKED_OFFICE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "old.doc", OLD_OFFICE),
    ],
)
def test_a_name_that_promises_a_format_the_content_is_not_is_refused(data, name, message):
    with pytest.raises(PdfError) as refused:
        identify(data, name)
    assert str(refused.value) == message


def test_hostile_office_files_are_refused_from_their_directory_before_anything_is_unpacked():
    with pytest.raises(PdfError) as bomb:
        read_native(made.zip_bomb_docx(), "docx", 100_000, 50_000, 800)
    assert str(bomb.value) == BOMB.format(what="a part packed 1,028 times")
    with pytest.raises(PdfError) as picture:
        read_native(made.pptx_with_huge_picture(), "pptx", 100_000, 50_000, 800)
    assert str(picture.value) == HUGE_PICTURE.format(mp=100)


@pytest.mark.slow  # openpyxl walks 200,000 rows before it stops: 5 s
def test_a_sheet_of_a_million_numbered_empty_rows_is_refused_at_the_row_limit():
    with pytest.raises(PdfError) as refused:
        read_native(made.xlsx_empty_rows(1_000_000), "xlsx", 100_000, 50_000, 800)
    assert str(refused.value) == TOO_MANY_ROWS.format(limit=MAX_ROWS)


def test_a_picture_becomes_a_pdf_page_of_its_own_pixels_and_a_huge_one_is_refused():
    pdf = image_pdf(made.png_with_text(size=(900, 200)))
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    # A screenshot-sized picture is drawn three times larger at OCR's 300 dpi (its text 30-50 px high, as a scan's).
    assert [round(v) for v in document[0].get_size()] == [round(900 * 72 / 100), round(200 * 72 / 100)]
    document.close()
    scan = io.BytesIO()
    Image.new("L", (2_550, 3_300), 255).save(scan, "PNG")
    document = pdfium.PdfDocument(image_pdf(scan.getvalue()))
    # A page scanned at 300 dpi is seen pixel for pixel: a letter page.
    assert [round(v) for v in document[0].get_size()] == [612, 792]
    document.close()
    big = io.BytesIO()
    Image.new("L", (8_000, 7_000)).save(big, "PNG")
    with pytest.raises(PdfError, match="56 megapixels"):
        image_pdf(big.getvalue())


def test_a_picture_is_stored_in_its_pdf_without_losing_a_pixel():
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from rag.reading import ocr

    # One-pixel stripes and dots, as a screenshot's small print: a JPEG of them (Pillow's PDF writer) blurs the gaps.
    picture = Image.new("L", (300, 120), 255)
    for x in range(0, 300, 3):
        for y in range(0, 120, 2):
            picture.putpixel((x, y), (x * 7 + y) % 200)
    data = io.BytesIO()
    picture.save(data, "PNG")
    document = pdfium.PdfDocument(image_pdf(data.getvalue()))
    (stored,) = document[0].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    assert stored.get_bitmap().to_pil().convert("L").tobytes() == picture.tobytes()
    # Marked as a picture, so OCR finds its lines at its own pixels (a scanned PDF's at 1,280 px).
    assert ocr.is_picture(document) and ocr.detect_side(document[0], True) == ocr.DETECT_SIDE
    document.close()
    photo = io.BytesIO()
    Image.new("RGB", (5000, 2000), (200, 30, 30)).save(photo, "JPEG", quality=80)
    document = pdfium.PdfDocument(image_pdf(photo.getvalue()))
    (stored,) = document[0].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,))
    # A JPEG is kept as it came, not decoded and blurred again.
    assert bytes(stored.get_data(decode_simple=False)) == photo.getvalue()
    # A 10-megapixel photo is looked at in 6 megapixels at most: the line finder's memory grows with them.
    assert ocr.detect_side(document[0], True) == round(5000 * (ocr.PICTURE_DETECT_PIXELS / 10_000_000) ** 0.5)
    document.close()
    assert not ocr.is_picture(pdfium.PdfDocument(scanned_pdf([["A scanned page"]])))


@pytest.mark.slow  # read by RapidOCR
def test_the_small_print_of_a_wide_screenshot_is_read(tmp_path):
    # A 3,600-px screenshot whose labels are 13 px high, as on a wide monitor: shrunk to 1,280 px to find its lines,
    # they were 5 px high and the finder missed the line standing alone.
    from PIL import ImageDraw, ImageFont

    from rag.config import Settings
    from rag.reading.files import accept_file, read_file

    picture = Image.new("RGB", (3600, 1100), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=13)
    for row in range(40):
        draw.text((60, 20 + row * 26), f"Row {row}: backup schedule at 0{row % 10}:30", fill="black", font=font)
    draw.text((1900, 520), "Retention policy: keep 14 daily snapshots", fill="black", font=font)
    data = io.BytesIO()
    picture.save(data, "PNG")
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage")
    accepted = accept_file(data.getvalue(), "admin-screenshot.png", settings)
    (page,) = read_file(accepted.data, accepted.suffix, settings)[1]
    assert "keep 14 daily snapshots" in " ".join(page.text.split())


def test_a_transparent_picture_is_read_on_white_as_a_viewer_shows_it():
    import pypdfium2 as pdfium

    # Black text on a transparent background whose hidden colour is black too: with the alpha channel dropped,
    # the page was black all over.
    picture = Image.new("RGBA", (400, 100), (0, 0, 0, 0))
    for x in range(50, 350):
        for y in range(40, 60):
            picture.putpixel((x, y), (0, 0, 0, 255))
    data = io.BytesIO()
    picture.save(data, "PNG")
    document = pdfium.PdfDocument(image_pdf(data.getvalue()))
    grey = document[0].render(scale=1, grayscale=True).to_pil().convert("L")
    document.close()
    histogram = grey.histogram()
    assert sum(histogram[200:]) > 0.8 * grey.width * grey.height  # white, but for the bar
    assert sum(histogram[:60]) > 0  # and the bar kept


def test_a_unit_is_drawn_as_its_text_with_the_cited_passage_highlighted():
    text = "\n".join(f"Line {n} says something about item {n}." for n in range(1, 120))
    shown = render_unit(text, "section “Items”", "Line 80 says something about item 80.", width=700)
    picture = Image.open(io.BytesIO(shown.png))
    assert shown.highlighted and picture.width == 700
    # Long units are shown around the passage, not whole.
    assert picture.height < 80 * 30
    assert not render_unit(text, "section “Items”", "words that are not there").highlighted
