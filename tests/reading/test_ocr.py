"""Scanned PDFs read by OCR (RapidOCR, the pip-installed default): pages drawn into pictures in code, wrapped as
image-only PDFs, ingested, asked about, cited and previewed; the page cap, unreadable pages, cancelling."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image

from rag.config import Settings
from rag.indexing import job_state
from rag.indexing.index import index_accepted
from rag.indexing.ingest import accept_bytes, ingest_bytes
from rag.models.embeddings import EmbeddingModel
from rag.reading.ocr import RapidOcr, Tesseract, render
from rag.reading.ocr_layout import OcrLine, merge_lines
from rag.reading.pdf import NOTHING_READ, OCR_TOO_MANY, SCANNED, extract_pages, open_pdf
from rag.services import Services
from rag.usecases import asking, documents, jobs
from rag.usecases.startup import open_services
from tests.pdfs import join_pdfs, make_pdf, scanned_pdf

HERON = ["The grey heron nests in the Okavango", "marsh every April, laying three", "to five blue eggs."]
MINUTES = ["Minutes of the board meeting", "The budget for the new library was approved."]


@pytest.fixture
def ocr_services(tmp_path, embedding: EmbeddingModel):
    """Services reading scans with RapidOCR, the default engine."""

    def make(**overrides: object) -> Services:
        settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", ocr_engine="rapidocr", **overrides)
        opened.append(open_services(settings, embedding))
        return opened[-1]

    opened: list[Services] = []
    yield make
    for svc in opened:
        svc.close()


@pytest.mark.slow  # a real OCR model reads the pages
def test_an_image_only_pdf_is_read_by_ocr_and_answers_with_its_page(ocr_services):
    svc = ocr_services()
    steps: list[str] = []
    result = ingest_bytes(svc, scanned_pdf([MINUTES, HERON]), "scan.pdf", lambda m, _f: steps.append(m))
    assert result.status == "indexed", result.error
    assert (result.ocr_pages, result.ocr_unreadable) == (2, 0)
    assert "Reading page 2 of 2 (OCR)" in steps
    [document] = documents.list_documents(svc)
    assert document.ocr_note == "2 of 2 pages read by OCR"

    found = asking.retrieve_only(svc, "When does the grey heron lay its blue eggs?")
    top = found.sources[0]
    assert (top.filename, top.page, top.ocr) == ("scan.pdf", 2, True)
    assert "heron" in top.snippet.lower()

    # The cited page's preview highlights the lines OCR read, though the page has no text to search.
    preview = documents.page_preview(svc, top.doc_id, 2, top.snippet)
    assert preview.highlighted
    elsewhere = documents.page_preview(svc, top.doc_id, 1, top.snippet)
    assert not elsewhere.highlighted
    yellow = _yellow_pixels(preview.png)
    assert yellow > 0 and _yellow_pixels(elsewhere.png) == 0


def _yellow_pixels(png: bytes) -> int:
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in picture.get_flattened_data() if r > 200 and g > 180 and b < 150)


@pytest.mark.slow  # a real OCR model reads the pages
def test_a_mixed_pdf_keeps_its_text_pages_and_reads_its_scanned_ones(ocr_services):
    svc = ocr_services()
    data = join_pdfs(make_pdf([["Kiwis are flightless birds from New Zealand."]]), scanned_pdf([HERON]))
    result = ingest_bytes(svc, data, "mixed.pdf")
    assert result.status == "indexed", result.error
    assert result.ocr_note == "1 of 2 pages read by OCR"
    kiwi = asking.retrieve_only(svc, "Which birds from New Zealand cannot fly?").sources[0]
    heron = asking.retrieve_only(svc, "Where does the grey heron nest?").sources[0]
    assert (kiwi.page, kiwi.ocr) == (1, False)
    assert (heron.page, heron.ocr) == (2, True)


@pytest.mark.slow  # a real OCR model reads the pages
def test_a_scanned_page_without_text_is_skipped_and_counted(ocr_services):
    svc = ocr_services()
    data = join_pdfs(scanned_pdf([HERON]), scanned_pdf([[]]), make_pdf([["Kiwis are flightless birds."]]))
    result = ingest_bytes(svc, data, "partly-blank.pdf")
    assert result.status == "indexed", result.error
    assert (result.ocr_pages, result.ocr_unreadable) == (1, 1)
    [document] = documents.list_documents(svc)
    assert document.ocr_note == "1 of 3 pages read by OCR; 1 scanned page could not be read"


@pytest.mark.slow  # a real OCR model reads the pages
@pytest.mark.parametrize(
    ("pages", "message"),
    [([[], []], NOTHING_READ)],
    ids=["blank-scans"],
)
def test_scans_with_nothing_to_read_are_refused_with_the_reason(ocr_services, pages, message):
    svc = ocr_services()
    result = ingest_bytes(svc, scanned_pdf(pages), "blank-scan.pdf")
    assert (result.status, result.error) == ("failed", message)
    assert documents.list_all_documents(svc) == [] and svc.store.count() == 0


def test_the_ocr_page_cap_refuses_before_reading_any(ocr_services):
    svc = ocr_services(ocr_max_pages=2)
    steps: list[str] = []
    result = ingest_bytes(svc, scanned_pdf([HERON, MINUTES, HERON]), "long-scan.pdf", lambda m, _f: steps.append(m))
    assert (result.status, result.error) == ("failed", OCR_TOO_MANY.format(count=3, limit=2))
    assert not any("(OCR)" in step for step in steps)  # refused before any page was read by OCR
    assert documents.list_all_documents(svc) == [] and svc.store.count() == 0


def test_with_ocr_turned_off_a_scan_is_refused_as_before(ocr_services):
    svc = ocr_services(ocr_max_pages=0)
    result = ingest_bytes(svc, scanned_pdf([HERON]), "scan.pdf")
    assert (result.status, result.error) == ("failed", SCANNED)


@pytest.mark.slow  # a real OCR model reads the pages
def test_a_photo_taken_at_45_degrees_gets_a_clear_outcome(ocr_services):
    svc = ocr_services()
    result = ingest_bytes(svc, scanned_pdf([HERON * 3], angle=45), "askew.jpg.pdf")
    # PP-OCR reads lines up to a small tilt; at 45 degrees it may read some words or none: never a crash.
    assert result.status in ("indexed", "failed"), result
    if result.status == "failed":
        assert result.error == NOTHING_READ
    else:
        assert result.ocr_pages + result.ocr_unreadable == 1


@pytest.mark.slow  # a real OCR model reads the pages
def test_a_huge_600_dpi_poster_scan_is_drawn_at_a_bounded_size(ocr_services):
    # An A0 page (2384 x 3370 points) holding a 1-bit 600-dpi scan: 19,866 x 28,087 pixels, 70 MB in memory.
    # Drawn at 300 dpi unbounded it would take 560 MB in grey; rag/reading/ocr.py caps the longest side at 4,000 px.
    svc = ocr_services()
    picture = Image.new("1", (19_866, 28_087), 1)
    out = io.BytesIO()
    picture.save(out, "PDF", resolution=600.0)
    del picture
    result = ingest_bytes(svc, out.getvalue(), "poster.pdf")
    assert (result.status, result.error) == ("failed", NOTHING_READ)


@pytest.mark.slow  # a real OCR model reads the pages
def test_cancelling_during_ocr_stops_the_job_and_leaves_nothing(ocr_services, monkeypatch):
    monkeypatch.setattr(job_state, "PROGRESS_SECONDS", 0.0)  # every step writes its heartbeat
    svc = ocr_services()
    accepted = accept_bytes(svc, scanned_pdf([HERON, MINUTES, HERON, MINUTES]), "scan.pdf")
    seen: list[str] = []

    def cancel_at_the_second_scanned_page(message: str, _fraction: float) -> None:
        seen.append(message)
        if message == "Reading page 2 of 4 (OCR)":
            jobs.cancel_job(svc, accepted.doc_id)

    result = index_accepted(svc, accepted.doc_id, cancel_at_the_second_scanned_page, keep_failure=True)
    assert (result.status, result.error) == ("failed", "It was cancelled.")
    assert "Reading page 4 of 4 (OCR)" not in seen
    assert documents.list_all_documents(svc) == [] and svc.store.count() == 0


@pytest.mark.slow  # a real OCR model reads the pages
def test_pages_read_once_by_ocr_are_not_read_again(ocr_services):
    svc = ocr_services()
    data = scanned_pdf([HERON])
    settings = svc.settings
    first = extract_pages(data, open_pdf(data), settings=settings)
    assert first[0].ocr and "heron" in first[0].text.lower()
    steps = []
    again = extract_pages(data, open_pdf(data), steps.append, settings, {1: first[0].ocr_lines})
    assert again[0].text == first[0].text and again[0].ocr_lines == first[0].ocr_lines
    assert not any(step.ocr for step in steps)


def test_pieces_on_one_baseline_become_one_line_left_to_right():
    pieces = [
        OcrLine("[Function]", 0.80, 0.101, 0.95, 0.119),
        OcrLine("second line", 0.10, 0.13, 0.50, 0.15),
        OcrLine("int get_tag (const char *der)", 0.10, 0.10, 0.60, 0.12),
    ]
    merged = merge_lines(pieces)
    assert [line.text for line in merged] == ["int get_tag (const char *der) [Function]", "second line"]
    assert (merged[0].x0, merged[0].x1) == (0.10, 0.95)


def test_lines_of_a_skewed_scan_are_found_on_the_page_turned_upright():
    # Two long lines of a page laid askew: each box is taller than the gap between them, so on the picture as
    # it is they share a baseline; turned upright they are a line apart, and keep the boxes they have.
    pieces = [OcrLine("first line", 0.1, 0.10, 0.9, 0.17), OcrLine("second line", 0.1, 0.13, 0.9, 0.19)]
    upright = [OcrLine("first line", 0.1, 0.12, 0.9, 0.14), OcrLine("second line", 0.1, 0.15, 0.9, 0.17)]
    assert [line.text for line in merge_lines(pieces)] == ["first line second line"]
    merged = merge_lines(pieces, upright)
    assert [line.text for line in merged] == ["first line", "second line"]
    assert merged[1] == pieces[1]


@pytest.mark.slow  # a real OCR model reads the page
def test_a_page_photographed_askew_is_read_a_line_at_a_time_in_order():
    import pypdfium2 as pdfium
    from rapidfuzz import fuzz

    # At 8 degrees a line of this A6 page ends 35 points lower than it starts, over two lines' spacing.
    source = ["Minutes of the board meeting held on 4 March", "The budget for the new library was approved", *HERON]
    pdf = pdfium.PdfDocument(scanned_pdf([source], dpi=200, angle=8))
    read = [line.text for line in RapidOcr().read(render(pdf[0]))]
    pdf.close()
    found = [max(range(len(read)), key=lambda i: fuzz.ratio(line, read[i])) for line in source]
    assert all(fuzz.ratio(line, read[i]) > 85 for line, i in zip(source, found, strict=True)), (read, source)
    assert found == sorted(set(found)), read


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract is not installed (Debian's tesseract-ocr)")
def test_tesseract_reads_a_scanned_page_with_its_line_boxes():
    import pypdfium2 as pdfium

    from rag.reading.ocr import render

    page = pdfium.PdfDocument(scanned_pdf([HERON]))[0]
    lines = Tesseract().read(render(page))
    assert "grey heron nests in the Okavango" in " ".join(line.text for line in lines)
    assert all(0 <= line.x0 < line.x1 <= 1 and 0 <= line.y0 < line.y1 <= 1 for line in lines)


@pytest.mark.slow  # a real OCR model reads the page
def test_text_running_up_or_down_the_page_is_read_either_way():
    from PIL import ImageDraw, ImageFont
    from rapidfuzz import fuzz

    font = ImageFont.load_default(size=40)  # 10 points at 288 dpi
    page = Image.new("L", (1200, 1700), 255)
    ImageDraw.Draw(page).text((200, 100), "Survival of the birds by season", fill=0, font=font)
    for label, turn, left in (("Sediment depth in centimetres", 90, 60), ("Initial number of mosquitoes", 270, 1080)):
        strip = Image.new("L", (900, 70), 255)
        ImageDraw.Draw(strip).text((10, 10), label, fill=0, font=font)
        page.paste(strip.rotate(turn, expand=True), (left, 400))
    read = [line.text for line in RapidOcr().read(page)]
    for label in ("Survival of the birds by season", "Sediment depth in centimetres", "Initial number of mosquitoes"):
        assert max(fuzz.ratio(label, text) for text in read) > 85, (label, read)


@pytest.mark.slow  # a real OCR model reads the pages
@pytest.mark.parametrize("turn", [90, 270])
def test_a_page_scanned_sideways_is_read_a_line_at_a_time_in_order(turn):
    from PIL import ImageDraw, ImageFont
    from rapidfuzz import fuzz

    source = [*MINUTES, *HERON]
    font = ImageFont.load_default(size=40)
    page = Image.new("L", (1400, 800), 255)
    for row, line in enumerate(source):
        ImageDraw.Draw(page).text((80, 80 + 70 * row), line, fill=0, font=font)
    read = [line.text for line in RapidOcr().read(page.rotate(turn, expand=True))]
    found = [max(range(len(read)), key=lambda i: fuzz.ratio(line, read[i])) for line in source]
    assert all(fuzz.ratio(line, read[i]) > 85 for line, i in zip(source, found, strict=True)), (read, source)
    assert found == sorted(set(found)), read


def _piece(text: str, x0: float, y0: float, x1: float) -> OcrLine:
    return OcrLine(text, x0, y0, x1, y0 + 0.02)


def test_two_columns_of_prose_are_read_one_after_the_other_under_their_title():
    title = _piece("A title across both columns", 0.2, 0.05, 0.8)
    left = [_piece(f"left line {n}", 0.05, 0.1 + 0.03 * n, 0.45 - 0.01 * (n % 2)) for n in range(6)]
    right = [_piece(f"right line {n}", 0.55, 0.1 + 0.03 * n, 0.95) for n in range(6)]
    footer = _piece("Page 7", 0.45, 0.9, 0.55)
    read = [line.text for line in merge_lines([*right, footer, *left, title])]
    assert read == [title.text, *(p.text for p in left), *(p.text for p in right), footer.text]


def test_a_table_of_two_columns_keeps_its_rows():
    """Short cells, as in a table or a form, are not prose: read row by row across the gutter."""
    keys = [_piece(f"key {n}", 0.05, 0.1 + 0.03 * n, 0.15) for n in range(6)]
    values = [_piece(f"value {n}", 0.55, 0.1 + 0.03 * n, 0.62) for n in range(6)]
    read = [line.text for line in merge_lines([*values, *keys])]
    assert read == [f"key {n} value {n}" for n in range(6)]


@pytest.mark.slow  # a real OCR model reads the page
def test_a_page_in_two_columns_is_read_a_column_at_a_time():
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=34)
    left = ["The grey heron nests in the", "Okavango marsh every April,", "laying three to five blue"]
    left.append("eggs in a nest of reeds.")
    right = ["The budget for the new library", "was approved by the board at", "its meeting of the fourth of"]
    right.append("March, with one abstention.")
    page = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(page)
    for row, (one, two) in enumerate(zip(left, right, strict=True)):
        draw.text((60, 100 + 60 * row), one, fill=0, font=font)
        draw.text((660, 100 + 60 * row), two, fill=0, font=font)
    read = " ".join(line.text for line in RapidOcr().read(page))
    assert "five blue eggs in a nest of reeds. The budget for" in read, read


def test_a_scanned_table_is_read_a_row_a_line_under_its_header():
    rows = [["Genotype", "In situ", "Control"], ["AA", "6", "32"], ["AG", "8", "47"], ["GG", "10", "20"]]
    pieces = [
        _piece(cell, x, 0.3 + 0.03 * n, x + 0.02 * len(cell))
        for n, row in enumerate(rows)
        for cell, x in zip(row, (0.1, 0.4, 0.7), strict=True)
    ]
    from rag.reading.ocr import table_cells
    from rag.reading.ocr_text import lines_text

    cells = table_cells(pieces)
    assert len(cells) == 12  # stored a cell a line, so the table is read again from what was stored
    assert lines_text(cells).splitlines() == [
        "Genotype | In situ | Control",
        "Genotype: AA; In situ: 6; Control: 32",
        "Genotype: AG; In situ: 8; Control: 47",
        "Genotype: GG; In situ: 10; Control: 20",
    ]
    # Prose is stored a line a row, as before.
    prose = [_piece(f"a line of prose number {n} that runs on", 0.1, 0.3 + 0.03 * n, 0.9) for n in range(4)]
    assert [line.text for line in table_cells(prose)] == [p.text for p in prose]


@pytest.mark.slow  # a real OCR model reads the page
def test_a_scanned_table_read_by_ocr_keeps_its_rows_under_their_header():
    from PIL import ImageDraw, ImageFont

    from rag.reading.ocr_text import lines_text

    font = ImageFont.load_default(size=34)
    rows = [["Species", "Woodland", "Farmland"], ["Blackbird", "14", "9"], ["Chaffinch", "11", "6"]]
    rows.append(["Skylark", "2", "15"])
    page = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(page)
    for n, row in enumerate(rows):
        for cell, x in zip(row, (80, 520, 900), strict=True):
            draw.text((x, 100 + 60 * n), cell, fill=0, font=font)
    read = lines_text(RapidOcr().read(page)).splitlines()
    assert "Species: Chaffinch; Woodland: 11; Farmland: 6" in read, read
