"""The chat page, run by AppTest: quotes first, the page's run ends with the quotes while the model's words are
checked in the background, and a question that moved to other documents offers a new conversation."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from rag.config import load_settings
from rag.models.fake_chat import FakeChatModel
from rag.usecases import conversations, startup
from tests.answering.test_checked_later import WAIT_S, HeldBack
from tests.answering.test_quotes import SUPPORTED, ZOO
from tests.answering.test_topics import R_MANUAL
from tests.answering.test_topics import ZOO as PENGUINS
from tests.apptest import upload
from tests.conftest import ROOT
from tests.ui.test_app import TIMEOUT, _texts

QUESTION = "What do penguins eat?"


@pytest.fixture(autouse=True)
def storage(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(ROOT)
    yield
    startup.release_shared(load_settings())


def _app(embedding, model) -> AppTest:  # type: ignore[no-untyped-def]
    # The local model's settings (quotes first, no rewrites), answered by the test's model.
    startup.adopt_shared(startup.open_services(load_settings(), background=True, embedding=embedding, llm=model))
    return AppTest.from_file(str(ROOT / "ui" / "main.py"), default_timeout=TIMEOUT).run()


def _conversation(at: AppTest) -> str:
    found = at.query_params["c"]
    return found[0] if isinstance(found, list) else found


def test_the_run_ends_with_the_quotes_and_the_checked_words_come_later(embedding):
    model = HeldBack(answer=SUPPORTED, go=threading.Event(), started=threading.Event())
    at = upload(_app(embedding, model), [("zoo.pdf", ZOO)], TIMEOUT)
    at.switch_page("chat.py").run()
    at.chat_input[0].set_value(QUESTION).run()
    # The run is over while the model has not said a word: the quotes are the answer, the input is free.
    assert not at.exception and not model.go.is_set()
    [_, answer] = at.chat_message
    assert "herring" in _texts(answer.markdown)
    assert "The model is writing a short answer" in _texts(answer.caption)
    assert not at.chat_input[0].disabled

    model.go.set()
    svc, who = startup.shared_services(load_settings()), at.session_state.caller
    [_, stored] = conversations.get_conversation(svc, _conversation(at), caller=who).messages
    deadline = time.monotonic() + WAIT_S
    while conversations.get_answer(svc, _conversation(at), stored.id, caller=who).check_pending:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.run()  # what the page's poll does once a second in a browser
    [_, answer] = at.chat_message
    assert "checked against these passages" in _texts(answer.caption)
    assert SUPPORTED in _texts(answer.markdown)
    assert "The model is writing" not in _texts(answer.caption)


def test_a_question_about_other_documents_offers_a_new_conversation_that_asks_it(embedding):
    at = upload(_app(embedding, FakeChatModel()), [("r-manual.pdf", R_MANUAL), ("zoo.pdf", PENGUINS)], TIMEOUT)
    at.switch_page("chat.py").run()
    for question in ("How do I install R on Linux?", "how do I do that on Windows?"):
        at.chat_input[0].set_value(question).run()
        assert not [b for b in at.button if b.key and b.key.startswith("new_topic_")]
    follow_up = at.chat_message[3]
    assert "How do I install R on Linux? how do I do that on Windows?" in _texts(follow_up.expander[0].text)
    at.chat_input[0].set_value("What do adult penguins eat?").run()
    switched = at.chat_message[5]
    assert not switched.expander or "Searched for" not in [e.label for e in switched.expander]
    [offer] = [b for b in at.button if b.key and b.key.startswith("new_topic_")]
    assert offer.label == "New topic? Start a new conversation"
    before = _conversation(at)

    offer.click().run()
    assert not at.exception
    assert _conversation(at) != before
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert _texts(at.chat_message[0].markdown) == "What do adult penguins eat?"
    assert not [b for b in at.button if b.key and b.key.startswith("new_topic_")]
    svc, who = startup.shared_services(load_settings()), at.session_state.caller
    assert len(conversations.get_conversation(svc, before, caller=who).messages) == 6  # the old one is kept
