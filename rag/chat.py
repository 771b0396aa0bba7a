"""One turn of a stored conversation: the question is saved before anything can fail, the answer as it streams."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rag.answer_policy import decide, doubtful, streams_model
from rag.chain import NOT_FOUND, Answer, ask
from rag.errors import DatabaseUnavailableError, DocChatError
from rag.grounding import SentenceCheck, check_sentences
from rag.llm import model_label
from rag.quotes import Quote
from rag.services import Services
from rag.sources import Source
from rag.suggestions import suggest_questions
from rag.transcripts import add_answer, add_user_message, cited_documents, history, set_scope, update_answer

log = logging.getLogger(__name__)

# How often a streaming answer's partial text is written, so a crash loses at most this much of it.
# An interruption the process lives through (a closed tab, a new question, Ctrl-C) stores all of it.
FLUSH_SECONDS = 1.0
INTERRUPTED = "The answer was interrupted before it finished."


@dataclass
class Turn:
    conversation_id: str
    answer_id: int
    standalone_question: str
    sources: list[Source]
    tokens: Iterator[str]  # consume once; the stored answer follows it
    # The documents' own sentences. When `quotes_first`, they are the answer and are shown before any token.
    quotes: list[Quote] = field(default_factory=list)
    quotes_first: bool = False
    # Filled in once the stream is complete: each sentence checked against the sources, what produced the
    # answer shown (rag/answer_policy.py Mode), and up to 3 suggested next questions.
    grounding: list[SentenceCheck] = field(default_factory=list)
    mode: str | None = None
    doubtful: bool = False  # quotes the model could not use either: probably not an answer
    suggestions: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Stops the answer where it is: what streamed so far is stored, marked interrupted, and the model's
        stream is finalised now, while the model is alive (finalised at exit, after llama.cpp freed the
        model, it aborted the process with GGML_ASSERT)."""
        _close(self.tokens)


def ask_in_conversation(services: Services, conversation_id: str, question: str, doc_ids: Sequence[str] = ()) -> Turn:
    workspace = set_scope(services, conversation_id, doc_ids)
    question_id = add_user_message(services, conversation_id, question).id
    past = history(services, conversation_id, services.settings.history_turns, before_id=question_id)
    cited = cited_documents(services, conversation_id, before_id=question_id)
    started = time.perf_counter()
    model = model_label(services.settings)
    try:
        answer = ask(services, question, past, doc_ids, cited, workspace_id=workspace)
    except DocChatError as exc:
        if not isinstance(exc, DatabaseUnavailableError):
            # The question is stored: the failure goes beside it, so the conversation shows why and offers a retry.
            add_answer(services, conversation_id, status="failed", error=str(exc), model=model)
        raise
    quotes_first = bool(answer.quotes) and not streams_model(answer.strategy)
    message = add_answer(
        services,
        conversation_id,
        standalone_question=answer.standalone_question,
        sources=[s.to_dict() for s in answer.sources],
        quotes=[q.to_dict() for q in answer.quotes],
        mode=answer.mode or ("quotes" if quotes_first else None),
        # The quotes are a whole answer already: a crash while the model writes leaves it complete, not interrupted.
        **({"status": "complete"} if quotes_first else {}),
        # With quotes first, the first useful words are on the screen now, whatever the model does next.
        first_token_ms=(time.perf_counter() - started) * 1000 if quotes_first else None,
        model=model,
    )
    turn = Turn(conversation_id, message.id, answer.standalone_question, answer.sources, iter(()), answer.quotes)
    turn.quotes_first = quotes_first
    # Never suggested again: what this conversation has asked.
    asked = [m.content for m in past if m.type == "human"] + [question]
    turn.tokens = _stored_stream(services, turn, answer, started, doc_ids, asked, workspace)
    return turn


def _stored_stream(
    services: Services,
    turn: Turn,
    answer: Answer,
    started: float,
    doc_ids: Sequence[str],
    asked: list[str],
    workspace: str,
) -> Iterator[str]:
    message_id, tokens = turn.answer_id, answer.tokens
    # quotes_first holds the model's words back until the grounding check has read them.
    hold = turn.quotes_first and answer.mode is None
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
        message = INTERRUPTED if isinstance(failure, GeneratorExit | KeyboardInterrupt) else str(failure)
        # The quotes were the answer, already on the screen: an unfinished check of the model's answer loses nothing.
        status = "complete" if hold else "interrupted" if parts else "failed"
        try:
            save(status, None if hold else message)
        except DocChatError:
            log.info("could not store the interrupted answer %s", message_id)

    try:
        for token in tokens:
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
    if shown:
        yield text
    if turn.mode != "not_found":
        # After the answer is safely stored: a failure here costs the suggestions, never the answer.
        try:
            turn.suggestions = suggest_questions(
                services, doc_ids or None, near=turn.sources, asked=asked, workspace_id=workspace
            )
            update_answer(services, message_id, suggestions=turn.suggestions)
        except Exception:
            log.warning("no suggestions for message %s", message_id, exc_info=True)


def _close(tokens: Iterator[str]) -> None:
    close = getattr(tokens, "close", None)
    if close is not None:
        close()
