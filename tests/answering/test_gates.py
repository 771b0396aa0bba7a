""""The documents don't say": a question asking for a quantity, whose quotes state no number about what it asks,
is not answered by them."""

from __future__ import annotations

import pytest

from rag.answering.gates import lacks_asked_fact
from rag.schemas import Quote


def _quotes(*texts: str) -> list[Quote]:
    return [Quote(text, "zsh", "zsh.pdf", n, 0.8) for n, text in enumerate(texts, 1)]


HISTORY = _quotes(
    "HISTSIZE <S> The maximum number of events stored in the internal history list.",
    "If you use the HIST_EXPIRE_DUPS_FIRST option, setting this value larger than SAVEHIST gives you room.",
)


@pytest.mark.parametrize(
    "question",
    [
        "If I never set HISTSIZE, how many history events does zsh keep by default?",
        "Is there a limit on the size of the history list?",
        "In which version of zsh was HISTSIZE introduced?",
    ],
)
def test_a_quantity_asked_and_no_number_quoted_about_it_is_not_answered(question):
    assert lacks_asked_fact(question, HISTORY)


def test_a_number_quoted_beside_what_is_asked_answers_it():
    question = "How many history events does zsh keep by default?"
    assert not lacks_asked_fact(question, [*HISTORY, *_quotes("By default the history list holds 30 events.")])
    assert not lacks_asked_fact(question, _quotes("The history keeps ten events unless HISTSIZE says otherwise."))


def test_a_number_about_something_else_does_not_answer_it():
    question = "How many history events does zsh keep by default?"
    assert lacks_asked_fact(question, [*HISTORY, *_quotes("Chapter 16 describes the options of zle in 42 pages.")])


@pytest.mark.parametrize(
    "question", ["What does HISTSIZE do in zsh?", "Why does zsh forget my history?", "Can zsh share history?"]
)
def test_a_question_that_asks_no_quantity_is_left_to_the_other_gates(question):
    assert not lacks_asked_fact(question, HISTORY)
