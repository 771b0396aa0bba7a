"""A change of topic inside a conversation: a question searched alone whose sources are in none of the documents
the conversation's earlier answers cited is marked `new_topic`, which the chat offers to ask in a new conversation.
The fast tier: the fake embedder, and the fake model standing in for the local one (no rewrites)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rag.answering.topics import leaves_conversation, mark_new_topics
from rag.config import Settings
from rag.indexing.ingest import ingest_bytes
from rag.models.fake_chat import FakeChatModel
from rag.schemas import MessagePublic, Quote, Source
from rag.usecases import asking, conversations
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

# Five pages each, so that each one's questions find five pages of it and none of the other (top_k is 5).
R_MANUAL = make_pdf(
    [
        [f"Installing R on Linux, step {n}: the R installation packages for Linux come from the CRAN mirror."]
        for n in range(1, 4)
    ]
    + [[f"Installing R on Windows, step {n}: run the R installer for Windows from CRAN."] for n in range(1, 3)]
)
ZOO = make_pdf(
    [[f"Penguin feeding, note {n}: adult penguins eat herring and krill, about two kilograms a day."] for n in range(5)]
)


@pytest.mark.parametrize(
    ("question", "searched_for", "cited", "earlier", "leaves"),
    [
        ("What do penguins eat?", "What do penguins eat?", {"zoo"}, {"r"}, True),
        ("What do penguins eat?", "What do penguins eat?", {"zoo", "r"}, {"r"}, False),  # one source is the topic's
        ("And on Windows?", "How do I install R? And on Windows?", {"zoo"}, {"r"}, False),  # joined: a follow-up
        ("What do penguins eat?", "What do penguins eat?", {"zoo"}, set(), False),  # nothing cited before
        ("What do penguins eat?", "What do penguins eat?", set(), {"r"}, False),  # nothing found
    ],
)
def test_a_question_leaves_the_conversation_when_searched_alone_in_other_documents(
    question, searched_for, cited, earlier, leaves
):
    assert leaves_conversation(question, searched_for, cited, earlier) is leaves


def _message(id: int, role: str, content: str = "", question_id: int | None = None, docs: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    sources = [Source(doc, f"{doc}.pdf", 1, "…", 1.0) for doc in docs]
    return MessagePublic(
        id=id,
        role=role,  # type: ignore[arg-type]
        content=content,
        created_at=datetime.now(UTC),
        question_id=question_id,
        standalone_question=content if role == "user" else None,
        sources=sources,
    )


def test_the_documents_of_every_earlier_answer_are_the_conversations():
    r1 = _message(1, "user", "How do I install R?")
    a1 = _message(2, "assistant", question_id=1, docs=("r",)).model_copy(update={"standalone_question": r1.content})
    z = _message(3, "user", "What do penguins eat?")
    a2 = _message(4, "assistant", question_id=3, docs=("zoo",)).model_copy(update={"standalone_question": z.content})
    r2 = _message(5, "user", "How do I install R?")
    a3 = _message(6, "assistant", question_id=5, docs=("r",)).model_copy(update={"standalone_question": r2.content})
    marked = mark_new_topics([r1, a1, z, a2, r2, a3])
    # The first answer starts the conversation; back on R, its documents were cited before: no new topic.
    assert [m.new_topic for m in marked] == [False, False, False, True, False, False]


def test_an_answer_is_about_the_documents_it_quoted_not_every_source_listed():
    r1 = _message(1, "user", "How do I install R?")
    a1 = _message(2, "assistant", question_id=1, docs=("r",)).model_copy(update={"standalone_question": r1.content})
    z = _message(3, "user", "What do penguins eat?")
    # Five sources a question: a weak page of the R manual is among the penguin answer's, but only the zoo's
    # sentences answer it.
    quoted = [Quote("Adult penguins eat herring and krill.", "zoo", "zoo.pdf", 1, 0.9)]
    a2 = _message(4, "assistant", question_id=3, docs=("zoo", "r")).model_copy(
        update={"standalone_question": z.content, "quotes": quoted}
    )
    assert [m.new_topic for m in mark_new_topics([r1, a1, z, a2])] == [False, False, False, True]
    # Without quotes (a model's answer), the sources are what it was about: one of them is the conversation's.
    a2.quotes = []
    assert not mark_new_topics([r1, a1, z, a2])[-1].new_topic


@pytest.fixture
def library(tmp_path, embedding):  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", llm_provider="fake", fake_llm_as_local=True)
    services = open_services(settings, embedding, llm=FakeChatModel())
    assert ingest_bytes(services, R_MANUAL, "r-manual.pdf").status == "indexed"
    assert ingest_bytes(services, ZOO, "zoo.pdf").status == "indexed"
    yield services
    services.close()


def _asked(services, question: str, conversation_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
    turn = asking.ask(services, question, conversation_id)
    "".join(turn.tokens)
    return turn.conversation_id


def test_a_conversation_that_moves_to_another_document_offers_a_new_one(library):
    conversation = _asked(library, "How do I install R on Linux?")
    _asked(library, "how do I do that on Windows?", conversation)
    _asked(library, "What do adult penguins eat?", conversation)
    answers = [m for m in conversations.get_conversation(library, conversation).messages if m.role == "assistant"]
    first, follow_up, switched = answers
    assert {s.filename for s in first.sources} == {"r-manual.pdf"}
    # The follow-up was searched joined to the question before it, as its "Searched for" says.
    assert follow_up.standalone_question == "How do I install R on Linux? how do I do that on Windows?"
    assert switched.standalone_question == "What do adult penguins eat?"
    assert {s.filename for s in switched.sources} == {"zoo.pdf"}
    assert [a.new_topic for a in answers] == [False, False, True]
    # Asked again in a conversation of its own, it is that conversation's topic.
    fresh = _asked(library, "What do adult penguins eat?")
    assert not conversations.get_conversation(library, fresh).messages[-1].new_topic
