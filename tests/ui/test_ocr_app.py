"""A PDF with a scanned page, through the pages (AppTest, real OCR): the upload's notice and the library row say how
many pages OCR read, and the cited scanned page says so beside its snippet."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rag.config import load_settings
from rag.models.fake_chat import FakeChatModel
from rag.usecases import startup
from tests.apptest import upload
from tests.conftest import ROOT
from tests.pdfs import join_pdfs, make_pdf, scanned_pdf
from tests.ui.test_app import _blocks, _shown, _texts

pytestmark = pytest.mark.slow  # a real OCR model reads the scanned page
MIXED = join_pdfs(
    make_pdf([["Kiwis are flightless birds from New Zealand."]]),
    scanned_pdf([["The grey heron nests in the Okavango", "marsh every April, laying three", "to five blue eggs."]]),
)


@pytest.fixture
def app(tmp_path, monkeypatch, embedding):
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(ROOT)
    startup.adopt_shared(
        startup.open_services(load_settings(), background=True, embedding=embedding, llm=FakeChatModel())
    )
    yield AppTest.from_file(str(ROOT / "ui" / "main.py"), default_timeout=180).run()
    startup.release_shared(load_settings())


def test_the_pages_say_which_pages_ocr_read(app):
    at = upload(app, [("mixed.pdf", MIXED)], 180)
    assert not at.exception
    assert "1 of 2 pages read by OCR" in _texts(at.success)
    assert "🔍 1 of 2 pages read by OCR" in _texts(at.caption)  # the library row

    at.switch_page("chat.py").run()
    at.chat_input[0].set_value("Where does the grey heron nest?").run()
    assert not at.exception
    assistant = at.chat_message[-1]
    chip = next(b for b in assistant.button if b.key and b.key.startswith("page_") and "p. 2" in _shown(b.label))
    chip.click().run()
    [dialog] = _blocks(at._tree, "dialog")
    assert "read by OCR" in _texts(dialog.caption)
    assert dialog.get("image")
