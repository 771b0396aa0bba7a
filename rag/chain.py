"""The question-answering chain: history-aware rewrite -> hybrid retrieval -> grounded, streamed answer."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from langchain_core.documents import Document as LCDocument
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableLambda

from rag.accounts.access import owner_workspace
from rag.answer_policy import Mode, Strategy, strategy_for, uses_model
from rag.errors import LLMError
from rag.followups import search_followup
from rag.grounding import mentions, unmatched_terms
from rag.library import unsearchable_ids
from rag.quotes import Quote, answers_question, extract_quotes
from rag.retrieval import make_retriever
from rag.services import Services
from rag.sources import Source, to_sources
from rag.summaries import SUMMARY_PROMPT, SummaryRequest, answer_summary, summary_request

NOT_FOUND = "I couldn't find anything about that in your documents."
NO_ANSWERING_PASSAGE = (
    "I couldn't find a passage in your documents that answers this. The pages that came closest are listed below."
)
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


@dataclass
class Answer:
    standalone_question: str
    sources: list[Source]
    tokens: Iterator[str]  # the model's answer (or the summary, or the refusal), streamed; consume once
    passages: list[str] = field(default_factory=list)  # the full texts the answer was given, for grounding
    quotes: list[Quote] = field(default_factory=list)  # the documents' own sentences that answer it, best first
    strategy: Strategy = "model"
    # Known before the stream for refusals and summaries; otherwise decided once the answer is checked.
    mode: Mode | None = None


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


def retrieve(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
    previous_doc_ids: Sequence[str] = (),
    workspace_id: str | None = None,
) -> tuple[str, list[LCDocument]]:
    """The standalone question and the workspace's retrieved passages, best first. `previous_doc_ids`: the
    documents the previous answer cited, a soft preference for a follow-up."""
    history = list(history)[-2 * services.settings.history_turns :] if services.settings.history_turns else []
    exclude = unsearchable_ids(services, workspace_id)
    previous = next((m.content for m in reversed(history) if isinstance(m, HumanMessage)), "")
    if not previous:
        return question, make_retriever(services, doc_ids, exclude, workspace_id).invoke(question)
    if services.settings.llm_provider == "local":
        # SmolLM2's rewrites were never usable (bench/followups.py): the follow-up is searched without one.
        return search_followup(
            services, question, previous, doc_ids, exclude, previous_doc_ids, workspace_id=workspace_id
        )
    try:
        standalone = history_aware_question(services.llm).invoke({"input": question, "chat_history": history})
    except LLMError:
        raise
    except Exception as exc:
        raise LLMError(f"The language model failed while reading the conversation: {exc}") from exc
    return standalone, make_retriever(services, doc_ids, exclude, workspace_id).invoke(standalone)


def ask(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
    previous_doc_ids: Sequence[str] = (),
    strategy: Strategy | None = None,
    workspace_id: str | None = None,
) -> Answer:
    """Retrieves now and returns the answer as a lazy token stream, so the UI can show sources and quotes early."""
    strategy = strategy or strategy_for(services.settings)
    request = summary_request(question)
    if request is not None:
        return _summary(services, question, request, doc_ids, workspace_id)
    standalone, docs = retrieve(services, question, history, doc_ids, previous_doc_ids, workspace_id)
    if not docs:
        return Answer(standalone, [], iter([NOT_FOUND]), mode="not_found")
    # A follow-up is refused for names it asks about, not for the previous question's ("I couldn't find anything
    # about “Kubernetes” or “Excel”" when only Excel was asked); a large model's rewrite carries only what it needs.
    local = services.settings.llm_provider == "local"
    missing = unmentioned_terms(services, question if local else standalone, docs, doc_ids, workspace_id)
    if missing:
        # A small model asked about a name its context never mentions answers about something else, fluently.
        return Answer(standalone, [], iter([not_found_about(missing)]), mode="not_found")
    # Without a model's rewrite, the follow-up's own words pick its sentences best: scored against the previous
    # question joined to it, the first topic's sentences won (bench/answers.py, key fact in the quotes).
    quoted_for = question if local else standalone
    quotes = extract_quotes(quoted_for, docs, services.embedding.embeddings)
    passages = [d.page_content for d in docs]
    if strategy in ("quotes", "quotes_first") and not answers_question(quotes):
        # The closest sentences do not answer it: saying so beats quoting them as if they did.
        return Answer(standalone, to_sources(docs), iter([NO_ANSWERING_PASSAGE]), passages, mode="not_found")
    tokens: Iterator[str] = iter(())
    if uses_model(strategy):
        inputs = {"input": standalone, "context": format_context(docs, services.settings.context_chars)}
        tokens = _guard_stream((ANSWER_PROMPT | services.llm).stream(inputs))
    return Answer(standalone, to_sources(docs), tokens, passages, quotes, strategy)


def _summary(
    services: Services,
    question: str,
    request: SummaryRequest,
    doc_ids: Sequence[str] | None,
    workspace_id: str | None = None,
) -> Answer:
    """A summary or overview, from the document cards instead of top-k passages: offline in the documents' own
    words; with a large model, written by it from the same material."""
    summary = answer_summary(services, request, doc_ids, workspace_id)
    tokens: Iterator[str] = iter([summary.text])
    if services.settings.llm_provider != "local" and summary.sources:
        tokens = _guard_stream((SUMMARY_PROMPT | services.llm).stream({"input": question, "context": summary.context}))
    return Answer(question, summary.sources, tokens, [summary.context], mode="summary")


def unmentioned_terms(
    services: Services,
    question: str,
    docs: Sequence[LCDocument],
    doc_ids: Sequence[str] | None = None,
    workspace_id: str | None = None,
) -> list[str]:
    """The names in the question that neither the retrieved passages nor any passage of the workspace's library
    mention. A name the passages miss but the library has is a retrieval miss, not a missing answer: it passes."""
    found = [f"{d.metadata['filename']} {d.metadata['section']} {d.page_content}" for d in docs]
    unmatched = unmatched_terms(question, found)
    if not unmatched:
        return []
    workspace = owner_workspace(services, workspace_id)
    exclude = unsearchable_ids(services, workspace)
    return [
        term
        for term in unmatched
        if not any(
            mentions(f"{c.filename} {c.search_text}", term)
            for c in services.store.keyword_search(term, KEYWORD_CHECK, doc_ids, exclude, workspace=workspace)
        )
    ]


def _guard_stream(chunks: Iterator[BaseMessage]) -> Iterator[str]:
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
