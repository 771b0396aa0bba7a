"""`reindex` on a Qdrant server: a new collection behind an alias, chat answering throughout, and uploads made
during the re-index present after the switch. Run on qdrant-client's local mode, which implements the same
collections and aliases in-process; one client is shared, as the processes would share one server."""

from __future__ import annotations

import pytest
from qdrant_client import QdrantClient

from rag.config import Settings, load_settings
from rag.indexing import reindex_workers
from rag.indexing.ingest import ingest_bytes
from rag.indexing.reindex import reindex
from rag.models.fake_chat import FakeChatModel
from rag.store import server
from rag.usecases import asking, documents
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf

OWLS = make_pdf([["Owls hunt at night and sleep in the day."], ["Barn owls nest in old buildings."]])
BADGERS = make_pdf([["Badgers dig setts under hedgerows."]])
CRANES = make_pdf([["Cranes dance in spring on the wetlands of the north."]])


class OneServer(QdrantClient):
    """What every process would reach at QDRANT_URL: one server, which a client closing does not stop."""

    def close(self, grpc_grace: float | None = None, **kwargs: object) -> None:
        pass


@pytest.fixture
def one_server(monkeypatch):
    shared = OneServer(location=":memory:")
    monkeypatch.setattr(server, "QdrantClient", lambda location, api_key=None, timeout=None: shared)
    return shared


def _collections(client: QdrantClient) -> tuple[set[str], dict[str, str]]:
    names = {c.name for c in client.get_collections().collections}
    return names, {a.alias_name: a.collection_name for a in client.get_aliases().aliases}


def test_a_reindex_switches_an_alias_while_chat_answers_and_keeps_uploads_made_meanwhile(
    tmp_path, one_server, embedding
):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", qdrant_url=":memory:", llm_provider="fake")
    app = open_services(settings, embedding, llm=FakeChatModel())
    try:
        for name, data in (("owls.pdf", OWLS), ("badgers.pdf", BADGERS)):
            assert ingest_bytes(app, data, name).status == "indexed"
        names, aliases = _collections(one_server)
        live = aliases["docchat"]
        assert names == {live} and live.startswith("docchat-")

        seen: list[str] = []
        during: dict[str, object] = {}

        def meanwhile(name: str, position: int, total: int) -> None:
            seen.append(name)
            if len(seen) == 1:
                # Chat goes on answering from the live collection, and an upload arrives.
                found = asking.retrieve_only(app, "When do owls hunt?")
                during["answer"] = found.sources[0].filename if found.sources else None
                during["upload"] = ingest_bytes(app, CRANES, "cranes.pdf")
                during["collections"] = _collections(one_server)

        result = reindex(settings, meanwhile)
        assert result.failed == {} and result.documents == 3
        assert during["answer"] == "owls.pdf"
        assert during["upload"].status == "indexed"
        _, aliases_during = during["collections"]
        assert aliases_during["docchat"] == live and "docchat-rebuild" in aliases_during

        names, aliases = _collections(one_server)
        assert set(aliases) == {"docchat"} and aliases["docchat"] != live and names == {aliases["docchat"]}
        listed = {d.filename: d for d in documents.list_documents(app)}
        assert set(listed) == {"owls.pdf", "badgers.pdf", "cranes.pdf"}
        for document in listed.values():
            assert app.store.count(document.id) == document.passages > 0
        assert app.store.count() == sum(d.passages for d in listed.values())
        found = asking.retrieve_only(app, "Where do cranes dance in spring?")
        assert found.sources[0].filename == "cranes.pdf"
    finally:
        app.close()


def test_a_collection_made_before_aliases_is_replaced_by_the_first_reindex(tmp_path, one_server, embedding):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", qdrant_url=":memory:", llm_provider="fake")
    # The collection an earlier release made: named "docchat" itself.
    server.create_collection(one_server, "docchat", {"embedding_model": embedding.name, "dimension": 384})
    app = open_services(settings, embedding, llm=FakeChatModel())
    try:
        owls = ingest_bytes(app, OWLS, "owls.pdf")
        assert _collections(one_server) == ({"docchat"}, {})
        assert reindex(settings).failed == {}
        names, aliases = _collections(one_server)
        assert set(aliases) == {"docchat"} and names == {aliases["docchat"]} != {"docchat"}
        assert app.store.count() == app.store.count(owls.doc_id) == owls.chunks
    finally:
        app.close()


def test_a_reindex_on_celery_workers_builds_the_new_collection_there(tmp_path, one_server, embedding, monkeypatch):
    """The workers' side of a re-index: a real Celery worker (in a thread of this process, so that it reaches
    the same in-process Qdrant) on a real Redis embeds each document into the collection being built."""
    import importlib

    from celery.contrib.testing.worker import start_worker

    from tests.workers import broker_url

    for name, value in {
        "STORAGE_DIR": str(tmp_path / "s"),
        "QDRANT_URL": ":memory:",
        "CELERY_BROKER_URL": broker_url(10),
        "LLM_PROVIDER": "fake",
    }.items():
        monkeypatch.setenv(name, value)
    # The re-index looks for the workers' progress every second; these two documents take a fraction of one.
    monkeypatch.setattr(reindex_workers, "WAIT_POLL_S", 0.05)
    settings = load_settings()
    app = open_services(settings, embedding, llm=FakeChatModel())
    try:
        owls, badgers = (ingest_bytes(app, data, name) for name, data in (("o.pdf", OWLS), ("b.pdf", BADGERS)))
        live = _collections(one_server)[1]["docchat"]
        import rag.jobs.celery_worker

        workers = importlib.reload(rag.jobs.celery_worker)  # its settings are read when it is imported
        with start_worker(workers.app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            result = reindex(settings)
        assert (result.documents, result.failed) == (2, {})
        names, aliases = _collections(one_server)
        assert set(aliases) == {"docchat"} and aliases["docchat"] != live and names == {aliases["docchat"]}
        assert app.store.count(owls.doc_id) == owls.chunks and app.store.count(badgers.doc_id) == badgers.chunks
        assert asking.retrieve_only(app, "When do owls hunt?").sources[0].filename == "o.pdf"
    finally:
        app.close()
