import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from langchain_core.embeddings import Embeddings
from sqlalchemy import func, select

from rag.answering.search import retrieve
from rag.config import Settings
from rag.database.tables import Document
from rag.indexing.index import index_accepted
from rag.indexing.ingest import accept_bytes, ingest_bytes
from rag.models.embeddings import EmbeddingModel
from rag.records.cleanup import INTERRUPTED, recover_interrupted
from rag.records.library import delete_document, list_documents
from rag.services import Services
from rag.usecases.startup import open_services
from tests.conftest import record
from tests.pdfs import blank_pdf, encrypt, make_pdf
from tests.robustness.hostile_pdfs import image_only_pdf

PAGES = [
    ["Chapter one. Installing the frobnicator requires a working compiler."],
    ["Chapter two. The quarterly budget for penguins is eleven thousand fish."],
    ["Chapter three. Volcanic eruptions release sulfur dioxide into the stratosphere."],
]


def _stored_files(services: Services) -> list:
    return sorted(services.settings.uploads_dir.glob("*")) if services.settings.uploads_dir.exists() else []


def test_ingest_indexes_pages_and_retrieval_cites_the_right_page(services):
    data = make_pdf(PAGES)
    result = ingest_bytes(services, data, "zoo.pdf")
    assert result.status == "indexed", result.error
    assert result.doc_id == hashlib.sha256(data).hexdigest()
    assert (result.pages, result.chunks) == (3, 3)
    assert services.store.count(result.doc_id) == 3
    assert _stored_files(services) == [services.settings.uploads_dir / f"{result.doc_id}.pdf"]
    [document] = list_documents(services)
    assert (document.filename, document.pages, document.chunks) == ("zoo.pdf", 3, 3)

    _, docs = retrieve(services, "how much money is budgeted for the penguins?")
    assert docs[0].metadata["page"] == 2
    assert docs[0].metadata["filename"] == "zoo.pdf"


def test_same_content_again_is_a_duplicate_and_nothing_is_reindexed(services):
    data = make_pdf(PAGES)
    first = ingest_bytes(services, data, "zoo.pdf")
    before = services.store.count()
    again = ingest_bytes(services, data, "renamed copy.pdf")
    assert again.status == "duplicate"
    assert "zoo.pdf" in again.error
    assert services.store.count() == before
    assert [d.doc_id for d in list_documents(services)] == [first.doc_id]


def test_reindexing_the_same_chunks_is_idempotent(services):
    result = ingest_bytes(services, make_pdf(PAGES), "zoo.pdf")
    # Simulate a retry after a crash that lost the record but kept the vectors.
    with services.sessions.begin() as session:
        session.delete(record(session, result.doc_id))
    again = ingest_bytes(services, make_pdf(PAGES), "zoo.pdf")
    assert again.status == "indexed"
    assert services.store.count() == 3


def test_delete_removes_file_vectors_and_record(services):
    keep = ingest_bytes(services, make_pdf([["Sourdough bread needs a lively starter and patience."]]), "bread.pdf")
    gone = ingest_bytes(services, make_pdf(PAGES), "zoo.pdf")
    delete_document(services, gone.doc_id[:10])
    assert services.store.count(gone.doc_id) == 0
    assert services.store.count(keep.doc_id) == 1
    assert [d.doc_id for d in list_documents(services)] == [keep.doc_id]
    assert _stored_files(services) == [services.settings.uploads_dir / f"{keep.doc_id}.pdf"]
    _, docs = retrieve(services, "quarterly budget for penguins")
    assert all(d.metadata["doc_id"] != gone.doc_id for d in docs)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"just some text, renamed to pdf\n" * 20, "not a PDF"),
        (make_pdf(PAGES)[:200], "damaged or truncated"),
        (encrypt(make_pdf(PAGES)), "password-protected"),
        (blank_pdf(), "pages are blank"),
        pytest.param(image_only_pdf(""), "OCR found no text", marks=pytest.mark.slow),  # RapidOCR reads the scan
    ],
    ids=["empty", "not-pdf", "truncated", "encrypted", "blank", "blank-scan"],
)
def test_bad_input_fails_clearly_and_leaves_nothing(services, data, reason):
    result = ingest_bytes(services, data, "bad.pdf")
    assert result.status == "failed"
    assert reason in result.error
    assert services.store.count() == 0
    assert list_documents(services) == []
    assert _stored_files(services) == []


def test_over_the_cap_fails(services):
    data = make_pdf(PAGES)
    services.settings.max_upload_mb = 0
    result = ingest_bytes(services, data, "big.pdf")
    assert result.status == "failed" and "limit" in result.error


def test_a_batch_goes_on_after_a_bad_file(services):
    results = [
        ingest_bytes(services, data, name)
        for name, data in [("a.pdf", b"nope"), ("b.pdf", make_pdf(PAGES)), ("c.pdf", b"")]
    ]
    assert [r.status for r in results] == ["failed", "indexed", "failed"]
    assert len(list_documents(services)) == 1


class _CrashingEmbeddings(Embeddings):
    """The test's model, except that the second batch fails, as a crashed backend would."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.calls = inner, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("embedding backend crashed")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_failure_while_embedding_leaves_no_half_indexed_document(services):
    services.settings.embed_batch_size = 1
    model = services.embedding
    crashing_model = EmbeddingModel(model.name, model.dimension, lambda: _CrashingEmbeddings(model.embeddings))
    crashing = replace(services, embedding=crashing_model)
    crashing.__dict__["store"] = services.store  # the same open store: a second one would find it locked
    result = ingest_bytes(crashing, make_pdf(PAGES), "zoo.pdf")
    assert result.status == "failed" and "embedding backend crashed" in result.error
    assert services.store.count() == 0
    assert _stored_files(services) == []
    with services.sessions() as session:
        assert record(session, result.doc_id) is None


def test_a_crash_while_indexing_puts_the_upload_back_in_the_queue(services):
    result = ingest_bytes(services, make_pdf(PAGES), "zoo.pdf")
    chunks = services.store.count(result.doc_id)
    with services.sessions.begin() as session:
        record(session, result.doc_id).status = "indexing"  # as a process killed mid-way leaves it
    assert recover_interrupted(services) == (1, 0)
    # Its passages go (the next attempt writes them whole), its file stays, and it waits in the queue.
    assert services.store.count() == 0
    assert _stored_files(services) == [services.settings.uploads_dir / f"{result.doc_id}.pdf"]
    with services.sessions() as session:
        waiting = record(session, result.doc_id)
        assert (waiting.status, waiting.progress_message) == ("queued", INTERRUPTED)
    # Adding the same file again indexes it now, as the app's background worker would.
    again = ingest_bytes(services, make_pdf(PAGES), "zoo.pdf")
    assert (again.status, again.doc_id, again.chunks) == ("indexed", result.doc_id, chunks)
    assert services.store.count() == chunks


def test_a_file_that_keeps_crashing_its_process_ends_failed_with_the_count(services):
    result = accept_bytes(services, make_pdf(PAGES), "zoo.pdf")
    limit = services.settings.job_retries + 1
    with services.sessions.begin() as session:  # as after `limit` processes died on it, each claiming it once
        waiting = record(session, result.doc_id)
        waiting.status, waiting.attempts = "indexing", limit
    assert recover_interrupted(services) == (1, 0)
    ended = index_accepted(services, result.doc_id, keep_failure=True)
    assert (ended.status, ended.error) == (
        "failed",
        f"Indexing stopped {limit} times before it could finish; it was given up.",
    )
    assert _stored_files(services) == [services.settings.uploads_dir / f"{result.doc_id}.pdf"]  # for a retry


def test_recovery_keeps_a_queued_upload_and_removes_one_whose_file_is_gone(services):
    kept = accept_bytes(services, make_pdf(PAGES), "zoo.pdf")
    given_up = accept_bytes(services, make_pdf(PAGES[:1]), "one.pdf")
    assert (kept.status, given_up.status) == ("queued", "queued")
    (services.settings.uploads_dir / f"{given_up.doc_id}.pdf").unlink()
    assert recover_interrupted(services) == (0, 1)
    with services.sessions() as session:
        assert record(session, given_up.doc_id) is None
        assert record(session, kept.doc_id).status == "queued"
    assert _stored_files(services) == [services.settings.uploads_dir / f"{kept.doc_id}.pdf"]


@pytest.fixture
def db_services(tmp_path, embedding, db_url):
    services = open_services(Settings(_env_file=None, storage_dir=tmp_path / "storage", database_url=db_url), embedding)
    yield services
    services.close()


def _at_once(calls: list) -> list:
    """Each call on its own thread, released together; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call):  # type: ignore[no-untyped-def]
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_the_same_file_sent_eight_times_at_once_is_one_document(db_services):
    # A duplicate-key error answered 500 for 5 of 8 on SQLite.
    data = make_pdf(PAGES)
    results = _at_once([lambda: accept_bytes(db_services, data, "zoo.pdf")] * 8)
    assert sorted(r.status for r in results) == ["duplicate"] * 7 + ["queued"]
    with db_services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 1


def test_files_of_one_name_sent_at_once_each_get_a_name_of_their_own(db_services):
    # Six of eight were all called "race (3).pdf" on SQLite.
    files = [make_pdf([[f"Race report {n}: the boats rounded the buoy at {n} knots."]]) for n in range(8)]
    results = _at_once([lambda data=data: accept_bytes(db_services, data, "race.pdf") for data in files])
    assert {r.status for r in results} == {"queued"}
    names = sorted(r.file for r in results)
    assert names == sorted(["race.pdf", *(f"race ({n}).pdf" for n in range(2, 9))])
    with db_services.sessions() as session:
        assert sorted(session.scalars(select(Document.filename))) == names
