"""The two pages, run by Streamlit's AppTest against real services in a temporary STORAGE_DIR."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pdfs import encrypt, make_pdf

PENGUINS = make_pdf(
    [
        ["Penguin care manual. Feeding: adult penguins eat two kilograms of herring per day."],
        ["Nesting. Penguins build nests from pebbles, and a good pebble is a prized gift."],
    ]
)
TIMEOUT = 180


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.chdir(ROOT)  # no stray .env from elsewhere, and relative page paths resolve
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    return at.run()


def _upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.switch_page("pages/documents.py").run()
    at.file_uploader[0].set_value([(name, data, "application/pdf") for name, data in files])
    return at.run()


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_empty_library_explains_the_two_steps_and_disables_the_chat(app):
    assert not app.exception
    assert "Step 1" in _texts(app.info)
    assert app.chat_input[0].disabled


def test_upload_indexes_good_files_and_explains_bad_ones(app):
    at = _upload(
        app, [("penguins.pdf", PENGUINS), ("notes.pdf", b"plain text, not a pdf"), ("locked.pdf", encrypt(PENGUINS))]
    )
    assert not at.exception
    assert "penguins.pdf** was added: 2 pages" in _texts(at.success)
    errors = _texts(at.error)
    assert "notes.pdf** could not be added. This is not a PDF" in errors
    assert "locked.pdf** could not be added. The PDF is password-protected" in errors
    library = _texts(at.markdown)
    assert "**penguins.pdf**" in library and "notes.pdf**" not in library.replace("could not", "")
    assert "2 pages" in _texts(at.caption)


def test_delete_from_the_library(app):
    at = _upload(app, [("penguins.pdf", PENGUINS)])
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("delete_"))).click().run()
    assert not at.exception
    assert "Your library is empty" in _texts(at.info)


def test_chat_streams_a_cited_answer(app):
    at = _upload(app, [("penguins.pdf", PENGUINS)])
    at.switch_page("pages/chat.py").run()
    assert not at.chat_input[0].disabled
    at.chat_input[0].set_value("How much herring does an adult penguin eat per day?").run()
    assert not at.exception
    [user, assistant] = at.chat_message
    assert user.markdown[0].value.startswith("How much herring")
    assert assistant.markdown, "the answer was not written"
    sources = assistant.expander[0]
    assert sources.label == "Sources (2)"
    assert "penguins.pdf · p. 1" in _texts(sources.markdown)
    # The turn is kept: a rerun shows it again from the conversation history.
    at.run()
    assert len(at.chat_message) == 2


def test_off_topic_question_says_so_instead_of_inventing(app):
    at = _upload(app, [("penguins.pdf", PENGUINS)])
    at.switch_page("pages/chat.py").run()
    at.chat_input[0].set_value("Who won the football world cup in 1998?").run()
    assert "couldn't find anything about that in your documents" in at.chat_message[1].markdown[0].value
