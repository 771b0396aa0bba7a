"""Quotes first, in Chromium against `streamlit run app.py` with the fake models standing in for the local one
(quotes first, no rewrites): the chat input is free as soon as the quotes are shown, though the model is slow, and
its checked words come under the quotes later; a model that denies its passage is never shown as checked; and a
conversation that moves to another document offers a new conversation for the question."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from rag.config import Settings
from rag.usecases import documents
from rag.usecases.startup import open_services
from tests.answering.test_topics import R_MANUAL
from tests.answering.test_topics import ZOO as PENGUINS
from tests.conftest import need_module
from tests.e2e.conftest import RunningApp, screenshot, serve_app
from tests.pdfs import make_pdf

expect = need_module("playwright.sync_api").expect

MESSAGES = '[data-testid="stChatMessage"]'
# The slow model's wait before its first word: far longer than showing the quotes takes.
DELAY_S = 8.0
CHECKED = "The model's short answer, checked against these passages:"
WRITING = "The model is writing a short answer"
NEW_TOPIC = "New topic? Start a new conversation"
R_FAQ = make_pdf([["R is free software, and anyone may use it for commercial work."]])
LIKE_LOCAL = {"LLM_PROVIDER": "fake", "EMBEDDINGS_PROVIDER": "fake", "FAKE_LLM_AS_LOCAL": "true"}

# After the question is sent: when the quotes first show in the newest answer, and when the chat input is free
# again after that (ms since this started), polled every 20 ms in the page; and whether it was seen taken meanwhile.
QUOTES_THEN_FREE = """([selector, wanted]) => new Promise((resolve) => {
    const started = performance.now();
    let quotes = null;
    let taken = false;
    const timer = setInterval(() => {
        const now = performance.now() - started;
        const messages = [...document.querySelectorAll(selector)].filter((m) => m.offsetParent !== null);
        const last = messages[messages.length - 1];
        const quoted = last && [...last.querySelectorAll("blockquote")].some((q) => q.innerText.includes(wanted));
        if (quotes === null && quoted) quotes = now;
        const box = [...document.querySelectorAll('[data-testid="stChatInputTextArea"]')]
            .find((b) => b.offsetParent !== null);
        taken = taken || (quotes === null && box && box.disabled);
        if (quotes !== null && box && !box.disabled) { clearInterval(timer); resolve({quotes, free: now, taken}); }
        if (now > 120000) { clearInterval(timer); resolve({quotes, free: null, taken}); }
    }, 20);
})"""


def _library(storage: Path, tmp_path: Path, files: dict[str, bytes]) -> None:
    """The PDFs, indexed before the app starts (the store is the app's once it runs)."""
    services = open_services(
        Settings(_env_file=None, storage_dir=storage, llm_provider="fake", embeddings_provider="fake")
    )
    try:
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        added = list(documents.add_files(services, [tmp_path / name for name in files]))
        assert all(result.status == "indexed" for result in added), added
    finally:
        services.close()


@pytest.fixture(scope="module")
def slow_model_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    storage = tmp_path_factory.mktemp("e2e-slow") / "storage"
    _library(storage, tmp_path_factory.mktemp("pdfs"), {"r-manual.pdf": R_MANUAL, "penguins.pdf": PENGUINS})
    with serve_app(storage, **LIKE_LOCAL, FAKE_LLM_DELAY_S=str(DELAY_S)) as running:
        yield running


@pytest.fixture
def tab(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    expect(page.locator('[data-test-script-state="notRunning"]')).to_have_count(1, timeout=180_000)


def _box(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stChatInputTextArea").filter(visible=True).first


def _messages(page):  # type: ignore[no-untyped-def]
    return page.locator(MESSAGES).filter(visible=True)


def _send(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = _box(page)
    expect(box).to_be_enabled()
    box.fill(question)
    box.press("Enter")


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    """Sends a question and waits until its turn is drawn from the database and the page is idle."""
    before = _messages(page).count()
    _send(page, question)
    expect(_messages(page)).to_have_count(before + 2, timeout=180_000)
    expect(_messages(page).nth(before)).to_contain_text(question)
    _idle(page)


def _conversation(page) -> str:  # type: ignore[no-untyped-def]
    return parse_qs(urlsplit(page.url).query).get("c", [""])[0]


def test_the_input_is_free_once_the_quotes_show_and_the_checked_words_come_later(slow_model_app, tab):
    tab.goto(slow_model_app.url)
    _idle(tab)
    _send(tab, "What do adult penguins eat?")
    sent = tab.evaluate("performance.now()")
    shown = tab.evaluate(QUOTES_THEN_FREE, [MESSAGES, "herring"])
    assert shown["quotes"] is not None and shown["free"] is not None, shown
    assert shown["taken"], "the chat input was never seen disabled while the question was searched"
    gap = shown["free"] - shown["quotes"]
    print(f"the quotes {shown['quotes']:.0f} ms after the question, the input free {gap:.0f} ms after them")
    # Free while the slow model has certainly not said a word: it waits DELAY_S before its first one.
    assert tab.evaluate("performance.now()") - sent < DELAY_S * 1000
    first = _messages(tab).nth(1)
    expect(first.get_by_text(WRITING)).to_be_visible()
    expect(first.get_by_text(CHECKED)).to_have_count(0)
    screenshot(tab, "checked-later-quotes-first")

    # A second question, typed and sent while the first answer's model is still writing, is answered.
    _send(tab, "When does the penguin feeding happen, and what do they eat?")
    assert tab.evaluate("performance.now()") - sent < DELAY_S * 1000
    expect(_messages(tab)).to_have_count(4, timeout=60_000)
    second = _messages(tab).nth(3)
    expect(second.locator("blockquote").first).to_be_visible(timeout=60_000)

    # The first answer's words come under its quotes once checked, without a reload; then the second's. The page
    # is drawn again each time, and a question being typed meanwhile stays as it is.
    _idle(tab)
    draft = "and how much krill"
    _box(tab).fill(draft)
    expect(first.get_by_text(CHECKED)).to_have_count(0)  # typed before the first check was over
    expect(first.get_by_text(CHECKED)).to_be_visible(timeout=120_000)
    expect(first.locator("blockquote").first).to_be_visible()
    expect(second.get_by_text(CHECKED)).to_be_visible(timeout=120_000)
    _idle(tab)
    expect(_box(tab)).to_have_value(draft)
    expect(_box(tab)).to_be_enabled()
    expect(tab.get_by_text(WRITING)).to_have_count(0)
    expect(tab.get_by_test_id("stException")).to_have_count(0)
    screenshot(tab, "checked-later-words")


def test_a_conversation_that_moves_to_another_document_offers_a_new_one(slow_model_app, tab):
    tab.goto(slow_model_app.url)
    _idle(tab)
    _ask(tab, "How do I install R on Linux?")
    _ask(tab, "how do I do that on Windows?")
    # The follow-up was searched joined to the question before it, and says so.
    follow_up = _messages(tab).nth(3)
    searched = follow_up.get_by_test_id("stExpander").filter(has_text="Searched for")
    searched.locator("summary").click()
    expect(searched).to_contain_text("How do I install R on Linux? how do I do that on Windows?")
    expect(tab.get_by_role("button", name=NEW_TOPIC)).to_have_count(0)

    _ask(tab, "What do adult penguins eat?")
    switched = _messages(tab).nth(5)
    # A question that stands alone is searched alone: nothing else was searched for.
    expect(switched.get_by_test_id("stExpander").filter(has_text="Searched for")).to_have_count(0)
    expect(switched.locator("blockquote").filter(has_text="herring").first).to_be_visible()
    offer = tab.get_by_role("button", name=NEW_TOPIC).filter(visible=True).first
    expect(offer).to_be_visible()
    screenshot(tab, "new-topic-offer")
    before = _conversation(tab)

    offer.click()
    expect(tab.get_by_role("heading", name=re.compile("What do adult penguins eat"))).to_be_visible(timeout=60_000)
    _idle(tab)
    assert _conversation(tab) not in ("", before)
    expect(_messages(tab)).to_have_count(2)
    expect(_messages(tab).first).to_contain_text("What do adult penguins eat?")
    expect(_messages(tab).nth(1).locator("blockquote").filter(has_text="herring").first).to_be_visible()
    expect(tab.get_by_role("button", name=NEW_TOPIC)).to_have_count(0)
    # The conversation it left keeps its three turns.
    tab.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("How do I install R on Linux")).click()
    _idle(tab)
    expect(_messages(tab)).to_have_count(6)
    expect(tab.get_by_test_id("stException")).to_have_count(0)


def test_a_model_that_denies_its_passage_is_never_shown_as_checked(browser, tmp_path, tab):
    storage = tmp_path / "storage"
    _library(storage, tmp_path, {"r-faq.pdf": R_FAQ})
    with serve_app(storage, **LIKE_LOCAL, FAKE_LLM_NEGATES="true") as app:
        tab.goto(app.url)
        _idle(tab)
        _ask(tab, "Is R free software?")
        answer = _messages(tab).nth(1)
        expect(answer.locator("blockquote").filter(has_text="R is free software").first).to_be_visible()
        # The check is over (its outcome stored and drawn): the model's words were read, and refused.
        expect(answer.get_by_text("The model's own answer is not shown")).to_be_visible(timeout=60_000)
        _idle(tab)
        expect(answer.get_by_text(CHECKED)).to_have_count(0)
        expect(tab.get_by_text(WRITING)).to_have_count(0)
        assert "not free software" not in answer.inner_text()
        screenshot(tab, "negated-not-shown")
