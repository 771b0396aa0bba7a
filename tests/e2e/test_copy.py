"""Copying from an answer in Chromium gives the document's own characters (issue 30, item 6): a command with `--`
and a URL, selected in the quote and in the model's answer, reach the clipboard as written, and the URL is no link.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need_module
from tests.e2e.conftest import RunningApp, screenshot, serve_app
from tests.pdfs import make_pdf

expect = need_module("playwright.sync_api").expect

COMMAND = "R --arch=name CMD INSTALL pkg"
URL = "https://cran.r-project.org/doc/manuals/R-admin.html"
SENTENCE = f"To build for one architecture run {COMMAND} as explained at {URL} today."
MESSAGES = '[data-testid="stChatMessage"]'

# Selects an element's text as a user's drag would, for Control+C to copy.
SELECT = """(element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    storage = tmp_path_factory.mktemp("e2e-copy") / "storage"
    with serve_app(storage, LLM_PROVIDER="fake", EMBEDDINGS_PROVIDER="fake") as running:
        yield running


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    expect(page.locator('[data-test-script-state="notRunning"]')).to_have_count(1, timeout=180_000)


def _copied(page, element) -> str:  # type: ignore[no-untyped-def]
    """What Control+C puts on the clipboard with the element's text selected. A rerun that draws the answer again
    between the selection and the keys leaves nothing selected (the clipboard came back empty once in a CI run
    under load, never alone): the copy is tried again then, once the page is idle."""
    copied = ""
    for _ in range(3):
        page.keyboard.press("Escape")  # nothing else focused or selected
        page.evaluate("navigator.clipboard.writeText('')")  # what an earlier copy left is not read as this one
        element.evaluate(SELECT)
        page.keyboard.press("Control+C")
        copied = page.evaluate("navigator.clipboard.readText()")
        if copied:
            break
        _idle(page)
    return copied


def test_a_quoted_command_and_url_copy_as_written(browser, server: RunningApp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "install.pdf"
    pdf.write_bytes(make_pdf([[SENTENCE]]))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/documents")
        expect(page.get_by_text("Your library is empty")).to_be_visible(timeout=120_000)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
        expect(page.get_by_text("install.pdf was added")).to_be_visible(timeout=180_000)
        _idle(page)

        page.goto(server.url)
        _idle(page)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("How do I build a package for one architecture with R CMD INSTALL?")
        box.press("Enter")
        answer = page.locator(MESSAGES).nth(1)
        # The model's answer (the fake model's is the passage's first sentence), rendered by answer_html.
        model = answer.get_by_test_id("stMarkdownContainer").filter(has_text="--arch").first
        expect(model).to_be_visible(timeout=180_000)
        _idle(page)
        assert SENTENCE in _copied(page, model)
        # The documents' own words, under the answer (rendered by text_html).
        said = answer.get_by_test_id("stExpander").filter(has_text="What the documents say")
        quote = answer.locator("blockquote").filter(has_text="--arch").first
        # The expander can be drawn again, closed, by a rerun that lands just after the click (the answer's check
        # is stored in the background): on a loaded CI machine the quote stayed hidden once. Open it until it shows.
        for _ in range(3):
            if said.count() and not quote.is_visible():
                said.locator("summary").click()
            try:
                expect(quote).to_be_visible(timeout=10_000)
                break
            except AssertionError:
                _idle(page)
        expect(quote).to_be_visible()
        screenshot(page, "copy-quote")
        assert _copied(page, quote).strip() == SENTENCE
        # Shown as text, never as a link, in the quote or the answer.
        expect(answer.locator("a")).to_have_count(0)
        assert URL in answer.inner_text()
    finally:
        context.close()
