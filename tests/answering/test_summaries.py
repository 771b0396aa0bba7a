"""Summary and overview requests: recognised among ordinary questions, and answered from the document cards with
the pages they come from."""

import re

import pytest

from rag.answering.generation import SUMMARY_PROMPT
from rag.answering.request import summary_request
from rag.answering.summaries import SummaryAnswer, answer_summary
from rag.indexing.ingest import ingest_bytes, ingest_path
from rag.services import Services
from tests.conftest import CORPUS
from tests.pdfs import make_pdf, with_outline

LIBTASN1 = CORPUS / "libtasn1.pdf"

# A guide with bookmarks whose titles carry no numbers: "chapter 2" is the second top-level section.
GUIDE_PAGES = [
    [
        "Introduction",
        "Penguins are flightless birds that live in the cold seas of the southern hemisphere.",
        "This guide tells visitors how the zoo looks after its colony of forty penguins.",
    ],
    [
        "Feeding",
        "Keepers feed the penguins twice a day with herring, sprats and a vitamin supplement.",
        "Every bird is fed by hand so that the keepers know how much each one has eaten.",
    ],
    ["Feeding times change in winter, when the birds need more food to keep warm in the water."],
    [
        "Nesting",
        "In spring the penguins build nests from pebbles collected all over the enclosure.",
        "A good pebble is a prized gift, and pairs defend their nests against their neighbours.",
    ],
    [
        "Health",
        "A vet checks the weight and feathers of every penguin once a month in the clinic.",
        "Sick birds are kept apart in a quiet pool until the vet says they can return.",
    ],
]
GUIDE = with_outline(
    make_pdf(GUIDE_PAGES), [("Introduction", 0, None), ("Feeding", 1, None), ("Nesting", 3, None), ("Health", 4, None)]
)
ORCHIDS = make_pdf(
    [
        ["Orchid notes", "1 Watering", "Orchids need water once a week, poured over the roots until it drains away."],
        ["2 Light", "Most orchids grow best near a bright window that gets no direct sun in the afternoon."],
        ["3 Repotting", "Repot an orchid every two years in fresh bark, after it has finished flowering."],
    ]
)
QUOTE = re.compile(r"^> (.+) \(p\. (\d+)\)$", re.M)


@pytest.mark.parametrize(
    ("question", "scope", "section", "document"),
    [
        ("Summarise this", "document", None, None),
        ("Summarize this document.", "document", None, None),
        ("Can you give me a short summary of the manual, please?", "document", None, None),
        ("What is this document about?", "document", None, None),
        ("what's the manual about", "document", None, None),
        ("What are these documents about?", "document", None, None),
        ("tl;dr", "document", None, None),
        ("Overview", "document", None, None),
        ("what does the libtasn1 manual cover?", "document", None, "libtasn1"),
        ("Summarise penguin guide.pdf", "document", None, "penguin guide.pdf"),
        ("What does chapter 3 cover?", "section", "3", None),
        ("what is the third chapter about", "section", "3", None),
        ("Summarise the section on installation", "section", "installation", None),
        ("What's in section 2.1?", "section", "2.1", None),
        ("give me an overview of the installation chapter", "section", "installation", None),
        ("summarise chapter 2 of the asymptote manual", "section", "2", "asymptote"),
        ("summarize part II", "section", "2", None),
        ("sum up nesting", "section", "nesting", "nesting"),
    ],
)
def test_summary_requests_are_recognised(question, scope, section, document):
    request = summary_request(question)
    assert request is not None
    assert (request.scope, request.section, request.document) == (scope, section, document)


@pytest.mark.parametrize(
    "question",
    [
        "What does the summary option do?",
        "How do I get a summary of the fields of a structure?",
        "What is the summary option about?",
        "What does the -summary flag cover?",
        "Does the summary include totals?",
        "Is there an overview of the API?",
        "Summarize how to install asymptote on Windows",
        "Summarise the differences between int and real",
        "What is in the config file?",
        "How much herring do the penguins eat?",
    ],
)
def test_ordinary_questions_are_not_summary_requests(question):
    assert summary_request(question) is None


@pytest.mark.parametrize(
    ("question", "scope", "kind", "section"),
    [
        ("Fasse das Dokument zusammen", "document", None, None),
        ("Gib mir eine Zusammenfassung des Dokuments", "document", None, None),
        ("Worum geht es in Kapitel 3?", "section", "chapter", "3"),
        ("Fasse das Kapitel über Netzwerke zusammen", "section", "chapter", "netzwerke"),
        ("Résume le document", "document", None, None),
        ("résume le chapitre 3", "section", "chapter", "3"),
        ("Fais un résumé du deuxième chapitre", "section", "chapter", "2"),
        ("De quoi parle ce document ?", "document", None, None),
        ("¿De qué trata el capítulo 2?", "section", "chapter", "2"),
        ("Resume el documento", "document", None, None),
        ("Riassumi il documento", "document", None, None),
        ("Di cosa parla l'appendice A?", "section", "appendix", "a"),
    ],
)
def test_summary_requests_in_other_languages_are_recognised(question, scope, kind, section):
    request = summary_request(question)
    assert request is not None, question
    assert (request.scope, request.kind, request.section) == (scope, kind, section)


@pytest.mark.parametrize(
    "question",
    [
        "Wie fasse ich zwei Tabellen zusammen?",  # how do I merge two tables
        "Was ist ein Paket?",
        "Que contient le fichier /etc/fstab ?",
        "Comment résumer un long fichier journal avec awk ?",
        "¿Qué contiene el paquete debhelper?",
        "Cosa contiene la variabile PATH?",
    ],
)
def test_ordinary_questions_in_other_languages_are_not_summary_requests(question):
    assert summary_request(question) is None


def _ask(services: Services, question: str, doc_ids=None) -> SummaryAnswer:
    request = summary_request(question)
    assert request is not None, question
    return answer_summary(services, request, doc_ids)


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def _quotes(answer: SummaryAnswer) -> list[tuple[str, int]]:
    return [(_unescaped(text), int(page)) for text, page in QUOTE.findall(answer.text)]


def _on_its_page(quote: str, page: int, pages: list[list[str]]) -> bool:
    return quote in " ".join(pages[page - 1])


def test_a_document_summary_quotes_it_with_pages_and_lists_its_sections(services):
    guide = ingest_bytes(services, GUIDE, "penguin guide.pdf")
    answer = _ask(services, "Summarise this document")

    assert answer.text.startswith("**penguin guide** (penguin guide.pdf) · 5 pages")
    quotes = _quotes(answer)
    assert len(quotes) >= 3 and all(_on_its_page(q, p, GUIDE_PAGES) for q, p in quotes)
    assert "- Introduction (p. 1)\n- Feeding (p. 2)\n- Nesting (p. 4)\n- Health (p. 5)" in answer.text
    assert {s.doc_id for s in answer.sources} == {guide.doc_id}
    assert sorted(s.page for s in answer.sources) == sorted({p for _, p in quotes})
    assert all(s.snippet in dict(quotes) for s in answer.sources)
    assert all(f"[p.{p}] {q}" in answer.context for q, p in quotes)
    assert set(SUMMARY_PROMPT.input_variables) == {"context", "input"}


def test_chapter_n_is_the_nth_top_level_section_with_its_pages(services):
    ingest_bytes(services, GUIDE, "penguin guide.pdf")
    answer = _ask(services, "What does chapter 2 cover?")

    assert answer.text.startswith("**Feeding** · penguin guide (penguin guide.pdf), pages 2–3")
    quotes = _quotes(answer)
    assert quotes and all(p in (2, 3) and _on_its_page(q, p, GUIDE_PAGES) for q, p in quotes)
    assert {s.page for s in answer.sources} <= {2, 3} and 2 in {s.page for s in answer.sources}
    assert "Feeding" in answer.context and "pages 2–3" in answer.context

    by_words = _ask(services, "summarise the section on nesting")
    assert by_words.text.startswith("**Nesting**") and {s.page for s in by_words.sources} == {4}


def test_numbered_headings_are_found_by_their_number(services):
    ingest_bytes(services, ORCHIDS, "orchids.pdf")
    answer = _ask(services, "what's in section 2?")
    assert answer.text.startswith("**2 Light** · orchids (orchids.pdf), page 2")
    assert [s.page for s in answer.sources] == [2]


@pytest.mark.slow  # a real manual of the shared corpus, indexed
@pytest.mark.corpus("libtasn1.pdf")
def test_a_chapter_of_a_real_manual(services):
    ingest_path(services, LIBTASN1)
    answer = _ask(services, "What does chapter 3 cover?")
    assert answer.text.startswith("**3 Utilities** · libtasn1 (libtasn1.pdf), pages 8–10")
    assert answer.sources and all(8 <= s.page <= 10 for s in answer.sources)
    assert "Subsections:\n- Invoking asn1Parser (p. 8)" in answer.text


def test_several_documents_get_an_overview_each_and_a_named_one_its_summary(services):
    guide = ingest_bytes(services, GUIDE, "penguin guide.pdf")
    orchids = ingest_bytes(services, ORCHIDS, "orchids.pdf")

    overview = _ask(services, "What are these documents about?")
    assert overview.text.startswith("2 documents are in scope:")
    assert "**penguin guide** (penguin guide.pdf) · 5 pages" in overview.text
    assert "**orchids** (orchids.pdf) · 3 pages" in overview.text
    assert {s.doc_id for s in overview.sources} == {guide.doc_id, orchids.doc_id}
    assert all(len([s for s in overview.sources if s.doc_id == d]) <= 2 for d in (guide.doc_id, orchids.doc_id))

    named = _ask(services, "give me an overview of the orchids")
    assert named.text.startswith("**orchids**") and {s.doc_id for s in named.sources} == {orchids.doc_id}
    scoped = _ask(services, "summarise this", [guide.doc_id])
    assert scoped.text.startswith("**penguin guide**") and {s.doc_id for s in scoped.sources} == {guide.doc_id}

    # Both have a second chapter: which one is meant is asked back, naming each.
    both = _ask(services, "what does chapter 2 cover")
    assert "Feeding, pages 2–3 of penguin guide" in _unescaped(both.text)
    assert "2 Light, page 2 of orchids" in _unescaped(both.text)
    assert {(s.doc_id, s.page) for s in both.sources} == {(guide.doc_id, 2), (orchids.doc_id, 2)}
    only_guide = _ask(services, "what does chapter 2 of the penguin guide cover")
    assert only_guide.text.startswith("**Feeding**")


def test_an_unknown_section_says_which_sections_exist(services):
    ingest_bytes(services, GUIDE, "penguin guide.pdf")
    for question, asked in [("What does chapter 9 cover?", "chapter 9"), ("Summarise the section on volcanoes", "")]:
        answer = _ask(services, question)
        text = _unescaped(answer.text)
        assert text.startswith(f"I couldn't find {asked or 'a section about “volcanoes”'} in penguin guide.")
        assert "Introduction (p. 1), Feeding (p. 2), Nesting (p. 4), Health (p. 5)" in text
        assert answer.sources == []


def test_nothing_to_summarise(services):
    answer = _ask(services, "summarise this")
    assert "nothing to summarise" in answer.text and answer.sources == []
