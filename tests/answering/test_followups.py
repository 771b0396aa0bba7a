"""A follow-up only when it is one: with a model that does not rewrite questions (SmolLM2), a question that stands
alone is searched alone, and one that leans on the conversation is joined to the previous question."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from rag.answering.followups import depends_on_conversation
from rag.answering.search import retrieve
from rag.indexing.ingest import ingest_bytes
from tests.pdfs import make_pdf


@pytest.mark.parametrize(
    "question",
    [
        "how do I do that on Windows?",
        "And on Windows?",
        "OK, and how do I get rid of that breakpoint again?",
        "What about zsh?",
        "What does it return?",
        "How do I undo that?",
        "Does that work in zsh too?",
        "Is there an equivalent for magic rules?",
        "Why?",
    ],
)
def test_a_question_that_leans_on_the_conversation_is_a_follow_up(question):
    assert depends_on_conversation(question)


@pytest.mark.parametrize(
    "question",
    [
        "Why is it called R?",  # the topic change: "it" is R, named in the question
        "Is it possible to run bash scripts in zsh?",
        "Is there a way to list all aliases in bash?",
        "How do I install an extra package?",
        "Which file contains the MIME types that match a given extension?",
        "My script gets refused when it tries to write an output file. What option allows that?",
        "How do I load article with exactly the same options the user passed to my class?",
    ],
)
def test_a_question_that_stands_alone_is_no_follow_up(question):
    assert not depends_on_conversation(question)


@pytest.mark.parametrize(
    "question, follows",
    [
        ("Und wie geht das unter Windows?", True),
        ("Et comment le faire sous Windows ?", True),
        ("¿Y cómo se hace en Windows?", True),
        ("E come si fa su Windows?", True),
        ("Wie installiere ich ein zusätzliches Paket mit apt?", False),
        ("Comment installer un paquet supplémentaire avec apt ?", False),
        ("¿Cómo se instala un paquete adicional con apt?", False),
        ("Come si installa un pacchetto aggiuntivo con apt?", False),
        # English pointers mean nothing in French: "that" is not read where the question is not English.
        ("Comment configurer le fichier that.conf du serveur ?", False),
    ],
)
def test_a_follow_up_in_another_language_is_told_by_its_opening(question, follows):
    assert depends_on_conversation(question) is follows


R_FAQ = make_pdf(
    [
        ["To install R on Windows, run the installer from CRAN and follow its steps."],
        ["Why is R called R? It is named after the first letters of its two authors, Robert and Ross."],
    ]
)


def _history(question: str) -> list:
    return [HumanMessage(question), AIMessage("Run the installer from CRAN.")]


def test_a_change_of_topic_is_searched_alone_and_a_follow_up_joined(fake_services):
    local = fake_services.capabilities.model_copy(update={"rewrites_questions": False})
    fake_services.describe_model = lambda: local  # as SmolLM2: no rewrites
    assert ingest_bytes(fake_services, R_FAQ, "r-faq.pdf").status == "indexed"
    previous = "How do I install R on Windows?"
    switched = retrieve(fake_services, "Why is it called R?", _history(previous))
    assert switched.question == "Why is it called R?"
    assert switched.passages[0].metadata["page"] == 2
    followed = retrieve(fake_services, "And how do I do that on a Mac?", _history(previous))
    assert followed.question == f"{previous} And how do I do that on a Mac?"


MAXIMA = make_pdf(
    [
        ["In Maxima the trigsign switch controls how trigonometric functions of negative arguments simplify."],
        ["The plot2d command draws curves of a function in a new window."],
    ]
)


def test_a_question_that_leaves_its_subject_to_the_conversation_is_joined(fake_services):
    local = fake_services.capabilities.model_copy(update={"rewrites_questions": False})
    fake_services.describe_model = lambda: local
    assert ingest_bytes(fake_services, MAXIMA, "maxima.pdf").status == "indexed"
    previous = "How does Maxima simplify trigonometric functions of negative arguments?"
    # Worded as if it stood alone, but its subject (trigonometric simplification in Maxima) is the conversation's.
    assert not depends_on_conversation("Which switch controls the rule?")
    joined = retrieve(fake_services, "Which switch controls the rule?", _history(previous))
    assert joined.question == f"{previous} Which switch controls the rule?"
    assert joined.passages[0].metadata["page"] == 1
    # A question that names its own subject is met as well alone: it is searched alone.
    alone = retrieve(fake_services, "Which command draws curves of a function in a window?", _history(previous))
    assert alone.question == "Which command draws curves of a function in a window?"
    assert alone.passages[0].metadata["page"] == 2
