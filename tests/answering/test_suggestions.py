"""Suggested questions: each one shown retrieves its own section at rank 1-3 (checked here with a retriever of
our own, not the module's check), none repeats what was asked, and titles become questions people would ask."""

import itertools
import re

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import Field
from sqlalchemy import select

from rag.answering.question_wording import base_verb, describe, sentence_question, title_question
from rag.answering.retrieval import make_retriever
from rag.answering.sources import Source
from rag.answering.suggestions import suggest_questions, suggestions
from rag.config import Settings
from rag.database.tables import Document
from rag.indexing.cards import DocumentCard
from rag.indexing.ingest import ingest_path
from rag.indexing.library_cards import document_cards
from rag.records.library import unsearchable_ids
from rag.usecases.startup import open_services
from tests.conftest import CORPUS

PDFS = ("libtasn1.pdf", "shared-mime-info-spec.pdf")
needs_corpus = pytest.mark.corpus(*PDFS)


@pytest.fixture(scope="module")
def library(tmp_path_factory, real_embedding):
    settings = Settings(_env_file=None, storage_dir=tmp_path_factory.mktemp("suggest"))
    services = open_services(settings, real_embedding)
    ids = {name: ingest_path(services, CORPUS / name).doc_id for name in PDFS}
    services.store.optimize()
    yield services, ids
    services.close()


def own_section_rank(services, s, scope) -> int | None:
    """The rank of the suggestion's section in a fresh retrieval; the section's pages come from the card."""
    card = document_cards(services, [s.doc_id])[s.doc_id]
    ranges = [card.section_pages(e) for e in card.outline if e.title == s.section]
    if not ranges:  # drawn from a summary sentence without a section, or a document without an outline
        ranges = [s.pages]
    docs = make_retriever(services, scope, unsearchable_ids(services)).invoke(s.question)
    ranks = [
        r
        for r, d in enumerate(docs, 1)
        if d.metadata["doc_id"] == s.doc_id and any(d.metadata["page"] in p for p in ranges)
    ]
    return ranks[0] if ranks else None


def assert_lead_to_their_sections(services, shown, scope) -> None:
    assert shown, "no suggestion for a library of real manuals"
    for s in shown:
        rank = own_section_rank(services, s, scope)
        assert rank is not None and rank <= 3, f"{s.question!r} ({s.section}) retrieved its section at rank {rank}"


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
@pytest.mark.parametrize("scope", [None, *PDFS])
def test_each_suggestion_retrieves_its_own_section(library, scope):
    services, ids = library
    doc_ids = [ids[scope]] if scope else None
    shown = suggestions(services, doc_ids)
    assert 1 <= len(shown) <= 3
    assert_lead_to_their_sections(services, shown, doc_ids)
    assert suggest_questions(services, doc_ids) == [s.question for s in shown]  # stable from call to call


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
def test_one_document_scope_draws_only_from_it(library):
    services, ids = library
    for doc_id in ids.values():
        assert {s.doc_id for s in suggestions(services, [doc_id])} == {doc_id}


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
def test_an_asked_question_is_never_suggested_again(library):
    services, _ = library
    first = suggest_questions(services)
    asked = ["  " + first[0].upper().replace(" ", "   ") + " "]  # case and spacing do not matter
    again = suggest_questions(services, asked=asked)
    assert first[0].lower() not in [q.lower() for q in again]


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
def test_after_an_answer_the_neighbouring_sections_come_and_not_the_one_answered(library):
    services, ids = library
    libtasn1 = ids["libtasn1.pdf"]
    card = document_cards(services, [libtasn1])[libtasn1]
    answered = next(e for e in card.outline if e.title == "Invoking asn1Coding")
    cited = Source(libtasn1, "libtasn1.pdf", answered.page, "", 1.0)
    shown = suggestions(services, near=[cited], asked=["How do I encode a value with asn1Coding?"])
    assert_lead_to_their_sections(services, shown, None)
    assert shown[0].doc_id == libtasn1
    assert all(answered.page not in s.pages for s in shown if s.doc_id == libtasn1)
    assert all("asn1coding" not in s.question.lower() for s in shown)


def test_an_empty_library_suggests_nothing(services):
    assert suggest_questions(services) == []


class RecordingModel(GenericFakeChatModel):
    """A fake large model that keeps the prompts it was given, so its replies can be written from them."""

    prompts: list[str] = Field(default_factory=list)

    def _generate(self, messages, *args, **kwargs):
        self.prompts.append(str(messages[-1].content))
        return super()._generate(messages, *args, **kwargs)


@pytest.fixture
def large_model(library):
    """The library's services as with a large model, the fake given; put back afterwards."""
    services, _ = library
    with services.sessions.begin() as session:  # a summary written in the background would take its replies
        for document in session.scalars(select(Document)):
            document.card = {**document.card, "model_summary": "A manual."}
    offline = suggest_questions(services)

    def use(model):
        services.settings.llm_provider = "openai"
        services.__dict__["llm"] = model
        return services, offline

    yield use
    services.settings.llm_provider = "local"
    services.__dict__.pop("llm", None)


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
def test_a_large_model_writes_the_questions_and_they_are_checked_alike(large_model):
    def reply():
        listing = re.findall(r"^(\d+)\. (.+) > (.+)$", model.prompts[-1], re.M)
        lines = [f"{n}. Could you explain {section} in {doc}?" for n, doc, section in listing]
        return AIMessage("\n".join(["Here you are:", *lines, "1 no question mark"]))

    model = RecordingModel(messages=(reply() for _ in itertools.count()))
    services, _ = large_model(model)
    shown = suggestions(services)
    assert model.prompts and "Could you explain" in shown[0].question
    assert_lead_to_their_sections(services, shown, None)


@pytest.mark.slow  # two real manuals of the shared corpus, indexed once for the module
@needs_corpus
@pytest.mark.parametrize(
    "model",
    [
        GenericFakeChatModel(messages=iter([AIMessage("Sure! Those sections look great. Anything else?")])),
        GenericFakeChatModel(messages=iter([])),  # raises at the first call
    ],
    ids=["garbage", "error"],
)
def test_a_failing_large_model_leaves_the_offline_questions(large_model, model):
    services, offline = large_model(model)
    assert suggest_questions(services) == offline


MANUAL = describe(DocumentCard(title="Asymptote manual", pages=200))
SPEC = describe(DocumentCard(title="Shared MIME-info Database specification", pages=17))


@pytest.mark.parametrize(
    ("title", "several", "parent", "question"),
    [
        ("Installing Asymptote", False, "", "How do I install Asymptote?"),
        ("Drawing commands", False, "", "What does the manual say about drawing commands?"),
        ("Drawing commands", True, "", "What does the Asymptote manual say about drawing commands?"),
        ("asn1_der_coding", True, "", "What does asn1_der_coding do?"),
        ("2.1 Compiling from UNIX source", False, "", "How do I compile from UNIX source?"),
        ("Drawing in batch mode", True, "", "In Asymptote, how do I draw in batch mode?"),
        ("Using your own fonts", False, "", "How do I use my own fonts?"),
        ("1 Introduction", False, "", "What is Asymptote?"),
        ("Installation", True, "", "How do I install Asymptote?"),
        ("draw", False, "4 Drawing commands", "What does the draw command do?"),
        ("Microsoft Windows", False, "", "What does the manual say about Microsoft Windows?"),
        ("2.4. The glob files", False, "", "What does the specification say about the glob files?"),
    ],
)
def test_section_titles_become_questions(title, several, parent, question):
    doc = SPEC if "glob" in title else MANUAL
    assert title_question(title, doc, several, parent)[0] == question


@pytest.mark.parametrize(
    "title",
    ["Index", "Concept Index", "Contents", "Preface", "Acknowledgements", "GNU Free Documentation License", "12",
     "3.4", "A Copying Information", "What is this spec?", "A very long title " + "that goes on and on " * 4],
)  # fmt: skip
def test_junk_titles_give_no_question(title):
    assert title_question(title, MANUAL, False) is None


def test_the_document_is_named_in_a_library_when_the_question_would_be_ambiguous():
    assert SPEC.the_name == "the Shared MIME-info Database"
    assert title_question("Directory layout", SPEC, True)[0] == (
        "What does the Shared MIME-info Database specification say about directory layout?"
    )
    assert title_question("Storing the MIME type", SPEC, True)[0] == "How do I store the MIME type?"  # named: MIME


@pytest.mark.parametrize(
    ("gerund", "verb"),
    [("Installing", "install"), ("Compiling", "compile"), ("Running", "run"), ("Embedding", "embed"),
     ("Using", "use"), ("Parsing", "parse"), ("Encoding", "encode"), ("Handling", "handle"), ("Drawing", "draw"),
     ("Debugging", "debug"), ("Configuring", "configure"), ("Creating", "create"), ("Adding", "add"),
     ("Saving", "save"), ("Changing", "change"), ("Reading", "read"), ("String", None), ("Everything", None)],
)  # fmt: skip
def test_gerunds_become_verbs(gerund, verb):
    assert base_verb(gerund) == verb


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Asymptote is a powerful descriptive vector graphics language for technical drawing.", "What is Asymptote?"),
        (
            "The package CAD.asy provides basic pen definitions for 2D drawings.",
            "What does the package CAD.asy provide?",
        ),
        ("Libtasn1 lets you parse ASN.1 definitions at run time.", "What can I do with Libtasn1?"),
        ("Search the structure that is defined just after an OID definition.", None),
        ("It is also useful to store information about each type.", None),
    ],
)
def test_summary_sentences_become_questions(sentence, question):
    assert sentence_question(sentence, MANUAL, False) == question
