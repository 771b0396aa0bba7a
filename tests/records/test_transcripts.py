"""Stored conversations, on SQLite and on a real PostgreSQL (the `db_url` fixture runs each test on both), read
through the doorway (rag.usecases), answered by the instant fake model unless a test says otherwise."""

import json
import os
import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from rag.cli.printing import print_sources
from rag.config import Settings
from rag.database.engine import init_db, make_engine, migrate
from rag.database.tables import Base, Message, utcnow
from rag.errors import LLMError
from rag.models.fake_chat import FakeChatModel
from rag.presentation import answer_of
from rag.records.transcripts import add_answer, add_user_message, history, update_answer
from rag.schemas import MessagePublic
from rag.services import Services
from rag.usecases import asking, conversations, documents
from rag.usecases.startup import open_services
from tests.conftest import ROOT
from tests.pdfs import ANIMALS, FARM, make_pdf, slides_pdf

ZOO = make_pdf(
    [
        ["Penguin care. Adult penguins eat two kilograms of herring every day."],
        ["Penguin nests. Penguins build their nests from pebbles collected on the beach."],
        ["Giraffe care. Giraffes eat acacia leaves from tall trees."],
    ]
)
KIWIS = make_pdf([["Kiwi care. Kiwis sniff out earthworms and beetle larvae in the soil at night."]])


def _settings(tmp_path, db_url, **overrides):
    return Settings(
        _env_file=None, storage_dir=tmp_path / "storage", database_url=db_url, llm_max_tokens=24, **overrides
    )


@pytest.fixture
def svc(tmp_path, db_url, embedding):
    services = open_services(_settings(tmp_path, db_url), embedding, llm=FakeChatModel())
    yield services
    services.close()


def _add(services: Services, *files: tuple[str, bytes]) -> list[str]:
    results = list(documents.add_files(services, files))
    assert [r.status for r in results] == ["indexed"] * len(files), results
    return [r.doc_id for r in results]


def _messages(services: Services, conversation_id: str) -> list[MessagePublic]:
    return conversations.get_conversation(services, conversation_id).messages


def test_three_turns_are_stored_and_reload_identically(svc, tmp_path, db_url, embedding):
    _add(svc, ("zoo.pdf", ZOO))
    conversation = conversations.create_conversation(svc)
    streamed = []
    for question in ["What do adult penguins eat?", "What are their nests made of?", "What do giraffes eat?"]:
        turn = asking.ask(svc, question, conversation.id)
        streamed.append((question, "".join(turn.tokens), turn.standalone_question, turn.sources))
    svc.close()

    reopened = open_services(_settings(tmp_path, db_url), embedding)  # a new engine, as after a restart
    try:
        messages = _messages(reopened, conversation.id)
        assert [m.role for m in messages] == ["user", "assistant"] * 3
        stored = [
            (q.content, a.content, a.standalone_question, a.sources)
            for q, a in zip(messages[::2], messages[1::2], strict=True)
        ]
        assert stored == streamed
        assert all(a.status == "complete" and a.first_token_ms <= a.total_ms for a in messages[1::2])
        assert conversations.list_conversations(reopened)[0].title == "What do adult penguins eat?"
        assert 2 in [s.page for s in streamed[1][3]], "the follow-up did not find the nests page"
    finally:
        reopened.close()


@pytest.mark.slow  # a child process that loads MiniLM and the real SmolLM2, on each database
def test_follow_up_in_a_new_process_uses_the_stored_history(svc, tmp_path, db_url):
    _add(svc, ("zoo.pdf", ZOO))
    conversation = conversations.create_conversation(svc)
    "".join(asking.ask(svc, "What do adult penguins eat?", conversation.id).tokens)
    svc.close()  # the embedded store is one process's at a time

    env = {**os.environ, "STORAGE_DIR": str(tmp_path / "storage"), "DATABASE_URL": db_url, "LLM_MAX_TOKENS": "24"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag",
            "ask",
            "--json",
            "--conversation",
            conversation.id[:8],
            "Where do they build nests?",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["conversation_id"] == conversation.id
    assert "penguin" in out["standalone_question"].lower()  # only the history says who "they" are
    assert out["sources"][0]["page"] == 2


def test_a_broken_stream_is_stored_as_interrupted_with_its_partial_answer(svc):
    svc.settings.answer_mode = "model"  # the model's words reach the reader as they come
    _add(svc, ("zoo.pdf", ZOO))
    conversation = conversations.create_conversation(svc)
    turn = asking.ask(svc, "What do adult penguins eat?", conversation.id)
    first = next(turn.tokens)
    turn.tokens.close()  # the reader went away mid-answer (user navigated off, app rerun)
    question, answer = _messages(svc, conversation.id)
    assert question.content == "What do adult penguins eat?"
    assert (answer.status, answer.content) == ("interrupted", first)
    assert answer.sources and answer.sources[0].page == 1


def test_an_unreachable_model_keeps_the_question_and_marks_the_answer_failed(
    tmp_path, db_url, embedding, unreachable_llm
):
    settings = _settings(tmp_path, db_url, **unreachable_llm)
    services = open_services(settings, embedding)
    try:
        _add(services, ("zoo.pdf", ZOO))
        conversation = conversations.create_conversation(services)
        turn = asking.ask(services, "What do adult penguins eat?", conversation.id)
        with pytest.raises(LLMError):
            "".join(turn.tokens)
        question, answer = _messages(services, conversation.id)
        assert question.content == "What do adult penguins eat?"
        assert answer.status == "failed" and "language model" in answer.error
        # A follow-up now fails in the rewrite step, and is kept all the same.
        with pytest.raises(LLMError):
            asking.ask(services, "And what about giraffes?", conversation.id)
        assert [m.status for m in _messages(services, conversation.id)] == [None, "failed", None, "failed"]
    finally:
        services.close()


def _writers(svc, conversation_ids, per_writer=10):
    errors = []

    def write(writer, conversation_id):
        try:
            for n in range(per_writer):
                add_user_message(svc, conversation_id, f"writer {writer} message {n}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, cid)) for w, cid in enumerate(conversation_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


@pytest.mark.parametrize("shared", [True, False], ids=["one-conversation", "separate-conversations"])
def test_twenty_concurrent_writers_lose_and_reorder_nothing(svc, shared):
    new = conversations.create_conversation
    listed = [new(svc).id] * 20 if shared else [new(svc).id for _ in range(20)]
    _writers(svc, listed)
    messages = [m for cid in dict.fromkeys(listed) for m in _messages(svc, cid)]
    assert len(messages) == 200
    for writer in range(20):
        own = [m.content for m in messages if m.content.startswith(f"writer {writer} ")]
        assert own == [f"writer {writer} message {n}" for n in range(10)]


def test_history_returns_the_last_settled_turns_in_order(svc):
    conversation = conversations.create_conversation(svc)
    for n in range(4):
        question = add_user_message(svc, conversation.id, f"q{n}")
        add_answer(svc, conversation.id, question.id, content=f"a{n}", status="complete")
    assert [m.content for m in history(svc, conversation.id, turns=2)] == ["q2", "a2", "q3", "a3"]
    # A question with no answer yet, and one whose answer is still being written: neither is a turn of the past.
    add_user_message(svc, conversation.id, "unanswered")
    writing = add_answer(svc, conversation.id, add_user_message(svc, conversation.id, "q5").id, content="a5 so f")
    assert [m.content for m in history(svc, conversation.id, turns=2)] == ["q2", "a2", "q3", "a3"]
    # Its stream over, interrupted or not, it is.
    update_answer(svc, writing.id, content="a5 so far", status="interrupted")
    assert [m.content for m in history(svc, conversation.id, turns=2)] == ["q3", "a3", "q5", "a5 so far"]
    # One whose process died as it wrote is never settled; begun long ago, it is a turn of the past all the same.
    crashed = add_answer(svc, conversation.id, add_user_message(svc, conversation.id, "q6").id, content="a6 cut")
    assert [m.content for m in history(svc, conversation.id, turns=1)] == ["q5", "a5 so far"]
    update_answer(svc, crashed.id, created_at=utcnow() - timedelta(minutes=20))
    assert [m.content for m in history(svc, conversation.id, turns=1)] == ["q6", "a6 cut"]


# Questions asked at once: more than the database's connection pool (5 + 10 overflow), as the audit sent them.
AT_ONCE = len(ANIMALS)


def ask_at_once(svc, conversation_id, questions):
    """Asks every question at the same moment, each on its own thread, and writes no answer until all are asked:
    {question: (standalone question, streamed answer, answer id)}."""
    start, asked = threading.Barrier(len(questions)), threading.Barrier(len(questions))
    turns, errors = {}, []

    def ask(question):
        try:
            start.wait(timeout=60)
            turn = asking.ask(svc, question, conversation_id)
            asked.wait(timeout=60)
            turns[question] = (turn.standalone_question, "".join(turn.tokens), turn.answer_id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            start.abort()
            asked.abort()

    threads = [threading.Thread(target=ask, args=(question,)) for question in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return turns


def test_questions_asked_at_once_are_each_searched_alone_and_stored_beside_their_answers(svc):
    # The model's words stream as they come: each answer is settled only once it is read, after every question.
    svc.settings.answer_mode = "model"
    _add(svc, ("farm.pdf", FARM))
    conversation = conversations.create_conversation(svc)
    questions = [f"What does the {animal} eat?" for animal, _ in ANIMALS]
    turns = ask_at_once(svc, conversation.id, questions)

    # None had a settled turn before it: each was searched as asked, not joined to another still unanswered.
    assert {q: standalone for q, (standalone, _, _) in turns.items()} == {q: q for q in questions}
    streamed = {q: answer for q, (_, answer, _) in turns.items()}
    assert len(set(streamed.values())) == AT_ONCE, "the answers must differ for their places to tell"

    messages = _messages(svc, conversation.id)
    assert [m.role for m in messages] == ["user", "assistant"] * AT_ONCE
    pairs = list(zip(messages[::2], messages[1::2], strict=True))
    for question, answer in pairs:
        assert answer.question_id == question.id
        assert (answer.id, answer.standalone_question, answer.content) == (
            turns[question.content][2],
            question.content,
            streamed[question.content],
        )
        assert answer.status == "complete"
    # The export reads each answer under its own question.
    markdown = conversations.export_conversation(svc, conversation.id)
    sections = markdown.split("## Q: ")[1:]
    assert [section.split("\n", 1)[0] for section in sections] == [q.content for q, _ in pairs]
    assert all(streamed[q.content] in section for (q, _), section in zip(pairs, sections, strict=True))

    # Now every turn is settled: a follow-up is searched with the last question asked.
    follow_up = asking.ask(svc, "And how often?", conversation.id)
    assert follow_up.standalone_question == f"{pairs[-1][0].content} And how often?"
    "".join(follow_up.tokens)


def test_rename_and_delete_cascade_to_messages(svc):
    conversation = conversations.create_conversation(svc)
    add_user_message(svc, conversation.id, "first question")
    assert conversations.rename_conversation(svc, conversation.id, "  My   research ").title == "My research"
    add_user_message(svc, conversation.id, "second question")
    assert conversations.list_conversations(svc)[0].title == "My research"
    conversations.delete_conversation(svc, conversation.id)
    with svc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0
    assert conversations.list_conversations(svc) == []


def test_export_marks_sources_of_deleted_documents(svc):
    _, kiwis = _add(svc, ("zoo.pdf", ZOO), ("kiwis.pdf", KIWIS))
    conversation = conversations.create_conversation(svc)
    for question in ("What do adult penguins eat?", "What do kiwis eat at night?"):
        answer_of(asking.ask(svc, question, conversation.id), question)
    documents.delete_document(svc, kiwis)
    markdown = conversations.export_conversation(svc, conversation.id)
    assert markdown.startswith("# What do adult penguins eat?")
    assert "## Q: What do adult penguins eat?" in markdown and "## Q: What do kiwis eat at night?" in markdown
    # Where each source and quote is cited: "1. zoo.pdf, p. 1: ..." and "> — zoo.pdf, p. 1".
    cited = [line for line in markdown.splitlines() if re.match(r"(\d+\.|> —) \w+\.pdf, p\. \d+", line)]
    removed = [line for line in cited if "kiwis.pdf" in line]
    kept = [line for line in cited if "zoo.pdf" in line]
    assert removed and kept, markdown
    assert all(", p. 1 (document removed)" in line for line in removed), removed
    assert not any("(document removed)" in line for line in kept), kept


# The newest migration, and the documents columns added by 0004-0013 (the foundation's table had none of them).
HEAD = "0013"
LATER_DOCUMENT_COLUMNS = {
    "updated_at",
    "trashed_at",
    "card",
    "progress",
    "progress_message",
    "workspace_id",
    "added_by",
    "pages_done",
    "passages_done",
    "sent_at",
    "attempts",
    "ocr_pages",
    "ocr_unreadable",
    "ocr_lines",
    "language",
}


def test_a_slide_deck_is_cited_by_slide_in_the_answer_its_stored_message_and_the_export(svc, capsys):
    deck = slides_pdf(
        [
            ["Soil survey", "Ana Lima, spring field days"],
            ["How we sampled", "- cores from twelve fields", "- taken in March, dried and sieved"],
            ["What we found", "- nitrogen is lowest in the river fields", "- subsoil holds the clay"],
        ]
    )
    _add(svc, ("talk.pdf", deck))
    conversation = conversations.create_conversation(svc)
    turn = asking.ask(svc, "When were the soil cores taken?", conversation.id)
    answer_of(turn, "When were the soil cores taken?")
    assert turn.sources[0].page == 2 and {s.unit for s in turn.sources} == {"slide"}
    [_, stored] = _messages(svc, conversation.id)
    assert stored.sources == turn.sources and stored.quotes and {q.unit for q in stored.quotes} == {"slide"}
    markdown = conversations.export_conversation(svc, conversation.id)
    assert "1. talk.pdf, slide 2:" in markdown and "> — talk.pdf, slide 2" in markdown and "p. 2" not in markdown
    print_sources(stored.sources)
    assert "[1] talk.pdf, slide 2: " in capsys.readouterr().out


def test_sources_and_quotes_stored_before_slides_were_told_apart_read_as_pages(svc):
    conversation = conversations.create_conversation(svc)
    question = add_user_message(svc, conversation.id, "What do adult penguins eat?")
    old = {"doc_id": "d", "filename": "zoo.pdf", "page": 1, "score": 0.5}  # as rows stored before `unit` hold them
    add_answer(
        svc,
        conversation.id,
        question.id,
        content="Herring.",
        status="complete",
        mode="quotes+model",
        sources=[old | {"snippet": "Adult penguins eat herring."}],
        quotes=[old | {"text": "Adult penguins eat herring."}],
    )
    [_, stored] = _messages(svc, conversation.id)
    assert [(s.page, s.unit) for s in stored.sources] == [(1, "page")] == [(q.page, q.unit) for q in stored.quotes]
    assert "> — zoo.pdf, p. 1" in conversations.export_conversation(svc, conversation.id)


def test_migrations_from_empty_from_the_first_revision_and_from_the_foundation(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        assert set(inspect(engine).get_table_names()) == {"alembic_version", "documents"}
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents VALUES ('d1', 'a.pdf', 'uploads/d1.pdf', 1, 1, 1, 'indexed', "
                    "NULL, CURRENT_TIMESTAMP)"
                )
            )
        init_db(engine)
        assert {"conversations", "messages"} <= set(inspect(engine).get_table_names())
        assert "grounding" in {c["name"] for c in inspect(engine).get_columns("messages")}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT filename FROM documents")) == "a.pdf"
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
            # 0007: the library of before accounts is the implicit owner's, in their personal workspace.
            owners = text(
                "SELECT u.username FROM documents d JOIN workspaces w ON w.id = d.workspace_id "
                "JOIN users u ON u.id = w.personal_of WHERE u.implicit AND u.is_admin"
            )
            assert conn.scalar(owners) == "owner"
        assert LATER_DOCUMENT_COLUMNS <= {c["name"] for c in inspect(engine).get_columns("documents")}
        assert {"mode", "quotes", "suggestions"} <= {c["name"] for c in inspect(engine).get_columns("messages")}

        # A database the foundation made with create_all, before there were migrations.
        Base.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        columns = [c._copy() for c in Base.metadata.tables["documents"].columns if c.name not in LATER_DOCUMENT_COLUMNS]
        Table("documents", MetaData(), *columns).create(engine)
        init_db(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
        assert LATER_DOCUMENT_COLUMNS <= {c["name"] for c in inspect(engine).get_columns("documents")}
    finally:
        engine.dispose()


def test_names_a_race_left_twice_are_told_apart_by_the_migration_that_makes_them_unique(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, "0009")
        with engine.begin() as conn:
            workspace = conn.scalar(text("SELECT id FROM workspaces"))
            for doc_id, name, status, minute in [
                ("d1", "race.pdf", "indexed", 1),
                ("d2", "race.pdf", "queued", 2),
                ("d3", "race.pdf", "failed", 3),  # a failed upload keeps its name: it is retried under a free one
                ("d4", "race (2).pdf", "indexed", 0),
            ]:
                conn.execute(
                    text(
                        "INSERT INTO documents (workspace_id, doc_id, filename, stored_path, size_bytes, pages, "
                        "chunks, status, created_at) VALUES (:w, :d, :n, 'uploads/x.pdf', 1, 1, 1, :s, :c)"
                    ),
                    {"w": workspace, "d": doc_id, "n": name, "s": status, "c": datetime(2026, 1, 1, 0, minute)},
                )
        init_db(engine)
        with engine.connect() as conn:
            names = dict(conn.execute(text("SELECT doc_id, filename FROM documents")).all())
        assert names == {"d1": "race.pdf", "d2": "race (3).pdf", "d3": "race.pdf", "d4": "race (2).pdf"}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE documents SET filename = 'race.pdf' WHERE doc_id = 'd2'"))
    finally:
        engine.dispose()


def test_answers_of_before_are_linked_to_their_questions_and_settled_by_the_migration(db_url, tmp_path, embedding):
    engine = make_engine(db_url)
    try:
        migrate(engine, "0010")
        with engine.begin() as conn:
            workspace, user = conn.execute(text("SELECT id, personal_of FROM workspaces")).one()
            conn.execute(
                text(
                    "INSERT INTO conversations (id, workspace_id, user_id, title, doc_ids, created_at, updated_at) "
                    "VALUES ('c1', :w, :u, 'Penguins', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"w": workspace, "u": user},
            )
            for n, (role, content, status) in enumerate(
                [
                    ("user", "What do penguins eat?", None),
                    ("assistant", "Herring.", "complete"),
                    ("user", "Where do they nest?", None),
                    ("assistant", "On pebb", "interrupted"),
                    ("user", "And giraffes?", None),  # the database went away before its answer was stored
                ],
                1,
            ):
                conn.execute(
                    text(
                        "INSERT INTO messages (id, conversation_id, role, content, status, created_at) "
                        "VALUES (:id, 'c1', :role, :content, :status, :at)"
                    ),
                    {"id": n, "role": role, "content": content, "status": status, "at": datetime(2026, 1, 1, 0, n)},
                )
        init_db(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, question_id, answered_at FROM messages ORDER BY id")).all()
        assert [(id_, question) for id_, question, _ in rows] == [(1, None), (2, 1), (3, None), (4, 3), (5, None)]
        assert [answered is not None for _, _, answered in rows] == [False, True, False, True, False]
    finally:
        engine.dispose()
    # A follow-up reads them as before.
    services = open_services(_settings(tmp_path, db_url), embedding)
    try:
        past = [m.content for m in history(services, "c1", turns=3)]
        assert past == ["What do penguins eat?", "Herring.", "Where do they nest?", "On pebb"]
    finally:
        services.close()


def test_postgres_rows_are_visible_to_plain_sql(postgres_url, tmp_path, embedding):
    services = open_services(_settings(tmp_path, postgres_url), embedding)
    try:
        conversation = conversations.create_conversation(services)
        add_user_message(services, conversation.id, "visible to psql?")
    finally:
        services.close()
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT content FROM messages")) == "visible to psql?"
    engine.dispose()
