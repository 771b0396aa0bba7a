"""Changing the embedding model: the library is refused with a clear message, and `reindex` migrates it."""

import subprocess
import sys

import pytest

from rag.answering.retrieval import make_retriever
from rag.config import Settings
from rag.errors import StoreError
from rag.indexing.ingest import ingest_bytes
from rag.indexing.reindex import reindex
from rag.models.embeddings import LOCAL_MODEL_NAME, MULTILINGUAL_MODEL_NAME
from rag.records.library import list_documents
from rag.usecases.startup import open_services
from tests.conftest import ROOT
from tests.pdfs import make_pdf


@pytest.mark.slow  # MiniLM, in float32 then in int8
def test_a_float_library_is_refused_then_reindexed_in_int8_keeping_every_document(tmp_path):
    storage = tmp_path / "storage"
    old = open_services(Settings(_env_file=None, storage_dir=storage, embeddings_precision="float32"))
    owls = ingest_bytes(old, make_pdf([["Owls hunt at night."], ["Owls sleep in the day."]]), "owls.pdf")
    ingest_bytes(old, make_pdf([["Badgers dig setts."]]), "badgers.pdf")
    old.close()

    settings = Settings(_env_file=None, storage_dir=storage, embeddings_precision="int8")
    with pytest.raises(StoreError, match="python -m rag reindex"):
        open_services(settings)

    result = reindex(settings)
    assert (result.documents, result.failed) == (2, {})
    assert not (storage / "qdrant.previous").exists()

    services = open_services(settings)
    try:
        assert services.embedding.name == f"{LOCAL_MODEL_NAME}+int8"
        assert {d.filename for d in list_documents(services)} == {"owls.pdf", "badgers.pdf"}
        assert services.store.count(owls.doc_id) == owls.chunks and services.store.count() == result.chunks
        top = make_retriever(services).invoke("When do owls hunt?")[0]
        assert (top.metadata["filename"], top.metadata["page"]) == ("owls.pdf", 1)
    finally:
        services.close()


@pytest.mark.slow  # a child process that loads the models
def test_reindex_from_the_command_line_reports_a_missing_file(tmp_path):
    storage = tmp_path / "storage"
    services = open_services(Settings(_env_file=None, storage_dir=storage))
    doc = ingest_bytes(services, make_pdf([["Moles live underground."]]), "moles.pdf")
    services.close()
    (storage / "uploads" / f"{doc.doc_id}.pdf").unlink()

    proc = subprocess.run(
        [sys.executable, "-m", "rag", "reindex"],
        cwd=ROOT,
        env={"STORAGE_DIR": str(storage), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "failed     moles.pdf  its stored file uploads/" in proc.stdout and "Traceback" not in proc.stderr
    # The old index is kept while a document could not be re-embedded.
    assert (storage / "qdrant.previous").exists()


@pytest.mark.slow  # MiniLM, then multilingual-e5-small
def test_reindex_to_the_multilingual_model_which_the_library_then_keeps(tmp_path):
    storage = tmp_path / "storage"
    settings = Settings(_env_file=None, storage_dir=storage)
    services = open_services(settings)
    verein = make_pdf(
        [["Die Mitgliedschaft im Verein kostet zwanzig Euro im Jahr."], ["Der Vorstand wird im Mai gewaehlt."]]
    )
    german = ingest_bytes(services, verein, "verein.pdf")
    ingest_bytes(services, make_pdf([["Owls hunt at night."]]), "owls.pdf")
    services.close()

    result = reindex(settings, model="multilingual")
    assert (result.documents, result.failed) == (2, {})
    services = open_services(settings)  # EMBEDDINGS_MODEL=auto: the model the library now records
    try:
        assert services.embedding.name == MULTILINGUAL_MODEL_NAME
        assert services.store.count(german.doc_id) == german.chunks and services.store.count() == result.chunks
        assert len(services.embedding.embeddings.embed_query("Wer wählt den Vorstand?")) == 384
        assert {d.filename for d in list_documents(services)} == {"verein.pdf", "owls.pdf"}
    finally:
        services.close()
    # A later reindex without --model keeps it, rather than falling back to MiniLM for the new, empty index.
    assert reindex(settings).failed == {}
    services = open_services(settings)
    try:
        assert services.embedding.name == MULTILINGUAL_MODEL_NAME
    finally:
        services.close()
