"""A large PDF uploaded in the browser keeps being indexed after its user leaves the page and closes the tab; coming
back in a new visit shows its progress, then the document in the library."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need_module
from tests.e2e.conftest import RunningApp, screenshot, serve_app
from tests.e2e.test_api_server import big_pdf

expect = need_module("playwright.sync_api").expect

# Long enough to be still indexing when the second visit looks (about 2 minutes on 2 EPYC cores in int8, 40 s
# where bfloat16 runs natively), and half the CI time of the 600 pages it once had.
PAGES = 300
NAME = "maintenance.pdf"
INDEX_TIMEOUT_MS = 900_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with serve_app(tmp_path_factory.mktemp("e2e-leave") / "storage", LLM_PROVIDER="fake") as running:
        yield running


def _visit(browser, url: str):  # type: ignore[no-untyped-def]
    """A new visit: a context of its own, so nothing of an earlier tab's session carries over."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.goto(url)
    return context, tab


def test_a_large_upload_is_indexed_after_its_page_is_left(browser, server: RunningApp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / NAME
    pdf.write_bytes(big_pdf(PAGES))
    context, tab = _visit(browser, f"{server.url}/documents")
    expect(tab.get_by_text("Your library is empty")).to_be_visible(timeout=120_000)
    tab.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
    progress = tab.get_by_test_id("stProgress").filter(has_text=NAME)
    expect(progress).to_be_visible(timeout=120_000)
    # Leave for the chat, then close the tab: the session that uploaded is gone.
    tab.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Chat$")).click()
    expect(tab.get_by_test_id("stChatInput")).to_be_visible()
    context.close()

    context, tab = _visit(browser, f"{server.url}/documents")
    try:
        # Still being indexed, with its progress, though nobody who uploaded it is watching.
        expect(tab.get_by_test_id("stProgress").filter(has_text=NAME)).to_contain_text(
            re.compile(r"Reading page|Embedding passages|Saving"), timeout=120_000
        )
        screenshot(tab, "leave-and-return-progress")
        rows = tab.get_by_test_id("stHorizontalBlock").filter(has=tab.get_by_role("button", name="Delete"))
        expect(rows.filter(has_text=NAME)).to_contain_text(f"{PAGES} pages", timeout=INDEX_TIMEOUT_MS)
        expect(tab.get_by_test_id("stProgress")).to_have_count(0)
        screenshot(tab, "leave-and-return-indexed")
    finally:
        context.close()
