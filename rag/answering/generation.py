"""The model stage: the model's answer from the passages found, or its summary from a card's material, streamed.

Prompts live here and nowhere else. The context sits in the user turn: small local models follow it there far
better than in a system prompt, and large ones do not mind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from rag.answering.gates import NOT_FOUND
from rag.errors import LLMError
from rag.language import name

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You answer questions about the user's documents using only the context they give you. "
            "Cite the page of each fact like [p.4]. "
            f"If the context does not contain the answer, reply exactly: {NOT_FOUND}",
        ),
        (
            "human",
            "Context:\n{context}\n\nQuestion: {input}\nAnswer in a few sentences{in_language}, using the words of the "
            "context:",
        ),
    ]
).partial(in_language="")  # in_language below: nothing where all is English

_WRITE = (
    "You summarise the user's documents using only the material they give you: titles, outlines and sentences "
    "quoted from the documents, each with its page. Write 3 to 5 sentences (a short list for several documents) "
    "that answer the request, citing pages like [p.4]. Add nothing the material does not say."
)
SUMMARY_PROMPT = ChatPromptTemplate.from_messages(
    [("system", _WRITE), ("human", "Material:\n{context}\n\nRequest: {input}\nSummary{in_language}:")]
).partial(in_language="")


def format_context(docs: Sequence[LCDocument], max_chars: int) -> str:
    parts, used = [], 0
    for doc in docs:  # best first, so the budget cuts the weakest passages
        text = doc.page_content
        if not parts and len(text) > max_chars:
            # A page's passages read together (rag/answering/retrieval.py PAGE_PASSAGES) over the budget: its best
            # alone, what the model was given before they were joined (SmolLM2 answers no better with more).
            text = doc.metadata.get("best", text)
        block = f"[p.{doc.metadata['page']} · {doc.metadata['filename']}]\n{text}"
        if parts and used + len(block) > max_chars:
            break
        parts.append(block)
        used += len(block)
    return "\n\n".join(parts)


def in_language(question_language: str | None, passage_languages: Sequence[str | None] = ()) -> str:
    """What the prompt adds so that the answer is in the question's language: nothing where the question and
    its passages are all English (the prompt the English benchmarks measured), " in German" otherwise: told to use
    the context's words, a model may answer in the context's language (not measured: no model here writes well in
    other languages)."""
    languages = {language or "en" for language in passage_languages} | {question_language or "en"}
    return "" if languages == {"en"} or question_language is None else f" in {name(question_language)}"


def model_answer(
    llm: BaseChatModel, question: str, docs: Sequence[LCDocument], context_chars: int, language: str | None = "en"
) -> Iterator[str]:
    """The model's answer to `question` (in `language`, the question's) from the passages, as it streams; consume
    once."""
    inputs = {
        "input": question,
        "context": format_context(docs, context_chars),
        "in_language": in_language(language, [doc.metadata.get("language") for doc in docs]),
    }
    return guard_stream((ANSWER_PROMPT | llm).stream(inputs))


def written_summary(llm: BaseChatModel, request: str, material: str, language: str | None = "en") -> Iterator[str]:
    """The model's summary of a card's material (rag/answering/summaries.py) in the request's `language`, as it
    streams; consume once."""
    inputs = {"input": request, "context": material, "in_language": in_language(language)}
    return guard_stream((SUMMARY_PROMPT | llm).stream(inputs))


def guard_stream(chunks: Iterator[BaseMessage]) -> Iterator[str]:
    """The model's text as it streams. Read from the model's own chunks, not through StrOutputParser: a parser
    step at the end of the chain read the model to its end when the stream was closed (langchain-core 1.8), so a
    reader that went away kept the model writing an answer nobody would read, and its stored answer waited."""
    try:
        for chunk in chunks:
            text = chunk.content if isinstance(chunk.content, str) else chunk.text
            if text:
                yield text
    except Exception as exc:
        raise LLMError(f"The language model stopped with an error: {exc}") from exc
