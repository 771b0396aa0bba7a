"""The "not in your documents" gate on what a question asks for: a duration or a date the passages do not hold."""

import pytest

from rag.answering.gates import NO_ANSWERING_PASSAGE, lacks_what_is_asked
from rag.answering.pipeline import draft_answer
from rag.config import Settings
from rag.indexing.ingest import ingest_bytes
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

PAPER = [
    "We ran 500 simulations of the censored model with samples of 100, 400 and 1000 observations.",
    "The Powell estimator had the smallest bias, and the Portnoy estimator the smallest error.",
]


@pytest.mark.parametrize(
    ("question", "lacks"),
    [
        ("How long did the simulations take to run?", True),
        ("How many seconds did the search need?", True),
        ("How much time did the search need?", True),
        ("On what date was version 0.10 released?", True),
        ("How many simulations were run?", False),  # a number, and the passages hold one
        ("Which estimator had the smallest bias?", False),
        ("In what year did the Powell estimator have the smallest bias?", True),
    ],
)
def test_a_duration_or_a_date_is_asked_and_not_held(question, lacks):
    assert lacks_what_is_asked(question, PAPER) is lacks


@pytest.mark.parametrize(
    "held",
    ["Each run took 3.2 seconds.", "The search needed a few minutes.", "It ran for two hours", "in 12 ms", "10 days"],
)
def test_a_duration_with_its_unit_answers_how_long(held):
    assert not lacks_what_is_asked("How long did each run take?", [*PAPER, held])


@pytest.mark.parametrize("held", ["It was released in 2019.", "Released on March 3, 2004", "Dec. 12 builds"])
def test_a_year_or_a_month_answers_when(held):
    assert not lacks_what_is_asked("On what date was version 0.10 released?", [*PAPER, held])


def test_the_chat_says_the_documents_do_not_hold_it(tmp_path, embedding):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes"), embedding)
    try:
        ingest_bytes(services, make_pdf([PAPER]), "paper.pdf")
        refused = draft_answer(services, "How long did we run the 500 simulations of the censored model?")
        assert refused.mode == "not_found" and "".join(refused.tokens) == NO_ANSWERING_PASSAGE
        assert [s.filename for s in refused.sources] == ["paper.pdf"]  # the closest pages are still listed
        answered = draft_answer(services, "How many simulations of the censored model were run?")
        assert answered.mode != "not_found" and "500 simulations" in answered.quotes[0].text
    finally:
        services.close()
