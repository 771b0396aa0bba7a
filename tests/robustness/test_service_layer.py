"""Hardening at the service layer: settings, names, the trash, stale records, and answers that stop half-way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from sqlalchemy import update

from rag.accounts.users import owner_workspace
from rag.answering.pipeline import start_turn
from rag.answering.search import retrieve
from rag.config import load_settings
from rag.database.tables import Document, utcnow
from rag.errors import ConfigError, LLMError, UnknownConversationError, UnknownDocumentError
from rag.indexing.ingest import display_name, ingest_bytes
from rag.records.cleanup import recover_interrupted
from rag.records.library import find_document, list_documents, list_trash, restore_document, trash_document
from rag.records.transcripts import create_conversation, get_conversation, list_messages
from tests.conftest import record
from tests.pdfs import make_pdf

PENGUINS = make_pdf([["Penguins eat herring and krill every day in the cold southern ocean."]])
VOLCANOES = make_pdf([["Volcanoes erupt with lava, ash and hot gases from the mantle."]])


class StreamingFake(BaseChatModel):
    """A chat model that streams fixed words and records whether its stream was finalised."""

    words: list[str]
    closed: list[bool]

    @property
    def _llm_type(self) -> str:
        return "streaming-fake"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("".join(self.words)))])

    def _stream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        try:
            for word in self.words:
                yield ChatGenerationChunk(message=AIMessageChunk(word))
        finally:
            self.closed.append(True)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:pw@db.example:5432/docchat", "postgresql+psycopg2://u:pw@db.example:5432/docchat"),
        ("postgres://u@db/docchat", "postgresql+psycopg2://u@db/docchat"),
        ("postgresql+psycopg2://u@db/docchat", "postgresql+psycopg2://u@db/docchat"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_in_the_forms_people_write_are_accepted(url, expected):
    assert load_settings(_env_file=None, database_url=url).db_url == expected


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://u@db:abc/docchat", "the port is a number"),
        ("mysql://u@db/docchat", "PostgreSQL or SQLite, not mysql"),
        ("not a url", "not a database URL"),
    ],
)
def test_a_bad_database_url_names_the_setting(url, said):
    with pytest.raises(ConfigError, match="DATABASE_URL") as caught:
        load_settings(_env_file=None, database_url=url)
    assert said in str(caught.value)


def test_secrets_never_show_in_the_settings_repr():
    settings = load_settings(_env_file=None, openai_api_key="sk-very-secret", database_url="postgresql://u:pw9@h/d")
    assert "sk-very-secret" not in repr(settings) and "pw9" not in repr(settings)
    assert "pw9" in settings.db_url  # but the engine still gets it


def test_bidi_controls_cannot_spoof_an_extension():
    assert display_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert display_name("\u2067report\u2069.pdf") == "report.pdf"


def test_two_files_with_one_name_are_told_apart(services):
    first = ingest_bytes(services, PENGUINS, "notes.pdf")
    second = ingest_bytes(services, VOLCANOES, "notes.pdf")
    assert (first.file, second.file) == ("notes.pdf", "notes (2).pdf")
    assert sorted(d.filename for d in list_documents(services)) == ["notes (2).pdf", "notes.pdf"]


def test_the_trash_hides_a_document_from_search_until_it_is_restored(services):
    kept = ingest_bytes(services, PENGUINS, "penguins.pdf")
    gone = ingest_bytes(services, VOLCANOES, "volcanoes.pdf")
    trash_document(services, gone.doc_id)
    assert [d.doc_id for d in list_documents(services)] == [kept.doc_id]
    assert [d.doc_id for d in list_trash(services)] == [gone.doc_id]
    _, docs = retrieve(services, "Why do volcanoes erupt with lava and ash?")
    assert gone.doc_id not in {d.metadata["doc_id"] for d in docs}
    with pytest.raises(UnknownDocumentError):
        trash_document(services, gone.doc_id)  # a second click on a stale screen changes nothing

    restore_document(services, gone.doc_id)
    _, docs = retrieve(services, "Why do volcanoes erupt with lava and ash?")
    assert docs[0].metadata["doc_id"] == gone.doc_id
    assert services.store.count(gone.doc_id) == gone.chunks  # never re-embedded: the passages stayed


def test_uploading_a_trashed_file_again_brings_it_back(services):
    gone = ingest_bytes(services, VOLCANOES, "volcanoes.pdf")
    trash_document(services, gone.doc_id)
    again = ingest_bytes(services, VOLCANOES, "volcanoes-copy.pdf")
    assert again.status == "duplicate" and "back in your library as volcanoes.pdf" in again.error
    assert [d.doc_id for d in list_documents(services)] == [gone.doc_id]


def _indexing_record(services, doc_id: str, minutes_ago: float) -> None:
    with services.sessions.begin() as session:
        session.add(
            Document(
                workspace_id=owner_workspace(services, None),
                doc_id=doc_id,
                filename=f"{doc_id}.pdf",
                stored_path="uploads/x.pdf",
                size_bytes=1,
                pages=1,
            )
        )
    with services.sessions.begin() as session:
        beat = utcnow() - timedelta(minutes=minutes_ago)
        session.execute(update(Document).where(Document.doc_id == doc_id).values(updated_at=beat))


def test_a_qdrant_server_recovers_only_records_whose_process_died(services):
    # With a server, other processes may be indexing right now: only a record with a stale heartbeat is touched
    # (these have no stored file, so they are removed: nothing could index them).
    _indexing_record(services, "a" * 64, minutes_ago=60)
    _indexing_record(services, "b" * 64, minutes_ago=1)
    services.settings.qdrant_url = "http://qdrant.invalid:6333"  # read by recover_interrupted alone
    try:
        assert recover_interrupted(services) == (0, 1)
    finally:
        services.settings.qdrant_url = None
    with services.sessions() as session:
        assert record(session, "a" * 64) is None and record(session, "b" * 64) is not None
    # The embedded store's lock guarantees no one else is indexing: everything left "indexing" is recovered.
    assert recover_interrupted(services) == (0, 1)


def _fake_model(services, words: list[str]) -> StreamingFake:
    model = StreamingFake(words=words, closed=[])
    services.__dict__["llm"] = model  # the cached_property's slot: no llama.cpp in the fast tier
    return model


def test_an_answer_closed_half_way_is_stored_whole_and_the_model_stream_ends(services):
    services.settings.answer_mode = "model"  # the model's words reach the reader as they come
    ingest_bytes(services, PENGUINS, "penguins.pdf")
    model = _fake_model(services, ["Penguins ", "eat ", "herring ", "and ", "krill."])
    conversation = create_conversation(services)
    turn = start_turn(services, conversation.id, "What do penguins eat?")
    streamed = [next(turn.tokens), next(turn.tokens), next(turn.tokens)]
    turn.close()  # the tab closed, or a new question overtook this one
    assert model.closed == [True]
    answer = list_messages(services, conversation.id)[-1]
    assert answer.status == "interrupted"
    assert answer.content == "".join(streamed) == "Penguins eat herring "  # not just the last flush


def test_quotes_first_closed_while_the_model_writes_keeps_the_quotes_as_the_answer(services):
    services.settings.answer_mode = "quotes_first"
    ingest_bytes(services, PENGUINS, "penguins.pdf")
    model = _fake_model(services, ["Penguins ", "eat ", "herring ", "and ", "krill."])
    conversation = create_conversation(services)
    turn = start_turn(services, conversation.id, "What do penguins eat?")
    assert turn.quotes_first and "herring" in turn.quotes[0].text
    turn.close()  # the tab closed before the model's answer was checked
    assert model.closed in ([], [True])  # closed, or never started: the stream is lazy
    answer = list_messages(services, conversation.id)[-1]
    # The quotes were on the screen: they stay the answer, and no unchecked words of the model are stored.
    assert (answer.status, answer.mode, answer.content) == ("complete", "quotes", "")
    assert "herring" in answer.quotes[0]["text"]


def test_a_model_file_that_cannot_load_is_a_failed_answer_with_a_reason(services, tmp_path):
    ingest_bytes(services, PENGUINS, "penguins.pdf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    for path, reason in ((tmp_path / "missing.gguf", "does not exist"), (bad, "not a usable GGUF")):
        services.settings.local_llm_path = path
        services.__dict__.pop("llm", None)
        conversation = create_conversation(services)
        with pytest.raises(LLMError, match="LOCAL_LLM_PATH") as caught:
            start_turn(services, conversation.id, "What do penguins eat?")
        assert reason in str(caught.value)
        question, answer = list_messages(services, conversation.id)
        assert (question.role, answer.role, answer.status) == ("user", "assistant", "failed")
        assert answer.error == str(caught.value)


@pytest.mark.parametrize("prefix", ["%%%%", "____", "%_%_"])
def test_id_prefixes_are_text_not_patterns(services, prefix):
    # An id prefix was matched as a SQL LIKE pattern: "%%%%" found any document, "____" any conversation.
    ingest_bytes(services, make_pdf([["Herons stand still in shallow water to fish."]]), "herons.pdf")
    create_conversation(services, "Herons")
    with pytest.raises(UnknownDocumentError):
        find_document(services, prefix)
    with pytest.raises(UnknownConversationError):
        get_conversation(services, prefix)
