"""One turn of a stored conversation: the question is saved before anything can fail, the answer as it streams."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rag.chain import NOT_FOUND, Source, ask
from rag.errors import DatabaseUnavailableError, DocChatError
from rag.grounding import SentenceCheck, check_sentences
from rag.llm import model_label
from rag.services import Services
from rag.transcripts import add_answer, add_user_message, history, set_scope, update_answer

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
    # Filled in once the stream is complete: each sentence checked against the sources.
    grounding: list[SentenceCheck] = field(default_factory=list)

    def close(self) -> None:
        """Stops the answer where it is: what streamed so far is stored, marked interrupted, and the model's
        stream is finalised now, while the model is alive (finalised at exit, after llama.cpp freed the
        model, it aborted the process with GGML_ASSERT)."""
        _close(self.tokens)


def ask_in_conversation(services: Services, conversation_id: str, question: str, doc_ids: Sequence[str] = ()) -> Turn:
    set_scope(services, conversation_id, doc_ids)
    question_id = add_user_message(services, conversation_id, question).id
    past = history(services, conversation_id, services.settings.history_turns, before_id=question_id)
    started = time.perf_counter()
    model = model_label(services.settings)
    try:
        answer = ask(services, question, past, doc_ids)
    except DocChatError as exc:
        if not isinstance(exc, DatabaseUnavailableError):
            # The question is stored: the failure goes beside it, so the conversation shows why and offers a retry.
            add_answer(services, conversation_id, status="failed", error=str(exc), model=model)
        raise
    message = add_answer(
        services,
        conversation_id,
        standalone_question=answer.standalone_question,
        sources=[s.to_dict() for s in answer.sources],
        model=model,
    )
    turn = Turn(conversation_id, message.id, answer.standalone_question, answer.sources, iter(()))
    turn.tokens = _stored_stream(services, turn, answer.tokens, answer.passages, started)
    return turn


def _stored_stream(
    services: Services, turn: Turn, tokens: Iterator[str], passages: list[str], started: float
) -> Iterator[str]:
    message_id = turn.answer_id
    parts: list[str] = []
    first_token_ms: float | None = None
    flushed = time.perf_counter()

    def save(status: str, error: str | None = None) -> None:
        update_answer(
            services,
            message_id,
            content="".join(parts),
            status=status,
            error=error,
            first_token_ms=first_token_ms,
            total_ms=(time.perf_counter() - started) * 1000,
        )

    def save_after(failure: BaseException) -> None:
        # Best effort: when the failure is the database itself, there is nowhere to save to.
        status = "interrupted" if parts else "failed"
        message = INTERRUPTED if isinstance(failure, GeneratorExit | KeyboardInterrupt) else str(failure)
        try:
            save(status, message)
        except DocChatError:
            log.info("could not store the interrupted answer %s", message_id)

    try:
        for token in tokens:
            if first_token_ms is None:
                first_token_ms = (time.perf_counter() - started) * 1000
            parts.append(token)
            yield token
            if time.perf_counter() - flushed > FLUSH_SECONDS:
                update_answer(services, message_id, content="".join(parts))
                flushed = time.perf_counter()
    except (GeneratorExit, KeyboardInterrupt, Exception) as failure:
        # GeneratorExit: the reader went away (a closed tab, a new question); KeyboardInterrupt: Ctrl-C.
        _close(tokens)
        save_after(failure)
        raise
    save("complete")
    answer = "".join(parts)
    if passages and answer.strip() != NOT_FOUND:
        # After the answer is safely stored: a failure here costs the marks, never the answer.
        try:
            turn.grounding = check_sentences(answer, passages, services.embedding.embeddings)
            update_answer(services, message_id, grounding=[c.to_dict() for c in turn.grounding])
        except Exception:
            log.warning("grounding check failed for message %s", message_id, exc_info=True)


def _close(tokens: Iterator[str]) -> None:
    close = getattr(tokens, "close", None)
    if close is not None:
        close()
