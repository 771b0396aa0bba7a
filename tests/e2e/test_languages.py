"""A German document, asked in German, in a real Chromium against `streamlit run app.py` with the default models
(issue 33): the Documents page says the library's English model cannot read German well and how to change it, and
the answer quotes the German sentence with its page chip, under a heading in German. The PDF is built in code (its
text spelled without umlauts: the tests' PDFs are drawn in Helvetica's standard encoding)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import need_module
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import _answer, _ask, _idle
from tests.pdfs import make_pdf

expect = need_module("playwright.sync_api").expect

NAME = "vereinssatzung.pdf"
PAGES = [
    [
        "Satzung des Gartenvereins",
        "Der Verein pflegt die Gaerten am Fluss und bietet jedes Jahr Kurse fuer Kinder an.",
        "Der Vorstand wird jedes Jahr im Mai von allen Mitgliedern gewaehlt.",
    ],
    [
        "Beitraege",
        "Die Mitgliedschaft im Verein kostet zwanzig Euro im Jahr.",
        "Wer austreten will, schreibt dem Vorstand einen Brief bis zum Ende des Jahres.",
    ],
]
QUESTION = "Wie viel kostet die Mitgliedschaft im Verein?"
SENTENCE = "Die Mitgliedschaft im Verein kostet zwanzig Euro im Jahr."
QUOTES = '[class*="st-key-quote_"]'


def test_a_german_document_asked_in_german_is_quoted_with_its_page(page, app_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    pdf = tmp_path / NAME
    pdf.write_bytes(make_pdf(PAGES))
    page.goto(f"{app_url}/documents")
    _idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(pdf))
    expect(page.get_by_text(f"{NAME} was added: 2 pages")).to_be_visible(timeout=180_000)
    # The default model reads English: the page says so, and what to run.
    expect(page.get_by_text("This document is in German").first).to_be_visible()
    expect(page.get_by_text("reindex --model multilingual").first).to_be_visible()
    _idle(page)

    page.goto(app_url)
    _idle(page)
    _ask(page, QUESTION)
    answer = _answer(page)
    expect(answer.get_by_text("Aus Ihren Dokumenten, Wort für Wort:")).to_be_visible()  # the app's words, in German
    quote = answer.locator(QUOTES).filter(has=page.locator("blockquote", has_text=SENTENCE)).filter(visible=True).first
    expect(quote).to_be_visible()
    expect(quote.locator("button").filter(visible=True).first).to_contain_text(f"{NAME} · p. 2")
    screenshot(page, "german-document-quoted")
