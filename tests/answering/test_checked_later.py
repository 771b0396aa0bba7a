"""Quotes first, the chat page no longer waits for the model: `ask(background=True)` stores the quotes, returns, and
the model's words are written, checked and stored on a thread of their own, the stored answer saying its check is
pending until then. The fast tier: the fake embedder, and a fake model held back until the test lets it answer."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from sqlalchemy import update

from rag.config import Settings
from rag.database.tables import Message, utcnow
from rag.indexing.ingest import ingest_bytes
from rag.records.transcripts import CHECK_ABANDONED_AFTER
from rag.schemas import MessagePublic
from rag.usecases import asking, conversations
from rag.usecases.startup import open_services
from tests.answering.test_quotes import SUPPORTED, UNSUPPORTED, ZOO

WAIT_S = 30


class HeldBack(BaseChatModel):
    """Streams a fixed answer word by word, once `go` is set; `started` says it was asked."""

    answer: str
    go: Any
    started: Any
    word_s: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "held-back"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self.answer))])

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        self.started.set()
        assert self.go.wait(WAIT_S), "the test never let the model answer"
        for word in self.answer.split(" "):
            time.sleep(self.word_s)
            yield ChatGenerationChunk(message=AIMessageChunk(word + " "))


def _model(answer: str, word_s: float = 0.0) -> HeldBack:
    return HeldBack(answer=answer, go=threading.Event(), started=threading.Event(), word_s=word_s)


@pytest.fixture
def open_zoo(tmp_path, embedding):  # type: ignore[no-untyped-def]
    opened = []

    def open_with(model: BaseChatModel):  # type: ignore[no-untyped-def]
        settings = Settings(_env_file=None, storage_dir=tmp_path / "s", answer_mode="quotes_first")
        services = open_services(settings, embedding, llm=model)
        opened.append(services)
        ingest_bytes(services, ZOO, "zoo.pdf")
        return services

    yield open_with
    for services in opened:
        services.close()


def _answer(services, conversation_id: str, message_id: int) -> MessagePublic:  # type: ignore[no-untyped-def]
    return conversations.get_answer(services, conversation_id, message_id)


def _checked(services, conversation_id: str, message_id: int) -> MessagePublic:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while (answer := _answer(services, conversation_id, message_id)).check_pending:
        assert time.monotonic() < deadline, "the check was still pending"
        time.sleep(0.02)
    return answer


def test_the_quotes_are_stored_at_once_and_the_checked_words_after_them(open_zoo):
    model = _model(SUPPORTED)
    services = open_zoo(model)
    turn = asking.ask(services, "What do penguins eat?", background=True)
    # Returned with the quotes while the model has not said a word: the caller streams nothing.
    assert turn.quotes_first and "herring" in turn.quotes[0].text
    assert list(turn.tokens) == []
    stored = _answer(services, turn.conversation_id, turn.answer_id)
    assert stored.check_pending and (stored.status, stored.mode, stored.content) == ("complete", "quotes", "")
    assert stored.quotes and stored.first_token_ms is not None

    model.go.set()
    checked = _checked(services, turn.conversation_id, turn.answer_id)
    assert (checked.status, checked.mode, checked.content.strip()) == ("complete", "quotes+model", SUPPORTED)
    assert checked.grounding and all(c.supported is not False for c in checked.grounding)


def test_words_the_passages_do_not_support_are_never_stored_as_shown(open_zoo):
    model = _model(UNSUPPORTED)
    model.go.set()
    services = open_zoo(model)
    turn = asking.ask(services, "What do penguins eat?", background=True)
    checked = _checked(services, turn.conversation_id, turn.answer_id)
    assert (checked.mode, checked.content) == ("quotes", "")
    assert checked.grounding and any(c.supported is False for c in checked.grounding)


def test_a_second_question_while_the_first_is_checked_is_answered_and_both_are_checked(open_zoo):
    model = _model(SUPPORTED)
    services = open_zoo(model)
    first = asking.ask(services, "What do penguins eat?", background=True)
    assert model.started.wait(WAIT_S)  # the first answer's model is writing (held back)
    second = asking.ask(services, "When does the zoo open?", first.conversation_id, background=True)
    # Its quotes are stored and returned without waiting for the first answer's model.
    assert "nine in the morning" in " ".join(q.text for q in second.quotes)
    messages = conversations.get_conversation(services, first.conversation_id).messages
    assert [m.check_pending for m in messages if m.role == "assistant"] == [True, True]

    model.go.set()
    for turn in (first, second):
        checked = _checked(services, turn.conversation_id, turn.answer_id)
        assert checked.status == "complete" and checked.mode in ("quotes", "quotes+model")
    assert [m.role for m in conversations.get_conversation(services, first.conversation_id).messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]


def test_a_check_its_process_never_finished_counts_as_done_once_old(open_zoo):
    model = _model(SUPPORTED)
    services = open_zoo(model)
    turn = asking.ask(services, "What do penguins eat?", background=True)
    assert _answer(services, turn.conversation_id, turn.answer_id).check_pending
    # As a process killed while its model wrote leaves it: pending since long ago, and nobody to finish it.
    long_ago = utcnow() - CHECK_ABANDONED_AFTER - timedelta(seconds=1)
    with services.sessions.begin() as session:
        session.execute(update(Message).where(Message.id == turn.answer_id).values(check_pending_since=long_ago))
    stored = _answer(services, turn.conversation_id, turn.answer_id)
    assert not stored.check_pending and (stored.mode, stored.content) == ("quotes", "")
    model.go.set()


def test_closing_the_process_stops_a_check_at_the_next_word_and_settles_it(open_zoo, tmp_path, embedding):
    model = _model(" ".join(["herring"] * 400), word_s=0.02)  # eight seconds of words
    services = open_zoo(model)
    turn = asking.ask(services, "What do penguins eat?", background=True)
    model.go.set()
    assert model.started.wait(WAIT_S)
    started = time.monotonic()
    services.close()
    assert time.monotonic() - started < 5, "closing waited for the whole answer"
    reopened = open_services(Settings(_env_file=None, storage_dir=tmp_path / "s"), embedding, store=False)
    try:
        stored = _answer(reopened, turn.conversation_id, turn.answer_id)
        # The quotes stay the answer, complete; the model's unchecked words are not shown, and nothing polls.
        assert (stored.status, stored.mode, stored.content, stored.check_pending) == ("complete", "quotes", "", False)
    finally:
        reopened.close()


def test_a_reader_that_streams_the_answer_itself_ends_the_pending_check_too(open_zoo):
    # The API and the CLI read the stream themselves, as before: the check is pending while they do.
    model = _model(SUPPORTED)
    model.go.set()
    services = open_zoo(model)
    turn = asking.ask(services, "What do penguins eat?")
    assert _answer(services, turn.conversation_id, turn.answer_id).check_pending
    assert "".join(turn.tokens).strip() == SUPPORTED
    assert not _answer(services, turn.conversation_id, turn.answer_id).check_pending

    # One that goes away at the checked words, before the suggestions: nothing is left pending either.
    turn = asking.ask(services, "What do penguins eat?", turn.conversation_id)
    assert next(turn.tokens).strip() == SUPPORTED
    turn.close()
    stored = _answer(services, turn.conversation_id, turn.answer_id)
    assert (stored.mode, stored.check_pending) == ("quotes+model", False)
