"""Document cards: the outline from bookmarks or numbered headings, the extractive summary (a paper's from its
abstract and conclusions, with its title and authors), the card stored with the document (or built later for one
indexed before cards, or loaded as stored before a field was added), and the large model's summary written in the
background."""

import io
import logging
import threading
import time

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pypdf import PdfReader
from sqlalchemy import null, update

from rag.config import Settings
from rag.database.tables import Document
from rag.indexing.cards import (
    EMBED_BUDGET,
    DocumentCard,
    build_card,
    detected_outline,
    representative_sentences,
    summary_spans,
)
from rag.indexing.chunking import clean_text
from rag.indexing.ingest import ingest_bytes, reindex_document
from rag.indexing.library_cards import document_cards
from rag.reading.pdf import Page, read_pdf
from rag.records.library import list_documents
from rag.services import Services
from rag.usecases.startup import open_services
from tests.conftest import CORPUS, UNREACHABLE_LLM, record
from tests.pdfs import make_pdf

LIBTASN1 = CORPUS / "libtasn1.pdf"
needs_corpus = pytest.mark.corpus(LIBTASN1.name)

# A handbook without bookmarks: its outline can only come from the numbered headings in its text, past a table of
# contents (its lines end with their page), a numbered list, numbered code and a footer numbered like a chapter.
OWLS = [
    ["Owl Handbook", "Contents", "1 Introduction 2", "2 Keeping owls 3", "3 Feeding 4"],
    [
        "1 Introduction",
        "Owls are birds of prey that hunt small mammals at night with silent flight.",
        "This handbook explains how a sanctuary keeps injured owls healthy until release.",
        "Before you start:",
        "1. Read this handbook",
        "2. Buy a perch",
        "2 Owl Handbook",
    ],
    [
        "2 Keeping owls",
        "Every owl needs a quiet aviary with a perch high enough to watch the ground.",
        "2.1 Housing",
        "The aviary should be at least four metres long so that the bird can fly a little.",
        "2.2 Cleaning",
        "Volunteers clean the aviary floor every morning and remove pellets for the vet.",
        "3 Owl Handbook",
    ],
    [
        "3 Feeding",
        "Adult owls eat one or two mice a day, given whole in the evening before they wake.",
        "10 x = mice * 2;",
        "Fresh water is always available in a shallow bowl that the owl can bathe in.",
    ],
]
OWL_OUTLINE = [
    ("1 Introduction", 2, 1),
    ("2 Keeping owls", 3, 1),
    ("2.1 Housing", 3, 2),
    ("2.2 Cleaning", 3, 2),
    ("3 Feeding", 4, 1),
]


# A paper: its title over two lines, an author with an affiliation, an abstract, numbered sections and a
# conclusion followed by its references. No bookmarks, and no title declared.
ABSTRACT = [
    "Owls are counted at night by volunteers who listen for their calls in the wood.",
    "We present the R package owlcount, which turns these recordings into estimates of",
    "how many owls live in a wood. The package fits an occupancy model to the calls and",
    "corrects for the owls that stay silent.",
]
CONCLUSION = [
    "The package owlcount estimates owl numbers from the calls that volunteers record at night.",
    "Its estimates agree with transect counts in the twelve woods where both were made.",
]
PAPER = [
    [
        "Counting Owls at Night: The",
        "owlcount Package for R",
        "Ada M. Lovelace",
        "University of Somerset",
        "Abstract",
        *ABSTRACT,
        "Keywords: owls, occupancy, R.",
        "1. Introduction",
        "Counting birds that hunt at night is hard, and most surveys rely on the calls they make.",
        "Volunteers walk a transect after dusk and write down every call they hear on the way.",
    ],
    [
        "2. Model",
        "The occupancy model treats every station as occupied or empty on each night of the survey.",
        "A station where no owl called may still hold one, which the model estimates from repeated visits.",
    ],
    ["3. Results", "The woods of the county held between four and nineteen tawny owls in the spring of the survey."],
    ["4. Conclusion", *CONCLUSION, "References", "Lovelace A (2020). Owls in the dark. Night Birds 3, 1-10."],
]


def _pages(lines: list[list[str]]) -> list[Page]:
    return [Page(n, "\n".join(text)) for n, text in enumerate(lines, 1)]


def _card(services: Services, doc_id: str) -> DocumentCard | None:
    with services.sessions() as session:
        stored = record(session, doc_id).card
    return DocumentCard.model_validate(stored) if stored else None


def _in_page_text(sentence: str, page: Page) -> bool:
    return " ".join(sentence.split()) in " ".join(clean_text(page.text).split())


def _pypdf_top_level(data: bytes) -> list[tuple[str, int]]:
    """The top-level bookmarks as pypdf reads them, independently of PDFium, which DocChat reads them with."""
    reader = PdfReader(io.BytesIO(data))
    return [
        (" ".join(str(item.title).split()), reader.get_destination_page_number(item) + 1)
        for item in reader.outline
        if not isinstance(item, list)
    ]


@pytest.mark.slow  # the shared corpus
@needs_corpus
def test_outline_from_bookmarks_and_a_summary_touching_the_chapters(embedding):
    data = LIBTASN1.read_bytes()
    pages = read_pdf(data, len(data))
    card = build_card(pages, None, "libtasn1.pdf", embedding.embeddings)

    assert (card.title, card.pages, card.outline_source) == ("libtasn1", 36, "bookmarks")
    assert [(e.title, e.page) for e in card.top_sections()] == _pypdf_top_level(data)
    assert len(card.outline) > len(card.top_sections())  # the sections under the chapters, a level down
    assert all(e.level == 2 for e in card.children(card.top_sections()[2]))
    assert 5 <= len(card.summary) <= 8
    assert len({s.section for s in card.summary}) >= 3
    tops = {e.title: card.section_pages(e) for e in card.top_sections()}
    for sentence in card.summary:
        assert sentence.page in tops[sentence.section]  # from the section it stands for
        assert _in_page_text(sentence.text, pages[sentence.page - 1])  # in the document's own words
    assert [s.page for s in card.summary] == sorted(s.page for s in card.summary)


def test_outline_from_numbered_headings_when_there_are_no_bookmarks(embedding):
    pages = _pages(OWLS)
    card = build_card(pages, None, "owl_handbook-2024.pdf", embedding.embeddings)

    assert card.title == "owl handbook 2024"
    assert (card.authors, card.abstract) == ([], None)  # a manual: nothing invented
    assert card.summary == representative_sentences(pages, summary_spans(card), embedding.embeddings)
    assert card.outline_source == "headings"
    assert [(e.title, e.page, e.level) for e in card.outline] == OWL_OUTLINE
    assert card.section_pages(card.outline[1]) == range(3, 4)
    assert {s.section for s in card.summary} == {"1 Introduction", "2 Keeping owls", "3 Feeding"}
    assert all(_in_page_text(s.text, pages[s.page - 1]) for s in card.summary)


def test_chapter_headings_and_the_cases_that_are_no_outline():
    chapters = _pages([["Chapter 1", "Getting started", "Some text."], ["Chapter 2: Advanced use", "More text."]])
    assert [(e.title, e.page, e.level) for e in detected_outline(chapters)] == [
        ("Chapter 1 Getting started", 1, 1),
        ("Chapter 2: Advanced use", 2, 1),
    ]
    # One chapter, a list, numbers out of sequence, a table of contents alone: better none than junk.
    assert detected_outline(_pages([["1 Introduction", "Text."], ["Plain text."]])) == []
    assert detected_outline(_pages([["1 Apples", "2 Pears", "3 Plums"]])) == []
    assert detected_outline(_pages([["4 Results", "Text."], ["7 Methods", "Text."]])) == []
    assert detected_outline(_pages([["Contents", "1 Introduction 1", "2 Usage 2"]])) == []


def test_a_document_without_outline_is_summarised_across_its_pages(embedding):
    prose = "The committee reviewed the annual budget for the library and approved new shelves."
    pages = _pages([[prose.replace("library", f"branch {n}")] for n in range(12)])
    card = build_card(pages, "Minutes", "minutes.pdf", embedding.embeddings)
    assert (card.title, card.outline, card.outline_source) == ("Minutes", [], "none")
    assert 3 <= len(card.summary) <= 8 and {s.section for s in card.summary} == {""}
    assert len({s.page for s in card.summary}) == len(card.summary)  # spread over the document


def test_a_licence_notice_never_opens_a_summary(embedding):
    notice = "This manual is free software; you can redistribute it under the terms of the GNU General Public License."
    prose = "The committee reviewed the annual budget for the library and approved new shelves."
    pages = _pages([[notice, "See the GNU General Public License for more details about what it allows."]])
    pages += _pages([[prose.replace("library", f"branch {n}")] for n in range(4)])[1:]
    card = build_card(pages, "Minutes", "minutes.pdf", embedding.embeddings)
    assert card.summary and not any("GNU" in s.text for s in card.summary)


def test_a_papers_card_has_its_authors_and_abstract_and_a_summary_from_abstract_and_conclusion(embedding):
    pages = _pages(PAPER)
    card = build_card(pages, None, "lovelace2020.pdf", embedding.embeddings)

    assert card.title == "Counting Owls at Night: The owlcount Package for R"  # the first page's, above the author
    assert card.authors == ["Ada M. Lovelace"]
    assert card.abstract == " ".join(ABSTRACT)
    # The abstract's sentences first, then the conclusion's; none from the introduction, the model or the results.
    assert [(s.section, s.page) for s in card.summary] == [("Abstract", 1)] * 3 + [("4. Conclusion", 4)] * 2
    assert " ".join(s.text for s in card.summary) == " ".join([*ABSTRACT, *CONCLUSION])
    assert all(_in_page_text(s.text, pages[s.page - 1]) for s in card.summary)


def test_a_papers_declared_title_stays_unless_it_is_a_file_name(embedding):
    pages = _pages(PAPER)
    assert build_card(pages, "Owl Counts", "x.pdf", embedding.embeddings).title == "Owl Counts"
    assert build_card(pages, "tb57roeg.dvi", "x.pdf", embedding.embeddings).title.startswith("Counting Owls")
    # A manual that declares a file name for its title gets the title of its file name.
    assert build_card(_pages(OWLS), "owls.dvi", "owl_handbook.pdf", embedding.embeddings).title == "owl handbook"


def test_a_one_sentence_abstract_is_followed_by_sentences_from_across_the_paper(embedding):
    short = [*PAPER[0][:5], "This paper counts the owls of a wood from their calls at night.", *PAPER[0][9:]]
    pages = _pages([short, *PAPER[1:3]])  # and no conclusion
    card = build_card(pages, None, "short.pdf", embedding.embeddings)
    assert card.summary[0].text == "This paper counts the owls of a wood from their calls at night."
    assert card.summary[0].section == "Abstract" and len(card.summary) > 2
    assert {s.section for s in card.summary[1:]} <= {"1. Introduction", "2. Model", "3. Results"}


class CountingEmbeddings:
    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, 0

    def embed_documents(self, texts):
        self.texts += len(texts)
        return self.inner.embed_documents(texts)


def test_the_card_embeds_a_bounded_number_of_sentences(embedding):
    sentence = "Section {n} describes how the gardeners prune the roses in the autumn season."
    beds = [f"{n} Rose bed {name}" for n, name in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜÅ", 1)]
    pages = _pages([[bed, *(sentence.format(n=f"{n}.{k}") for k in range(40))] for n, bed in enumerate(beds, 1)])
    counting = CountingEmbeddings(embedding.embeddings)
    card = build_card(pages, None, "garden.pdf", counting)
    assert len(card.top_sections()) == 30
    assert 0 < counting.texts <= EMBED_BUDGET
    assert len(card.summary) == 8 and len({s.section for s in card.summary}) == 8


def test_a_long_abstract_and_conclusion_give_their_most_central_sentences_within_the_budget(embedding):
    sentence = "Volunteers counted {n} owls in the wood during the nights of the spring survey."
    abstract = [sentence.format(n=n) for n in range(40)]
    ending = [sentence.format(n=n).replace("Volunteers", "Farmers") for n in range(40)]
    pages = _pages([[*PAPER[0][:5], *abstract, *PAPER[0][9:]], *PAPER[1:3], ["4. Conclusion", *ending]])
    counting = CountingEmbeddings(embedding.embeddings)
    card = build_card(pages, None, "long.pdf", counting)
    assert 0 < counting.texts <= EMBED_BUDGET
    assert [s.section for s in card.summary] == ["Abstract"] * 5 + ["4. Conclusion"] * 3
    assert [s.text for s in card.summary[:5]] == sorted((s.text for s in card.summary[:5]), key=abstract.index)


def test_the_card_is_stored_with_the_document_and_reindexing_renews_it(db_url, tmp_path, embedding):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", database_url=db_url)
    services = open_services(settings, embedding)
    try:
        result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
        assert result.status == "indexed", result.error
        card = _card(services, result.doc_id)
        assert card is not None and card.pages == 4 and card.summary
        assert [(e.title, e.page, e.level) for e in card.outline] == OWL_OUTLINE

        with services.sessions.begin() as session:  # a stale card, and a model summary worth keeping
            stale = card.model_copy(update={"summary": [], "outline": [], "model_summary": "Owls, kept well."})
            record(session, result.doc_id).card = stale.model_dump()
        [document] = list_documents(services)
        reindex_document(services, document)
        renewed = _card(services, result.doc_id)
        assert renewed is not None and renewed.summary and len(renewed.outline) == len(OWL_OUTLINE)
        assert renewed.model_summary == "Owls, kept well."
    finally:
        services.close()


def test_a_paper_ingested_has_its_authors_and_abstract_on_its_stored_card(services):
    result = ingest_bytes(services, make_pdf(PAPER), "lovelace2020.pdf")
    assert result.status == "indexed", result.error
    card = _card(services, result.doc_id)
    assert card is not None and card.authors == ["Ada M. Lovelace"] and card.abstract == " ".join(ABSTRACT)
    assert card.title == "Counting Owls at Night: The owlcount Package for R"


def test_a_card_stored_before_authors_and_abstracts_still_loads(services):
    result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
    stored = {"title": "Owls", "pages": 4, "summary": [{"text": "Owls are kept well.", "page": 2, "section": ""}]}
    with services.sessions.begin() as session:  # a card as the version before these fields wrote it
        record(session, result.doc_id).card = stored
    card = document_cards(services)[result.doc_id]  # read as stored, not rebuilt: its own summary
    assert (card.title, card.authors, card.abstract) == ("Owls", [], None)
    assert [s.text for s in card.summary] == ["Owls are kept well."]


@pytest.mark.parametrize("missing", [null(), None], ids=["sql-null", "json-null"])
def test_a_document_indexed_before_cards_gets_one_on_first_use(services, missing):
    result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
    with services.sessions.begin() as session:
        session.execute(update(Document).values(card=missing))
    assert _card(services, result.doc_id) is None

    cards = document_cards(services)
    assert [(e.title, e.page) for e in cards[result.doc_id].top_sections()] == [
        (t, p) for t, p, level in OWL_OUTLINE if level == 1
    ]
    assert _card(services, result.doc_id) == cards[result.doc_id]  # saved: built once


def test_a_document_whose_file_is_gone_has_no_card_and_breaks_nothing(services):
    kept = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
    lost = ingest_bytes(services, make_pdf([["A memo about parking spaces behind the office building."]]), "memo.pdf")
    with services.sessions.begin() as session:
        session.execute(update(Document).values(card=null()))
    (services.settings.uploads_dir / f"{lost.doc_id}.pdf").unlink()
    assert list(document_cards(services)) == [kept.doc_id]


def _wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_with_a_large_model_the_summary_is_written_in_the_background(tmp_path, embedding):
    release = threading.Event()

    class WaitingModel(GenericFakeChatModel):
        def _generate(self, *args, **kwargs):
            assert release.wait(30)
            return super()._generate(*args, **kwargs)

    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", **UNREACHABLE_LLM), embedding)
    try:
        services.__dict__["llm"] = WaitingModel(messages=iter([AIMessage("An owl handbook for sanctuaries.")]))
        result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
        # The upload is done while the model is still writing: the extractive summary shows meanwhile.
        assert result.status == "indexed"
        assert _card(services, result.doc_id).model_summary is None
        assert _card(services, result.doc_id).summary
        release.set()
        summary = _wait_for(lambda: _card(services, result.doc_id).model_summary)
        assert summary == "An owl handbook for sanctuaries."
    finally:
        services.close()


def test_a_failing_model_only_logs(tmp_path, embedding, caplog):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", **UNREACHABLE_LLM), embedding)
    try:
        services.__dict__["llm"] = GenericFakeChatModel(messages=iter([]))  # raises at the first call
        with caplog.at_level(logging.WARNING, logger="rag.indexing.cards"):
            result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
            assert result.status == "indexed"
            _wait_for(lambda: any("model summary" in r.getMessage() for r in caplog.records))
        card = _card(services, result.doc_id)
        assert card is not None and card.summary and card.model_summary is None
    finally:
        services.close()


def test_the_local_model_writes_no_summary(services):
    result = ingest_bytes(services, make_pdf(OWLS), "owls.pdf")
    assert result.status == "indexed"
    assert "llm" not in services.__dict__  # never loaded: ingestion does not wait for SmolLM2
    assert _card(services, result.doc_id).model_summary is None
