"""The pages with accounts (AUTH_MODE=local), run by AppTest against real services: nobody reaches a page
before signing in, and a signed-in user sees, opens and changes only what is theirs or shared with them."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rag.config import load_settings
from rag.models.fake_chat import FakeChatModel
from rag.presentation import answer_of
from rag.usecases import accounts, asking, documents, startup
from rag.usecases.accounts import OPERATOR
from tests.conftest import ROOT
from tests.pdfs import make_pdf
from tests.ui.test_app import _shown, _texts

PASSWORD = "correct horse battery"
SECRET = "The Zanzibar merger closes on 14 March at 38 dollars a share."
TIMEOUT = 180


@pytest.fixture
def svc(tmp_path, monkeypatch, embedding):
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("AUTH_MODE", "local")
    monkeypatch.chdir(ROOT)
    services = startup.adopt_shared(
        startup.open_services(load_settings(), background=True, embedding=embedding, llm=FakeChatModel())
    )
    for name, admin in (("alice", True), ("bob", False)):
        accounts.add_user(services, name, PASSWORD, admin, caller=OPERATOR)
    yield services
    startup.release_shared(load_settings())


def sign_in(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "ui" / "main.py"), default_timeout=TIMEOUT).run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def _alices_library(svc) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    alice = accounts.sign_in(svc, "alice", PASSWORD)
    [added] = list(documents.add_files(svc, [("merger.pdf", make_pdf([[SECRET]]))], caller=alice))
    answer = answer_of(asking.ask(svc, "When does the merger close?", caller=alice), "q")
    return added.doc_id, answer.conversation_id


def test_nobody_reaches_a_page_before_signing_in(svc):
    at = AppTest.from_file(str(ROOT / "ui" / "main.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"] and not at.chat_input and not at.file_uploader
    at = sign_in("alice", "wrong password")
    assert "Wrong username or password" in _texts(at.error) and not at.chat_input
    at = sign_in("alice")
    assert not at.exception and at.chat_input, "signed in, the chat is open"


def test_a_signed_in_user_sees_and_opens_nothing_of_another(svc):
    _secret, conversation = _alices_library(svc)
    bob = accounts.sign_in(svc, "bob", PASSWORD)
    volcanoes = make_pdf([["Basaltic lava flows from shield volcanoes such as Mauna Loa."]])
    list(documents.add_files(svc, [("volcanoes.pdf", volcanoes)], caller=bob))
    at = sign_in("bob")
    at.switch_page("documents.py").run()
    assert not at.exception and "merger.pdf" not in _texts(at.markdown)
    # Alice's conversation by its id in the URL: not opened, not listed.
    at.switch_page("chat.py")
    at.query_params["c"] = conversation
    at.run()
    assert not at.exception
    assert "When does the merger close?" not in _texts(at.markdown) + " ".join(_shown(b.label) for b in at.button)
    assert not at.chat_message
    # Said as for a conversation that does not exist, and the link is dropped.
    assert "not in any of your workspaces" in _texts(at.warning) and "c" not in at.query_params
    # Bob asks with Alice's own words: the chat finds nothing of hers.
    at.chat_input[0].set_value(SECRET).run()
    assert not at.exception
    answer = at.chat_message[1]
    assert "merger.pdf" not in " ".join(_shown(b.label) for b in answer.button)
    assert "38 dollars" not in _texts(answer.markdown)
    # Alice, signed in, has both.
    mine = sign_in("alice")
    mine.query_params["c"] = conversation
    mine.run()
    assert "When does the merger close?" in _texts(mine.markdown)


def test_a_viewer_cannot_upload_or_delete_and_an_admin_page_is_for_admins(svc):
    accounts.create_workspace(svc, "Deals", caller=OPERATOR)
    accounts.set_member(svc, "Deals", "alice", "editor", caller=OPERATOR)
    accounts.set_member(svc, "Deals", "bob", "viewer", caller=OPERATOR)
    deals = accounts.refreshed(svc, accounts.sign_in(svc, "alice", PASSWORD), "Deals")
    list(documents.add_files(svc, [("merger.pdf", make_pdf([[SECRET]]))], caller=deals))
    at = sign_in("bob")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("admin.py")  # not among Bob's pages
    at.query_params["ws"] = deals.workspace_id
    at.switch_page("documents.py").run()
    assert not at.exception
    assert "**merger.pdf**" in _texts(at.markdown)  # a viewer reads the shared library
    assert not at.file_uploader and "for its editors" in _texts(at.info)
    assert not [b for b in at.button if b.key and b.key.startswith("delete_")]
    admin = sign_in("alice")
    admin.switch_page("admin.py").run()
    assert not admin.exception and {"bob", "alice"} <= set(_texts(admin.markdown).replace("*", " ").split())


def test_a_user_disabled_while_signed_in_is_signed_out_at_the_next_click(svc):
    at = sign_in("bob")
    assert at.chat_input
    accounts.set_disabled(svc, "bob", True, caller=OPERATOR)
    at.run()
    assert not at.exception and not at.chat_input
    assert "disabled" in _texts(at.warning)
