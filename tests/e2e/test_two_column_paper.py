"""A cell of a two-column paper's table, asked in a real Chromium against `streamlit run app.py` with the default
models (issue 31): the quote shows the table's row with each cell under its header, and its chip names the paper
and the table's page. The paper is built in code (tests/pdfs.py two_column_paper); its file order runs across the
gutter, so only the reading by position (rag/reading/layout.py) gives the row with its header.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import need_module
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import _answer, _ask, _idle
from tests.pdfs import two_column_paper

expect = need_module("playwright.sync_api").expect

PAPER = "farmland-birds.pdf"
# The cell "Woodland: 11" of Table 1, asked as a reader would: "the woods", not the header's "Woodland".
QUESTION = "How many chaffinch nests were there in the woods?"
ROW = "Species: Chaffinch; Woodland: 11; Farmland: 6; Total: 17"
QUOTES = '[class*="st-key-quote_"]'


def test_a_cell_of_a_two_column_papers_table_is_quoted_as_its_row_under_its_header(page, app_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    paper = tmp_path / PAPER
    paper.write_bytes(two_column_paper())
    page.goto(f"{app_url}/documents")
    _idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(paper))
    expect(page.get_by_text(f"{PAPER} was added: 2 pages")).to_be_visible(timeout=180_000)
    _idle(page)

    page.goto(app_url)
    _idle(page)
    _ask(page, QUESTION)
    answer = _answer(page)
    # The quote that holds the row, whole, names every cell by its column's header; its own chip gives the page.
    quote = answer.locator(QUOTES).filter(has=page.locator("blockquote", has_text=ROW)).filter(visible=True).first
    expect(quote).to_be_visible()
    expect(quote.locator("button").filter(visible=True).first).to_contain_text(f"{PAPER} · p. 2")
    screenshot(page, "two-column-paper-table-row")
