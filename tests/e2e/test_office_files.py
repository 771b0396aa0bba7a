"""A Word file, a spreadsheet and a slide deck, uploaded in a real Chromium against `streamlit run app.py` with the
default models (issue 32): a question whose answer is a Word table's row, a spreadsheet's row or a slide's speaker
notes is answered from it, its chip names the unit as a person would ("section “Prices”", "sheet “Budget”, rows
27–32", "slide 1"), and the chip opens that unit with the passage highlighted. The files are made in code
(tests/office_files.py) with the libraries real programs' files are read with.
"""

from __future__ import annotations

from pathlib import Path

from tests import office_files as made
from tests.conftest import need_module
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import _answer, _ask, _idle

expect = need_module("playwright.sync_api").expect

FILES = {"kettles.docx": made.docx_bytes, "budget.xlsx": made.xlsx_bytes, "review.pptx": made.pptx_bytes}
# (question, the text the quote holds, where its chip says it is)
ASKED = [
    ("How much does the Briar kettle cost?", "Price: 65 EUR", "kettles.docx · section “Prices”"),
    ("Who is the owner of the printer toner?", "Owner: Chidi", "budget.xlsx · sheet “Budget”, rows 27–32"),
    ("In which city is the new depot?", "Tampere", "review.pptx · slide 1"),
]


def test_office_files_are_uploaded_asked_and_their_units_opened(page, app_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    paths = []
    for name, make in FILES.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(make())
    page.goto(f"{app_url}/documents")
    _idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files([str(p) for p in paths])
    expect(page.get_by_text("kettles.docx was added: 3 sections")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("budget.xlsx was added: 3 parts")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("review.pptx was added: 2 slides")).to_be_visible(timeout=180_000)
    _idle(page)

    for question, quoted, chip in ASKED:
        page.goto(app_url)
        _idle(page)
        _ask(page, question)
        answer = _answer(page)
        quote = answer.locator('[class*="st-key-quote_"]').filter(visible=True).filter(has_text=quoted).first
        expect(quote).to_be_visible()
        expect(quote.locator("button").filter(visible=True).first).to_contain_text(chip)
        # The chip opens the unit, drawn as its text, the passage highlighted.
        quote.locator("button").filter(visible=True).first.click()
        dialog = page.get_by_role("dialog", name="Cited page")
        expect(dialog.get_by_role("img")).to_be_visible(timeout=60_000)
        expect(dialog).to_contain_text("highlighted")
        screenshot(page, f"office-{chip.split(' ')[0]}")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
