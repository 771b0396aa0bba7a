"""The answer pipeline: one turn of a stored conversation, composed from its stages in order.

1. recognise the request: an ordinary question, or a summary of a document or a section (request.py);
2. retrieve, with a follow-up's own search (search.py, followups.py, retrieval.py);
3. the "not in your documents" gates (gates.py);
4. the documents' own sentences that answer it (quotes.py);
5. the model's answer, or its summary of a card (generation.py; summaries.py for the card's material);
6. grounding: each sentence of the model's answer checked against the passages (grounding.py, policy.py);
7. suggested next questions (suggestions.py);
8. store: the question before anything can fail, the answer as it streams (rag/records/transcripts.py).

Each stage is a function of typed inputs to typed outputs, and none imports this module: data flows one way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage

from rag.answering.gates import (
    NO_ANSWERING_PASSAGE,
    NOT_FOUND,
    in_english,
    lacks_what_is_asked,
    not_found_about,
    reads_names,
    unmentioned_terms,
)
from rag.answering.generation import model_answer, written_summary
from rag.answering.grounding import check_sentences
from rag.answering.policy import Mode, Strategy, decide, doubtful, strategy_for, streams_model, uses_model
from rag.answering.quotes import Quote, answers_question, extract_quotes
from rag.answering.request import summary_request
from rag.answering.search import retrieve, scope
from rag.answering.sources import Source, to_sources
from rag.answering.suggestions import suggest_questions
from rag.answering.summaries import answer_summary
from rag.errors import ClosingError, DatabaseUnavailableError, DocChatError
from rag.language import detect, translator
from rag.records.transcripts import add_answer, add_user_message, cited_documents, history, set_scope, update_answer
from rag.schemas import Turn
from rag.services import Services

log = logging.getLogger(__name__)


@dataclass
class Draft:
    """A turn's answer before it is stored: what was searched, what was found, and the answer's stream."""

    standalone_question: str
    sources: list[Source]
    tokens: Iterator[str]  # the model's answer (or the summary, or the refusal), streamed; consume once
    passages: list[str] = field(default_factory=list)  # the full texts the answer was given, for grounding
    quotes: list[Quote] = field(default_factory=list)  # the documents' own sentences that answer it, best first
    strategy: Strategy = "model"
    # Known before the stream for refusals and summaries; otherwise decided once the answer is checked.
    mode: Mode | None = None


def draft_answer(
    services: Services,
    question: str,
    history: Sequence[BaseMessage] = (),
    doc_ids: Sequence[str] | None = None,
    previous_doc_ids: Sequence[str] = (),
    strategy: Strategy | None = None,
    workspace_id: str | None = None,
) -> Draft:
    """Stages 1-5: retrieves now and returns the answer as a lazy token stream, so a front end can show the
    sources and the quotes before the model's first word."""
    strategy = strategy or strategy_for(services.settings, services.capabilities)
    request = summary_request(question)
    language = detect(question)
    if request is not None:
        summary = answer_summary(services, request, doc_ids, workspace_id)
        tokens: Iterator[str] = iter([summary.text])
        if services.capabilities.writes_summaries and summary.sources:
            # With a model that writes well, the same material is summarised in its words.
            tokens = written_summary(services.llm, question, summary.context, language)
        return Draft(question, summary.sources, tokens, [summary.context], mode="summary")
    retriever = scope(services, doc_ids, workspace_id)
    standalone, docs = retrieve(services, question, history, doc_ids, previous_doc_ids, retriever=retriever)
    words = translator(language)  # the refusals in the question's language
    if not docs:
        return Draft(standalone, [], iter([words(NOT_FOUND)]), mode="not_found")
    # A follow-up is refused for names it asks about, not for the previous question's ("I couldn't find anything
    # about “Kubernetes” or “Excel”" when only Excel was asked); a model's rewrite carries only what it needs.
    rewritten = services.capabilities.rewrites_questions
    english = in_english(language, docs)
    names = reads_names(language, docs)
    missing = unmentioned_terms(standalone if rewritten else question, docs, retriever) if names else []
    if missing:
        return Draft(standalone, [], iter([not_found_about(missing, words)]), mode="not_found")
    # Without a model's rewrite, the follow-up's own words pick its sentences best: scored against the previous
    # question joined to it, the first topic's sentences won (bench/answers.py, key fact in the quotes).
    quotes = extract_quotes(standalone if rewritten else question, docs, services.embedding.embeddings)
    passages = [d.page_content for d in docs]
    if strategy in ("quotes", "quotes_first") and (
        not answers_question(quotes) or (english and lacks_what_is_asked(question, passages))
    ):
        # The closest sentences do not answer it: saying so beats quoting them as if they did.
        return Draft(standalone, to_sources(docs), iter([words(NO_ANSWERING_PASSAGE)]), passages, mode="not_found")
    tokens = iter(())
    if uses_model(strategy):
        tokens = model_answer(services.llm, standalone, docs, services.settings.context_chars, language)
    return Draft(standalone, to_sources(docs), tokens, passages, quotes, strategy)


# How often a streaming answer's partial text is written, so a crash loses at most this much of it.
# An interruption the process lives through (a closed tab, a new question, Ctrl-C) stores all of it.
FLUSH_SECONDS = 1.0
INTERRUPTED = "The answer was interrupted before it finished."


def start_turn(
    services: Services,
    conversation_id: str,
    question: str,
    doc_ids: Sequence[str] = (),
    stop: threading.Event | None = None,
) -> Turn:
    """Stages 1-8 for a question in a stored conversation. The question is stored first; the answer is stored as
    `turn.tokens` streams, then checked (6), followed by suggestions (7), and stored complete (8). Quotes first,
    the stored answer says its check is pending until then. Once `stop` is set (the process is closing), the
    stream ends at the model's next word with ClosingError, and is stored as an interrupted one is."""
    workspace = set_scope(services, conversation_id, doc_ids)
    # Read before the question is stored: its past is the turns settled when it was asked, never a question
    # asked at the same moment or an answer still being written.
    past = history(services, conversation_id, services.settings.history_turns)
    cited = cited_documents(services, conversation_id)
    question_id = add_user_message(services, conversation_id, question).id
    started = time.perf_counter()
    model = services.capabilities.label
    try:
        answer = draft_answer(services, question, past, doc_ids, cited, workspace_id=workspace)
    except DocChatError as exc:
        if not isinstance(exc, DatabaseUnavailableError):
            # The question is stored: the failure goes beside it, so the conversation shows why and offers a retry.
            add_answer(services, conversation_id, question_id, status="failed", error=str(exc), model=model)
        raise
    quotes_first = bool(answer.quotes) and not streams_model(answer.strategy)
    message = add_answer(
        services,
        conversation_id,
        question_id,
        standalone_question=answer.standalone_question,
        sources=[s.to_dict() for s in answer.sources],
        quotes=[q.to_dict() for q in answer.quotes],
        mode=answer.mode or ("quotes" if quotes_first else None),
        # The quotes are a whole answer already: a crash while the model writes leaves it complete, not interrupted.
        **({"status": "complete"} if quotes_first else {}),
        # With quotes first, the first useful words are on the screen now, whatever the model does next.
        first_token_ms=(time.perf_counter() - started) * 1000 if quotes_first else None,
        model=model,
        # Stored with the quotes, so no reader ever sees them settled without knowing more may come.
        checking=quotes_first and answer.mode is None,
    )
    turn = Turn(conversation_id, message.id, answer.standalone_question, answer.sources, iter(()), answer.quotes)
    turn.quotes_first = quotes_first
    # Never suggested again: what this conversation has asked.
    asked = [m.content for m in past if m.type == "human"] + [question]
    turn.tokens = _stored_stream(services, turn, answer, started, doc_ids, asked, workspace, stop)
    return turn


def _stored_stream(
    services: Services,
    turn: Turn,
    answer: Draft,
    started: float,
    doc_ids: Sequence[str],
    asked: list[str],
    workspace: str,
    stop: threading.Event | None,
) -> Iterator[str]:
    message_id, tokens = turn.answer_id, answer.tokens
    # quotes_first holds the model's words back until the grounding check has read them.
    hold = checking = turn.quotes_first and answer.mode is None
    parts: list[str] = []
    first_token_ms: float | None = None
    flushed = time.perf_counter()

    def save(status: str, error: str | None = None, **fields: object) -> None:
        update_answer(
            services,
            message_id,
            content="" if hold else "".join(parts),
            status=status,
            error=error,
            total_ms=(time.perf_counter() - started) * 1000,
            **({} if turn.quotes_first else {"first_token_ms": first_token_ms}),
            **fields,
        )

    def save_after(failure: BaseException) -> None:
        # Best effort: when the failure is the database itself, there is nowhere to save to.
        cut = isinstance(failure, GeneratorExit | KeyboardInterrupt | ClosingError)
        message = INTERRUPTED if cut else str(failure)
        # The quotes were the answer, already on the screen: an unfinished check of the model's answer loses nothing.
        status = "complete" if hold else "interrupted" if parts else "failed"
        try:
            save(status, None if hold else message, **_checked(checking))
        except DocChatError:
            log.info("could not store the interrupted answer %s", message_id)

    try:
        for token in tokens:
            if stop is not None and stop.is_set():
                raise ClosingError("DocChat is closing: this answer was stopped. Ask it again once DocChat is back.")
            if first_token_ms is None:
                first_token_ms = (time.perf_counter() - started) * 1000
            parts.append(token)
            if not hold:
                yield token
            if not hold and time.perf_counter() - flushed > FLUSH_SECONDS:
                update_answer(services, message_id, content="".join(parts))
                flushed = time.perf_counter()
    except (GeneratorExit, KeyboardInterrupt, Exception) as failure:
        # GeneratorExit: the reader went away (a closed tab, a new question); KeyboardInterrupt: Ctrl-C.
        _close(tokens)
        save_after(failure)
        raise
    text = "".join(parts)
    if answer.passages and answer.mode != "not_found" and text.strip() not in ("", NOT_FOUND):
        try:
            turn.grounding = check_sentences(text, answer.passages, services.embedding.embeddings)
        except Exception:
            log.warning("grounding check failed for message %s", message_id, exc_info=True)
    turn.mode = answer.mode or decide(answer.strategy, bool(answer.quotes), text, turn.grounding)
    turn.doubtful = turn.mode == "quotes" and doubtful(answer.quotes[0].score, turn.grounding)
    shown = hold and turn.mode == "quotes+model"
    hold = hold and not shown
    # Stored before it is shown: a reader that goes away at the last word loses nothing.
    save("complete", mode=turn.mode, grounding=[c.to_dict() for c in turn.grounding] or None)
    finished: dict[str, object] = {}
    try:
        if shown:
            yield text
        if turn.mode != "not_found":
            # After the answer is safely stored: a failure here costs the suggestions, never the answer.
            try:
                turn.suggestions = suggest_questions(
                    services, doc_ids or None, near=turn.sources, asked=asked, workspace_id=workspace
                )
                finished["suggestions"] = turn.suggestions
            except Exception:
                log.warning("no suggestions for message %s", message_id, exc_info=True)
    finally:
        # The suggestions and the end of the pending check in one write: a reader that polls the answer until
        # its check is over finds them with it. Also when the reader went away at the last word.
        finished |= _checked(checking)
        if finished:
            try:
                update_answer(services, message_id, **finished)
            except DocChatError:
                log.warning("could not store the end of message %s", message_id, exc_info=True)


def _checked(checking: bool) -> dict[str, bool]:
    return {"checked": True} if checking else {}


def _close(tokens: Iterator[str]) -> None:
    close = getattr(tokens, "close", None)
    if close is not None:
        close()
