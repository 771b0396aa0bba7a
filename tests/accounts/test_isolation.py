"""Isolation through the doorway: what one user may reach of another's documents and conversations, in the
database queries and in every vector search (Qdrant Edge, and the server backend's code on qdrant-client)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import update

from rag.config import Settings
from rag.database.tables import Document, utcnow
from rag.errors import DocChatError, NotFoundError, PermissionDeniedError
from rag.indexing import job_state
from rag.indexing.index import index_accepted
from rag.jobs.dispatch import run
from rag.models.fake_chat import FakeChatModel
from rag.presentation import answer_of
from rag.records.cleanup import recover_interrupted
from rag.usecases import accounts, asking, conversations, documents, review
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

PASSWORD = "correct horse battery"
# Alice's words, which Bob will copy into his questions.
SECRET = "The Zanzibar merger closes on 14 March; the board pays 38 dollars a share to Okavango Holdings."
ALICE_PDF = make_pdf([[SECRET], ["Integration plan: the Okavango warehouse teams move to Zanzibar in April."]])
BOB_PDF = make_pdf([["Volcanoes: basaltic lava flows from shield volcanoes such as Mauna Loa."]])


def _team(tmp_path, embedding, backend: str, **more):  # type: ignore[no-untyped-def]
    server = {"qdrant_url": ":memory:"} if backend == "server" else {}
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", auth_mode="local", **server, **more)
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


@pytest.fixture
def db_team(tmp_path, embedding, db_url):
    """Local accounts over Qdrant Edge, on SQLite (and PostgreSQL in the slow tier): for what the records decide
    when several users' uploads meet."""
    svc = _team(tmp_path, embedding, "edge", database_url=db_url)
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
    # Cited under the workspace's own name of it, whoever indexed the content first.
    assert asking.retrieve_only(team, SECRET, caller=deals).sources[0].filename == "deal.pdf"
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


@contextmanager
def _worker_held(svc) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Jobs dispatched meanwhile wait, as behind a long one, and run when the block ends."""
    gate = threading.Event()
    svc.worker.submit(gate.wait)
    try:
        yield
    finally:
        gate.set()


def _jobs_done(svc) -> None:  # type: ignore[no-untyped-def]
    """Returns once the jobs dispatched so far have run: the app's worker runs them one after the other."""
    svc.worker.submit(lambda: None).result(timeout=120)


def _embedded(svc, monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text embedded as a document from now on, passages and card sentences (the model still embeds them);
    with MiniLM, questions too: read it before searching."""
    model = svc.embedding.embeddings
    texts: list[str] = []
    real = model.embed_documents

    def recorded(batch):  # type: ignore[no-untyped-def]
        texts.extend(batch)
        return real(batch)

    monkeypatch.setattr(model, "embed_documents", recorded)
    return texts


def _found(svc, who, doc_id: str) -> bool:  # type: ignore[no-untyped-def]
    return any(s.doc_id == doc_id for s in asking.retrieve_only(svc, SECRET, caller=who).sources)


def _queue(svc, who, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    [result] = documents.queue_uploads(svc, [(name, data)], caller=who)
    assert result.status == "queued", result
    _jobs_done(svc)
    assert documents.get_document(svc, result.doc_id, caller=who).status == "indexed"
    return result.doc_id


def test_an_upload_of_a_file_only_another_user_holds_answers_as_any_new_upload(db_team, monkeypatch):
    alice, bob, carol = (_caller(db_team, name) for name in ("alice", "bob", "carol"))
    doc = _add(db_team, alice, "merger.pdf", ALICE_PDF)
    before, passages = documents.get_document(db_team, doc, caller=alice), db_team.store.count(doc)
    embedded = _embedded(db_team, monkeypatch)
    with _worker_held(db_team):
        [copy] = documents.queue_uploads(db_team, [("deal.pdf", ALICE_PDF)], caller=bob)
        [new] = documents.queue_uploads(db_team, [("volcanoes.pdf", BOB_PDF)], caller=carol)
        # Bob's answer and record are those of Carol's file, which nobody had: nothing says Alice has his.
        assert copy.status == "queued"
        assert copy.model_dump(exclude={"file", "doc_id", "pages"}) == new.model_dump(
            exclude={"file", "doc_id", "pages"}
        )
        waiting = documents.get_document(db_team, doc, caller=bob)
        fresh = documents.get_document(db_team, new.doc_id, caller=carol)
        assert (waiting.status, waiting.progress_message, waiting.progress) == ("queued", "Waiting to be indexed", 0.0)
        apart = {"id", "filename", "pages", "size_bytes", "created_at"}
        assert waiting.model_dump(exclude=apart) == fresh.model_dump(exclude=apart)
    _jobs_done(db_team)
    # Bob's job used the passages stored: Carol's new file was embedded, Alice's words never again.
    assert any("Mauna Loa" in text for text in embedded)
    assert not any("Zanzibar" in text for text in embedded)
    mine = documents.get_document(db_team, doc, caller=bob)
    assert (mine.status, mine.filename, mine.passages) == ("indexed", "deal.pdf", before.passages)
    assert _found(db_team, bob, doc)
    # His sources name his file: the passages were stored under Alice's name for it, which is not his to see.
    cited = asking.retrieve_only(db_team, SECRET, caller=bob)
    assert {s.filename for s in cited.sources if s.doc_id == doc} == {"deal.pdf"}
    assert "merger.pdf" not in cited.model_dump_json()
    assert documents.get_document(db_team, doc, caller=alice) == before
    assert db_team.store.count(doc) == passages and _found(db_team, alice, doc)
    assert not _found(db_team, carol, doc)


def test_each_user_deleting_their_copy_leaves_the_others_searchable(db_team):
    alice, bob = _caller(db_team, "alice"), _caller(db_team, "bob")
    doc = _add(db_team, alice, "merger.pdf", ALICE_PDF)
    passages, stored = db_team.store.count(doc), db_team.settings.uploads_dir / f"{doc}.pdf"
    _queue(db_team, bob, "deal.pdf", ALICE_PDF)
    documents.delete_document(db_team, doc, caller=bob)
    assert _found(db_team, alice, doc) and not _found(db_team, bob, doc)
    assert stored.exists() and db_team.store.count(doc) == passages
    _queue(db_team, bob, "deal.pdf", ALICE_PDF)
    documents.delete_document(db_team, doc, caller=alice)
    assert _found(db_team, bob, doc) and not _found(db_team, alice, doc)
    assert stored.exists() and db_team.store.count(doc) == passages
    documents.delete_document(db_team, doc, caller=bob)
    assert not stored.exists() and db_team.store.count(doc) == 0


def test_an_upload_while_another_users_job_indexes_the_same_file_is_finished_by_that_job(db_team, monkeypatch):
    alice, bob = _caller(db_team, "alice"), _caller(db_team, "bob")
    embedded = _embedded(db_team, monkeypatch)
    seen: dict = {}

    def bob_uploads_meanwhile(message: str, _fraction: float) -> None:
        if message.startswith("Embedding passages") and not seen:
            [seen["answer"]] = documents.queue_uploads(db_team, [("deal.pdf", ALICE_PDF)], caller=bob)
            # Bob's job runs now, as on another worker: a second job would clear the passages Alice's is writing.
            seen["job"] = run(db_team, seen["answer"].doc_id)
            seen["record"] = documents.get_document(db_team, seen["answer"].doc_id, caller=bob)

    with _worker_held(db_team):
        [queued] = documents.queue_uploads(db_team, [("merger.pdf", ALICE_PDF)], caller=alice)
        result = index_accepted(db_team, queued.doc_id, bob_uploads_meanwhile, keep_failure=True)
    assert seen["answer"].status == "queued" and seen["job"].status == "duplicate"
    assert (seen["record"].status, seen["record"].progress_message) == ("queued", "Waiting to be indexed")
    assert result.status == "indexed"
    _jobs_done(db_team)  # the jobs their uploads dispatched find nothing left to do
    assert embedded and len(embedded) == len(set(embedded))  # one job embedded the file: no text twice
    mine = documents.get_document(db_team, queued.doc_id, caller=bob)
    assert (mine.status, mine.filename, mine.passages) == ("indexed", "deal.pdf", result.chunks)
    assert _found(db_team, bob, queued.doc_id) and _found(db_team, alice, queued.doc_id)
    assert db_team.store.count(queued.doc_id) == result.chunks


def test_an_upload_indexed_while_its_user_waits_waits_for_another_users_job_of_the_same_file(db_team, monkeypatch):
    monkeypatch.setattr(job_state, "PROGRESS_SECONDS", 0.01)
    alice, bob = _caller(db_team, "alice"), _caller(db_team, "bob")
    waiting = threading.Event()

    def progress(message: str, _fraction: float) -> None:
        if message == job_state.WAITING:
            waiting.set()

    with _worker_held(db_team), ThreadPoolExecutor(1) as pool:
        [queued] = documents.queue_uploads(db_team, [("merger.pdf", ALICE_PDF)], caller=alice)
        job, _ = job_state.claim(db_team, queued.doc_id)  # Alice's job starts...
        assert job is not None
        adding = pool.submit(
            lambda: list(documents.add_files(db_team, [("deal.pdf", ALICE_PDF)], progress, caller=bob))
        )
        assert waiting.wait(timeout=120), adding.result(timeout=0)
        # ... and its worker dies: the heartbeat stops, and Bob's upload, which waited for that job rather than
        # answering "being added", takes the content over.
        stale = utcnow() - timedelta(seconds=db_team.settings.job_heartbeat_timeout_s + 1)
        with db_team.sessions.begin() as session:
            session.execute(update(Document).where(Document.doc_id == queued.doc_id).values(updated_at=stale))
        [result] = adding.result(timeout=120)
    assert (result.status, result.file) == ("indexed", "deal.pdf")
    assert _found(db_team, bob, queued.doc_id)
    assert documents.get_document(db_team, queued.doc_id, caller=alice).status == "indexed"


def test_a_copy_whose_job_died_is_queued_again_and_the_passages_stay(db_team):
    alice, bob = _caller(db_team, "alice"), _caller(db_team, "bob")
    doc = _add(db_team, alice, "merger.pdf", ALICE_PDF)
    passages = db_team.store.count(doc)
    with _worker_held(db_team):
        documents.queue_uploads(db_team, [("deal.pdf", ALICE_PDF)], caller=bob)
        job_state.claim(db_team, doc)  # Bob's job, whose process dies before its write
        assert recover_interrupted(db_team) == (1, 0)  # what the next start does
        assert db_team.store.count(doc) == passages and _found(db_team, alice, doc)
        assert documents.get_document(db_team, doc, caller=bob).status == "queued"
    _jobs_done(db_team)
    assert documents.get_document(db_team, doc, caller=bob).status == "indexed" and _found(db_team, bob, doc)


def test_a_copy_in_another_of_ones_workspaces_joins_the_job_indexing_it(db_team):
    accounts.create_workspace(db_team, "Deals", caller=OPERATOR)
    accounts.set_member(db_team, "Deals", "alice", "editor", caller=OPERATOR)
    personal, deals = _caller(db_team, "alice"), _caller(db_team, "alice", "Deals")
    seen: dict = {}

    def added_to_deals_meanwhile(message: str, _fraction: float) -> None:
        if message.startswith("Embedding passages") and not seen:
            [seen["answer"]] = documents.queue_uploads(db_team, [("deal.pdf", ALICE_PDF)], caller=deals)
            seen["record"] = documents.get_document(db_team, seen["answer"].doc_id, caller=deals)

    with _worker_held(db_team):
        [queued] = documents.queue_uploads(db_team, [("merger.pdf", ALICE_PDF)], caller=personal)
        result = index_accepted(db_team, queued.doc_id, added_to_deals_meanwhile, keep_failure=True)
    _jobs_done(db_team)
    # Her own file: the Deals copy shows the job's progress, and the job finishes it.
    assert seen["answer"].status == "queued" and seen["record"].status == "indexing"
    mine = documents.get_document(db_team, queued.doc_id, caller=deals)
    assert (mine.status, mine.filename, mine.passages) == ("indexed", "deal.pdf", result.chunks)
    assert _found(db_team, deals, queued.doc_id)
