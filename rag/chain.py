"""The question-answering chain: history-aware rewrite -> hybrid retrieval -> grounded, streamed answer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableLambda

from rag.errors import LLMError
from rag.grounding import mentions, unmatched_terms
from rag.library import trashed_ids
from rag.retrieval import make_retriever
from rag.services import Services

NOT_FOUND = "I couldn't find anything about that in your documents."
# Passages a keyword search reads to see whether the library mentions a name at all.
KEYWORD_CHECK = 20

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's last question as one standalone question that can be understood "
            "without the conversation. Keep every name and technical term. Do not answer it. "
            "Reply with the question only.",
        ),
        MessagesPlaceholder("chat_history"),
        ("human", "{input}"),
    ]
)

# The context sits in the user turn: small local models follow it there far better than in a system
# prompt, and large ones do not mind.
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
            "Context:\n{context}\n\nQuestion: {input}\nAnswer in a few sentences, using the words of the context:",
        ),
    ]
)


def not_found_about(terms: Sequence[str]) -> str:
    names = [f"“{t}”" for t in terms]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"I couldn't find anything about {listed} in your documents."


@dataclass(frozen=True)
class Source:
    doc_id: str
    filename: str
    page: int
    snippet: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    standalone_question: str
    sources: list[Source]
    tokens: Iterator[str]  # the answer, streamed; consume once
    passages: list[str] = field(default_factory=list)  # the full texts the answer was given, for grounding


def _clean_rewrite(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    return re.sub(r"^(standalone question|question)\s*:\s*", "", text, flags=re.I).strip(" \"'")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9_]{4,}", text.lower())}


def _plausible_rewrite(rewritten: str, question: str, previous: str) -> bool:
    """A rewrite we can trust: a question, of sensible length, that is the input itself or takes context
    from the conversation. Small models often answer instead, or drift off the topic."""
    if not rewritten.endswith("?") or len(rewritten) > 2 * (len(question) + len(previous)) + 40:
        return False
    return _words(rewritten) == _words(question) or bool(_words(rewritten) & (_words(previous) - _words(question)))


def history_aware_question(llm: BaseChatModel) -> Runnable:
    """{input, chat_history} -> a standalone question."""
    rewrite = CONDENSE_PROMPT | llm | StrOutputParser() | RunnableLambda(_clean_rewrite)

    def guarded(inputs: dict) -> str:
        question = inputs["input"]
        previous = next((m.content for m in reversed(inputs["chat_history"]) if isinstance(m, HumanMessage)), "")
        rewritten = rewrite.invoke(inputs)
        if _plausible_rewrite(rewritten, question, previous):
            return rewritten
        # The previous question plus this one is a safe standalone search when the rewrite is not.
        return f"{previous} {question}".strip()

    return RunnableLambda(guarded)


def format_context(docs: Sequence[LCDocument], max_chars: int) -> str:
    parts, used = [], 0
    for doc in docs:  # best first, so the budget cuts the weakest passages
        block = f"[p.{doc.metadata['page']} · {doc.metadata['filename']}]\n{doc.page_content}"
        if parts and used + len(block) > max_chars:
            break
        parts.append(block)
        used += len(block)
    return "\n\n".join(parts)


def to_sources(docs: Sequence[LCDocument]) -> list[Source]:
    return [
        Source(
            d.metadata["doc_id"],
            d.metadata["filename"],
            d.metadata["page"],
            d.metadata["snippet"],
            round(float(d.metadata["score"]), 4),
        )
        for d in docs
    ]


def retrieve(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
) -> tuple[str, list[LCDocument]]:
    """The standalone question and the retrieved passages, best first."""
    history = list(history)[-2 * services.settings.history_turns :] if services.settings.history_turns else []
    standalone = question
    if history:
        try:
            standalone = history_aware_question(services.llm).invoke({"input": question, "chat_history": history})
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(f"The language model failed while reading the conversation: {exc}") from exc
    return standalone, make_retriever(services, doc_ids, trashed_ids(services)).invoke(standalone)


def ask(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
) -> Answer:
    """Retrieves now and returns the answer as a lazy token stream, so the UI can show sources early."""
    standalone, docs = retrieve(services, question, history, doc_ids)
    if not docs:
        return Answer(standalone, [], iter([NOT_FOUND]))
    missing = unmentioned_terms(services, standalone, docs, doc_ids)
    if missing:
        # A small model asked about a name its context never mentions answers about something else, fluently.
        return Answer(standalone, [], iter([not_found_about(missing)]))
    answer_chain = ANSWER_PROMPT | services.llm | StrOutputParser()
    inputs = {"input": standalone, "context": format_context(docs, services.settings.context_chars)}
    passages = [d.page_content for d in docs]
    return Answer(standalone, to_sources(docs), _guard_stream(answer_chain.stream(inputs)), passages)


def unmentioned_terms(
    services: Services, question: str, docs: Sequence[LCDocument], doc_ids: Sequence[str] | None = None
) -> list[str]:
    """The names in the question that neither the retrieved passages nor any passage of the library mention.
    A name the passages miss but the library has is a retrieval miss, not a missing answer: it passes."""
    found = [f"{d.metadata['filename']} {d.metadata['section']} {d.page_content}" for d in docs]
    unmatched = unmatched_terms(question, found)
    exclude = trashed_ids(services) if unmatched else []
    return [
        term
        for term in unmatched
        if not any(
            mentions(f"{c.filename} {c.search_text}", term)
            for c in services.store.keyword_search(term, KEYWORD_CHECK, doc_ids, exclude)
        )
    ]


def _guard_stream(tokens: Iterator[str]) -> Iterator[str]:
    try:
        yield from tokens
    except Exception as exc:
        raise LLMError(f"The language model stopped with an error: {exc}") from exc
