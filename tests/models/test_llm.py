"""The language model step: the real local model (slow), the follow-up rewrite with fake models, and a real
(refused) network call."""

import subprocess
import sys

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from pydantic import Field

from rag.answering.generation import ANSWER_PROMPT
from rag.answering.pipeline import draft_answer
from rag.answering.search import retrieve
from rag.config import Settings
from rag.errors import LLMError
from rag.indexing.ingest import ingest_bytes
from rag.models.chat import build_llm
from rag.models.fake_chat import FakeChatModel
from rag.usecases.startup import open_services
from tests.conftest import ROOT
from tests.pdfs import make_pdf


@pytest.mark.slow  # the real SmolLM2
def test_local_model_streams_an_answer_from_a_context():
    llm = build_llm(Settings(_env_file=None, llm_max_tokens=24))
    chain = ANSWER_PROMPT | llm | StrOutputParser()
    context = "[p.3 · zoo.pdf]\nThe zoo opens at nine in the morning and closes at six."
    parts = list(chain.stream({"input": "When does the zoo open?", "context": context}))
    assert len(parts) >= 2, "the answer arrived in one piece, not streamed"
    assert "".join(parts).strip()


class RecordingModel(FakeChatModel):
    """The fake model, keeping the system prompt of each request it answered."""

    asked: list[str] = Field(default_factory=list)

    def answer(self, messages: list[BaseMessage]) -> str:
        self.asked.append(str(messages[0].content))
        return super().answer(messages)


HISTORY = [HumanMessage("What do adult penguins eat?"), AIMessage("Two kilograms of herring every day [p.1].")]


def _standalone(tmp_path, embedding, model: RecordingModel, **settings) -> str:
    """The standalone question retrieve() searches for the follow-up "And in winter?" after HISTORY."""
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", **settings)
    services = open_services(settings, embedding, llm=model)
    try:
        standalone, _ = retrieve(services, "And in winter?", HISTORY)
    finally:
        services.close()
    return standalone


# A large model (not the local one) is asked to rewrite a follow-up; the fake stands in for it.
LARGE = {"llm_provider": "openai", "openai_api_key": "x"}


def test_a_plausible_rewrite_of_a_follow_up_is_the_standalone_question(tmp_path, embedding):
    model = RecordingModel(reply="What do adult penguins eat in winter?")
    assert _standalone(tmp_path, embedding, model, **LARGE) == "What do adult penguins eat in winter?"
    assert len(model.asked) == 1 and "Rewrite" in model.asked[0]


def test_an_implausible_rewrite_falls_back_to_the_previous_question_and_the_follow_up(tmp_path, embedding):
    model = RecordingModel(reply="Sure! Here is a long answer about what penguins eat in winter.")
    assert _standalone(tmp_path, embedding, model, **LARGE) == "What do adult penguins eat? And in winter?"
    assert len(model.asked) == 1 and "Rewrite" in model.asked[0], "the fallback came without asking the model"


def test_the_local_model_is_never_asked_to_rewrite_a_follow_up(tmp_path, embedding):
    model = RecordingModel(reply="What do adult penguins eat in winter?")
    assert _standalone(tmp_path, embedding, model) == "What do adult penguins eat? And in winter?"
    assert model.asked == []


def test_an_unreachable_model_server_is_a_clear_error(tmp_path, embedding, unreachable_llm):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", **unreachable_llm)
    services = open_services(settings, embedding)
    try:
        ingest_bytes(services, make_pdf([["The zoo opens at nine in the morning."]]), "zoo.pdf")
        answer = draft_answer(services, "When does the zoo open?")
        assert answer.sources[0].page == 1
        with pytest.raises(LLMError, match="The language model stopped with an error"):
            "".join(answer.tokens)
    finally:
        services.close()


CONCURRENT = """
import threading
from langchain_core.output_parsers import StrOutputParser
from pydantic import Field
from rag.answering.generation import ANSWER_PROMPT
from rag.config import Settings
from rag.models.chat import build_llm
chain = ANSWER_PROMPT | build_llm(Settings(_env_file=None, llm_max_tokens=32)) | StrOutputParser()
def run(i):
    "".join(chain.stream({"input": f"question {i}: when does it open?", "context": "It opens at nine. " * 20}))
threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
print("all answered")
"""


@pytest.mark.slow  # the real SmolLM2, three times, in a child process
def test_concurrent_sessions_share_the_local_model_without_crashing():
    # In a child process: without serialisation, llama.cpp takes the whole process down (segfault).
    proc = subprocess.run([sys.executable, "-c", CONCURRENT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "all answered" in proc.stdout


def test_a_question_about_a_name_no_passage_mentions_is_not_found_without_the_model(
    tmp_path, embedding, unreachable_llm
):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", top_k=1, **unreachable_llm)
    services = open_services(settings, embedding)
    try:
        pages = [["The zoo opens at nine in the morning and closes at six."], ["Keeper Anna feeds the lions at noon."]]
        ingest_bytes(services, make_pdf(pages), "zoo.pdf")
        # The model is unreachable, so an answer that streams without error never asked it.
        answer = draft_answer(services, "Does the zoo open earlier on Easter Monday?")
        assert "".join(answer.tokens) == "I couldn't find anything about “Easter” or “Monday” in your documents."
        assert answer.sources == []
        assert draft_answer(services, "When does the zoo open in the morning?").sources[0].page == 1
        # Anna is on a page the search did not return, but in the library: a retrieval miss, not a refusal.
        assert [
            s.page for s in draft_answer(services, "Does the zoo open at nine in the morning for Anna?").sources
        ] == [1]
    finally:
        services.close()
