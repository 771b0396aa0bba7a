"""Word, PowerPoint, Excel, web pages, text, e-mail and pictures through the library as PDFs go: added, searched,
quoted and cited by the unit a person names, the unit shown with the passage highlighted, indexed again, removed."""

from __future__ import annotations

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
