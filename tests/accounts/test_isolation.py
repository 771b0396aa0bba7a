"""Isolation through the doorway: what one user may reach of another's documents and conversations, in the
database queries and in every vector search (Qdrant Edge, and the server backend's code on qdrant-client)."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.errors import DocChatError, NotFoundError, PermissionDeniedError
from rag.models.fake_chat import FakeChatModel
from rag.presentation import answer_of
from rag.usecases import accounts, asking, conversations, documents, review
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

PASSWORD = "correct horse battery"
# Alice's words, which Bob will copy into his questions.
SECRET = "The Zanzibar merger closes on 14 March; the board pays 38 dollars a share to Okavango Holdings."
ALICE_PDF = make_pdf([[SECRET], ["Integration plan: the Okavango warehouse teams move to Zanzibar in April."]])
BOB_PDF = make_pdf([["Volcanoes: basaltic lava flows from shield volcanoes such as Mauna Loa."]])


def _team(tmp_path, embedding, backend: str):  # type: ignore[no-untyped-def]
    server = {"qdrant_url": ":memory:"} if backend == "server" else {}
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", auth_mode="local", **server)
    svc = open_services(settings, embedding, llm=FakeChatModel())
    for name, admin in (("alice", True), ("bob", False), ("carol", False)):
        accounts.add_user(svc, name, PASSWORD, admin, caller=OPERATOR)
    return svc


@pytest.fixture(params=["edge", "server"])
def team(request, tmp_path, embedding):
    """Local accounts over Qdrant Edge, then over the server backend's code (qdrant-client, in memory): for
    what searches the store."""
    svc = _team(tmp_path, embedding, request.param)
    yield svc
    svc.close()


@pytest.fixture
def edge_team(tmp_path, embedding):
    """Local accounts over Qdrant Edge: for what only the database decides."""
    svc = _team(tmp_path, embedding, "edge")
    yield svc
    svc.close()


def _caller(svc, name: str, workspace: str | None = None):  # type: ignore[no-untyped-def]
    who = accounts.sign_in(svc, name, PASSWORD)
    return accounts.refreshed(svc, who, workspace) if workspace else who


def _add(svc, who, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    [result] = list(documents.add_files(svc, [(name, data)], caller=who))
    assert result.status == "indexed", result
    return result.doc_id


def test_another_users_documents_cannot_be_reached_by_id_or_prefix(team):
    alice, bob = _caller(team, "alice"), _caller(team, "bob")
    secret = _add(team, alice, "merger.pdf", ALICE_PDF)
    _add(team, bob, "volcanoes.pdf", BOB_PDF)
    assert [d.filename for d in documents.list_documents(team, caller=bob)] == ["volcanoes.pdf"]
    assert secret not in documents.library_ids(team, caller=bob)
    for doc_id in (secret, secret[:8]):
        for action in (documents.get_document, documents.trash_document, documents.delete_document):
            with pytest.raises(NotFoundError):
                action(team, doc_id, caller=bob)
        with pytest.raises(DocChatError):
            documents.page_preview(team, doc_id, 1, SECRET, caller=bob)
    assert documents.page_preview(team, secret, 1, SECRET, caller=alice).png  # Alice's own page draws
    assert [d.id for d in documents.list_documents(team, caller=alice)] == [secret]  # untouched


def test_a_question_copied_from_another_users_pdf_finds_nothing_of_it(team):
    alice, bob = _caller(team, "alice"), _caller(team, "bob")
    secret = _add(team, alice, "merger.pdf", ALICE_PDF)
    _add(team, bob, "volcanoes.pdf", BOB_PDF)
    found = asking.retrieve_only(team, SECRET, caller=bob)
    assert all(s.doc_id != secret for s in found.sources)
    assert asking.retrieve_only(team, SECRET, caller=alice).sources[0].doc_id == secret
    # Asked in a chat, the names are checked against Bob's library only: "not in your documents".
    answer = answer_of(asking.ask(team, "When does the Zanzibar merger close?", caller=bob), "q")
    assert answer.mode == "not_found" and not any(s.doc_id == secret for s in answer.sources)
    assert "Zanzibar" not in answer.answer.replace("“Zanzibar”", "")


def test_another_users_conversations_cannot_be_listed_opened_or_changed(edge_team):
    alice, bob = _caller(edge_team, "alice"), _caller(edge_team, "bob")
    _add(edge_team, alice, "merger.pdf", ALICE_PDF)
    asked = answer_of(asking.ask(edge_team, "When does the merger close?", caller=alice), "q")
    mine = asked.conversation_id
    assert conversations.list_conversations(edge_team, caller=bob) == []
    for action, args in (
        (conversations.get_conversation, ()),
        (conversations.export_conversation, ()),
        (conversations.rename_conversation, ("taken",)),
        (conversations.delete_conversation, ()),
        (conversations.share_conversation, (True,)),
        (asking.ask, ()),
    ):
        with pytest.raises(NotFoundError):
            if action is asking.ask:
                asking.ask(edge_team, "And the price?", mine, caller=bob)
            else:
                action(edge_team, mine, *args, caller=bob)
    assert conversations.get_conversation(edge_team, mine, caller=alice).title == "When does the merger close?"


def test_a_shared_workspace_viewer_reads_and_asks_but_cannot_change(team):
    accounts.create_workspace(team, "Deals", caller=OPERATOR)
    accounts.set_member(team, "Deals", "alice", "editor", caller=OPERATOR)
    accounts.set_member(team, "Deals", "bob", "viewer", caller=OPERATOR)
    alice, bob = _caller(team, "alice", "Deals"), _caller(team, "bob", "Deals")
    doc = _add(team, alice, "merger.pdf", ALICE_PDF)
    assert asking.retrieve_only(team, SECRET, caller=bob).sources[0].doc_id == doc  # a viewer searches it
    with pytest.raises(PermissionDeniedError):
        list(documents.add_files(team, [("volcanoes.pdf", BOB_PDF)], caller=bob))
    with pytest.raises(PermissionDeniedError):
        documents.queue_uploads(team, [("volcanoes.pdf", BOB_PDF)], caller=bob)
    for action in (documents.trash_document, documents.delete_document):
        with pytest.raises(PermissionDeniedError):
            action(team, doc, caller=bob)
    with pytest.raises(PermissionDeniedError):
        documents.empty_trash(team, caller=bob)
    # Carol is no member: the shared workspace's document is not hers to find.
    carol = _caller(team, "carol")
    assert all(s.doc_id != doc for s in asking.retrieve_only(team, SECRET, caller=carol).sources)


def test_a_conversation_is_private_until_shared_and_then_read_only(edge_team):
    accounts.create_workspace(edge_team, "Deals", caller=OPERATOR)
    for name in ("alice", "bob"):
        accounts.set_member(edge_team, "Deals", name, "editor", caller=OPERATOR)
    alice, bob = _caller(edge_team, "alice", "Deals"), _caller(edge_team, "bob", "Deals")
    _add(edge_team, alice, "merger.pdf", ALICE_PDF)
    conversation = answer_of(asking.ask(edge_team, "Who is buying?", caller=alice), "q").conversation_id
    assert conversations.list_conversations(edge_team, caller=bob) == []
    conversations.share_conversation(edge_team, conversation, True, caller=alice)
    [seen] = conversations.list_conversations(edge_team, caller=bob)
    assert seen.read_only and seen.started_by == "alice"
    assert "Who is buying?" in conversations.export_conversation(edge_team, conversation, caller=bob)
    for attempt in (
        lambda: conversations.rename_conversation(edge_team, conversation, "mine now", caller=bob),
        lambda: conversations.delete_conversation(edge_team, conversation, caller=bob),
        lambda: asking.ask(edge_team, "And when?", conversation, caller=bob),
        lambda: conversations.share_conversation(edge_team, conversation, False, caller=bob),
    ):
        with pytest.raises(PermissionDeniedError):
            attempt()
    conversations.share_conversation(edge_team, conversation, False, caller=alice)
    with pytest.raises(NotFoundError):
        conversations.get_conversation(edge_team, conversation, caller=bob)
    # Alice's personal workspace does not list the conversation of the shared one.
    assert conversations.list_conversations(edge_team, caller=_caller(edge_team, "alice")) == []


def test_the_same_pdf_in_two_workspaces_is_stored_once_and_deleted_with_its_last_record(team):
    accounts.create_workspace(team, "Deals", caller=OPERATOR)
    accounts.set_member(team, "Deals", "alice", "editor", caller=OPERATOR)
    personal, deals, bob = _caller(team, "alice"), _caller(team, "alice", "Deals"), _caller(team, "bob")
    doc = _add(team, personal, "merger.pdf", ALICE_PDF)
    passages = team.store.count(doc)
    assert _add(team, deals, "deal.pdf", ALICE_PDF) == doc  # indexed at once: the content is indexed already
    assert team.store.count(doc) == passages
    stored = team.settings.uploads_dir / f"{doc}.pdf"
    assert stored.exists() and len(list(team.settings.uploads_dir.iterdir())) == 1
    assert [d.filename for d in documents.list_documents(team, caller=deals)] == ["deal.pdf"]
    assert all(s.doc_id != doc for s in asking.retrieve_only(team, SECRET, caller=bob).sources)
    documents.delete_document(team, doc, caller=personal)
    assert documents.list_documents(team, caller=personal) == []
    assert asking.retrieve_only(team, SECRET, caller=deals).sources[0].filename == "merger.pdf"
    assert all(s.doc_id != doc for s in asking.retrieve_only(team, SECRET, caller=personal).sources)
    assert stored.exists() and team.store.count(doc) == passages
    documents.delete_document(team, doc, caller=deals)
    assert not stored.exists() and team.store.count(doc) == 0


def test_answer_feedback_feeds_the_admins_review_queue(edge_team):
    alice, bob = _caller(edge_team, "alice"), _caller(edge_team, "bob")
    _add(edge_team, bob, "volcanoes.pdf", BOB_PDF)
    answer = answer_of(asking.ask(edge_team, "What flows from shield volcanoes?", caller=bob), "q")
    with pytest.raises(NotFoundError):
        conversations.give_feedback(edge_team, answer.conversation_id, answer.message_id, "down", caller=alice)
    message = conversations.give_feedback(
        edge_team, answer.conversation_id, answer.message_id, "down", "  wrong   volcano ", caller=bob
    )
    assert (message.feedback, message.feedback_reason) == ("down", "wrong volcano")
    [item] = [i for i in review.review_queue(edge_team, caller=alice) if i.feedback == "down"]
    assert (item.asked_by, item.question, item.feedback_reason) == (
        "bob",
        "What flows from shield volcanoes?",
        "wrong volcano",
    )
    detail = review.review_conversation(edge_team, item.conversation_id, caller=alice)
    assert detail.read_only and detail.messages[0].content == "What flows from shield volcanoes?"
    assert review.audit_log(edge_team, caller=alice, action="review.open")[0].username == "alice"
    conversations.give_feedback(edge_team, answer.conversation_id, answer.message_id, None, caller=bob)
    assert not [i for i in review.review_queue(edge_team, caller=alice) if i.feedback == "down"]
