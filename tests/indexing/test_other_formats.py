"""Word, PowerPoint, Excel, web pages, text, e-mail and pictures through the library as PDFs go: added, searched,
quoted and cited by the unit a person names, the unit shown with the passage highlighted, indexed again, removed."""

from __future__ import annotations

import io

import pytest

from rag.indexing.index import reindex_document
from rag.indexing.ingest import ingest_bytes
from rag.records.library import delete_document, list_documents
from rag.usecases import asking, documents
from tests import office_files as made


def ask(services, question: str):
    turn = asking.ask(services, question)
    "".join(turn.tokens)
    return turn


@pytest.mark.parametrize(
    ("name", "make", "question", "place", "fact"),
    [
        # The fake embeddings are a bag of words: each question shares words with its answer.
        ("guide.docx", made.docx_bytes, "What is the price of the Briar model?", "section “Prices”", "65 EUR"),
        ("review.pptx", made.pptx_bytes, "How many people in the Research team?", "slide 2", "Research; People: 9"),
        ("budget.xlsx", made.xlsx_bytes, "Who owns the printer toner item?", "sheet “Budget”, rows 27–32", "Chidi"),
        ("rota.ods", made.ods_bytes, "Who cooks on Tuesday?", "sheet “Rota”, rows 2–3", "Olu"),
        ("club.html", lambda: made.HTML, "When are the garden club meetings held?", "section “Garden club”",
         "first Tuesday"),
        ("standup.eml", made.eml_bytes, "Which room is the stand-up in now?", "the message", "room Saturn"),
    ],
)  # fmt: skip
def test_a_question_finds_its_unit_and_the_citation_names_it(fake_services, name, make, question, place, fact):
    data = make()
    added = ingest_bytes(fake_services, data, name)
    assert added.status == "indexed", added.error
    # The file is kept as it came, under its content's hash and its kind.
    suffix = "." + name.rsplit(".", 1)[1]
    assert [p.name for p in fake_services.settings.uploads_dir.iterdir()] == [f"{added.doc_id}{suffix}"]
    turn = ask(fake_services, question)
    cited = [s for s in turn.sources if s.doc_id == added.doc_id]
    assert cited and cited[0].place == place and fact in cited[0].snippet, turn.sources
    shown = documents.page_preview(fake_services, added.doc_id, cited[0].page, cited[0].snippet)
    assert shown.highlighted and shown.png.startswith(b"\x89PNG")


def test_every_kind_is_listed_indexed_again_and_removed_with_its_file(fake_services):
    files = {
        "guide.docx": made.docx_bytes(),
        "tour.odp": made.odp_bytes(),
        "library.odt": made.odt_bytes(),
        "NEWS.md": made.MARKDOWN,
        "cities.csv": made.CSV,
        "notes.txt": b"The spare key is kept under the blue flower pot by the back door.\n",
    }
    results = [ingest_bytes(fake_services, data, name) for name, data in files.items()]
    assert [(r.file, r.status) for r in results] == [(name, "indexed") for name in files], results
    listed = {d.filename: d for d in list_documents(fake_services)}
    assert set(listed) == set(files)
    before = fake_services.store.count()
    for document in listed.values():
        assert reindex_document(fake_services, document) == document.chunks > 0
    assert fake_services.store.count() == before
    for document in listed.values():
        delete_document(fake_services, document.doc_id)
    assert list(fake_services.settings.uploads_dir.iterdir()) == [] and fake_services.store.count() == 0


@pytest.mark.slow  # read by RapidOCR
def test_a_picture_is_read_by_ocr_and_cited_as_a_page(fake_services):
    added = ingest_bytes(fake_services, made.png_with_text("INVOICE 4711 PAID IN FULL"), "receipt.png")
    assert added.status == "indexed" and added.ocr_pages == 1, added.error
    turn = ask(fake_services, "Which invoice was paid?")
    assert turn.sources[0].unit == "page" and "4711" in turn.sources[0].snippet


@pytest.mark.slow  # read by RapidOCR
def test_the_small_print_of_a_wide_screenshot_is_read(fake_services):
    # A 3,600-px screenshot whose labels are 13 px high, as on a wide monitor: shrunk to 1,280 px to find its lines,
    # they were 5 px high and the finder saw none of them.
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("RGB", (3600, 1100), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=13)
    for row in range(40):
        draw.text((60, 20 + row * 26), f"Row {row}: backup schedule at 0{row % 10}:30", fill="black", font=font)
    draw.text((1900, 520), "Retention policy: keep 14 daily snapshots", fill="black", font=font)
    out = io.BytesIO()
    picture.save(out, "PNG")
    added = ingest_bytes(fake_services, out.getvalue(), "admin-screenshot.png")
    assert added.status == "indexed", added.error
    turn = ask(fake_services, "How many daily snapshots does the retention policy keep?")
    assert "14 daily snapshots" in " ".join(turn.sources[0].snippet.split())
