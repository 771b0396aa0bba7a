"""The model is asked to answer in the question's language, and the all-English prompt stays as measured."""

from typing import Any

from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from rag.answering.generation import model_answer, written_summary


class Echo(BaseChatModel):
    """Streams back the prompt it was given, so a test reads what the model was asked."""

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(messages[-1].content))])

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        yield ChatGenerationChunk(message=AIMessageChunk(messages[-1].content))


def _page(text: str, language: str) -> LCDocument:
    return LCDocument(page_content=text, metadata={"filename": "x.pdf", "page": 3, "language": language})


GERMAN = _page("Die Mitgliederversammlung findet einmal im Jahr statt.", "de")
ENGLISH = _page("The general meeting is held once a year.", "en")


def test_a_question_in_german_is_answered_in_german():
    prompt = "".join(model_answer(Echo(), "Wie oft findet die Versammlung statt?", [GERMAN], 4000, "de"))
    assert "Answer in a few sentences in German" in prompt


def test_an_english_question_about_a_german_page_is_answered_in_english():
    # Told to use the context's words, a model may answer in the context's language unless told which.
    prompt = "".join(model_answer(Echo(), "How often is the general meeting held?", [GERMAN], 4000, "en"))
    assert "Answer in a few sentences in English" in prompt


def test_all_english_keeps_the_prompt_the_benchmarks_measured():
    prompt = "".join(model_answer(Echo(), "How often is the general meeting held?", [ENGLISH], 4000, "en"))
    assert "Answer in a few sentences, using the words of the context:" in prompt
    # A question whose language could not be told is not given one.
    unknown = "".join(model_answer(Echo(), "SMTP?", [ENGLISH], 4000, None))
    assert "Answer in a few sentences, using the words of the context:" in unknown


def test_a_summary_asked_in_french_is_written_in_french():
    assert "Summary in French:" in "".join(written_summary(Echo(), "Résume le document", "material", "fr"))
    assert "Summary:" in "".join(written_summary(Echo(), "Summarise the document", "material", "en"))
