"""Indexing on real Celery workers: `celery worker` subprocesses, Redis, PostgreSQL for the records.

Each worker owns a Qdrant Edge folder while it runs (EDGE_WORKER=1), and the test reads the store after the
workers exit: no Qdrant server can run on these machines, and Edge opens in one process at a time.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from rag.config import Settings, load_settings, secret
from rag.indexing.chunking import chunk_pages
from rag.reading.pdf import extract_pages, open_pdf
from rag.store.edge import EdgeStore
from rag.usecases import documents, jobs, startup
from tests.apptest import MAIN
from tests.conftest import CORPUS, ROOT
from tests.pdfs import blank_pdf
from tests.robustness.procs import cli_env
from tests.workers import broker_url, start_worker, stop_worker, varied_pdf, wait_until, worker_env

pytestmark = pytest.mark.slow
TIMEOUT = 240
# One torch thread a worker, as compose.yaml runs them: two workers of 2 threads on 2 cores took 59 s for the
# 200 documents, two of 1 thread 20 s (bench/workers.py).
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def _settings(tmp_path: Path, database_url: str, broker: str, **extra: object) -> Settings:
    return Settings(
        _env_file=None,
        storage_dir=tmp_path / "storage",
        database_url=database_url,
        celery_broker_url=broker,
        llm_provider="fake",
        **extra,
    )


def _expected_passages(settings: Settings, path: Path) -> int:
    """What indexing this file makes, counted without embedding it."""
    data = path.read_bytes()
    opened = open_pdf(data, settings)
    pages = extract_pages(data, opened, None, settings)
    size, overlap = settings.chunk_size, settings.chunk_overlap
    title = opened.title
    return len(chunk_pages(pages, doc_id="x", filename=path.name, chunk_size=size, chunk_overlap=overlap, title=title))


def _settled(app) -> bool:  # type: ignore[no-untyped-def]
    return all(d.status not in ("queued", "indexing") for d in documents.list_all_documents(app))


def _store(settings: Settings, embedding, path: Path | None = None) -> EdgeStore:  # type: ignore[no-untyped-def]
    return EdgeStore(path or settings.qdrant_path, embedding.name, embedding.dimension)


def _files(settings: Settings) -> set[str]:
    return {p.stem for p in settings.uploads_dir.glob("*.pdf")}


@pytest.mark.corpus
def test_a_worker_indexes_the_corpus_and_a_bad_file_ends_failed_with_its_reason(tmp_path, postgres_url, embedding):
    settings = _settings(tmp_path, postgres_url, broker_url(11))
    app = startup.open_services(settings, embedding=embedding, store=False)
    blank, damaged = tmp_path / "blank.pdf", tmp_path / "damaged.pdf"
    blank.write_bytes(blank_pdf())
    damaged.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    corpus = sorted(CORPUS.glob("*.pdf"))
    given = {r.file: r for r in jobs.queue_files(app, [*corpus, blank, damaged])}
    # The damaged file is refused at once; the blank one can only be found out by reading it, on a worker.
    assert given["damaged.pdf"].status == "failed" and "damaged" in (given["damaged.pdf"].error or "")
    assert {given[p.name].status for p in [*corpus, blank]} == {"queued"}
    assert len(jobs.list_jobs(app)) == len(corpus) + 1

    log = tmp_path / "worker.log"
    worker = start_worker(
        worker_env(settings.storage_dir, postgres_url, secret(settings.celery_broker_url), **ONE_THREAD), "w1", log
    )
    try:
        wait_until(lambda: _settled(app), TIMEOUT, "every job ended", [log])
    finally:
        stop_worker(worker)
    listed = {d.filename: d for d in documents.list_all_documents(app)}
    assert listed["blank.pdf"].status == "failed"
    assert "no text" in (listed["blank.pdf"].error or "").lower()
    store = _store(settings, embedding)
    try:
        for path in corpus:
            document = listed[path.name]
            assert document.status == "indexed", document.error
            assert document.passages == _expected_passages(settings, path) > 0
            assert store.count(document.id) == document.passages
        assert store.count() == sum(listed[p.name].passages for p in corpus)
    finally:
        store.close()
    # The failed upload keeps its file, for `jobs retry`; nothing else is stored.
    assert _files(settings) == {d.id for d in listed.values()}


def test_a_worker_killed_mid_document_is_replaced_and_the_document_completes_once(tmp_path, postgres_url, embedding):
    settings = _settings(tmp_path, postgres_url, broker_url(12))
    app = startup.open_services(settings, embedding=embedding, store=False)
    (big := tmp_path / "big.pdf").write_bytes(varied_pdf(7, pages=60))
    [queued] = jobs.queue_files(app, [big])
    # A dead worker's job is taken over once its heartbeat is 3 s old (the default waits 2 minutes).
    env = worker_env(
        settings.storage_dir, postgres_url, secret(settings.celery_broker_url), JOB_HEARTBEAT_TIMEOUT_S="3"
    )
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    first = start_worker(env, "w1", logs[0])
    try:
        wait_until(
            lambda: (d := documents.get_document(app, queued.doc_id)).status == "indexing" and d.passages_done,
            TIMEOUT,
            "passages being embedded",
            logs,
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert documents.get_document(app, queued.doc_id).status == "indexing"

    second = start_worker(env, "w2", logs[1])
    try:
        wait_until(lambda: _settled(app), TIMEOUT, "the document indexed by the second worker", logs)
    finally:
        stop_worker(second)
    document = documents.get_document(app, queued.doc_id)
    assert document.status == "indexed", document.error
    assert document.passages == _expected_passages(settings, big)
    store = _store(settings, embedding)
    try:
        # Each passage once (the ids are deterministic, and the half-done attempt's points were removed first),
        # and nothing else in the store.
        assert store.count(document.id) == store.count() == document.passages
    finally:
        store.close()
    assert _files(settings) == {document.id}
    assert "w2@" in logs[1].read_text() and "indexed" in logs[1].read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis(port: int) -> subprocess.Popen:
    # Like the machine's own: nothing kept on disk, so a restart loses the queue; the records must not.
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_until(lambda: _pings(port), 30, "Redis started")
    return proc


def _pings(port: int) -> bool:
    try:
        with Redis(port=port, socket_connect_timeout=0.5) as client:
            return bool(client.ping())
    except OSError:
        return False
    except Exception:  # noqa: BLE001 - redis-py's ConnectionError
        return False


def test_jobs_survive_a_redis_restart_and_the_page_says_indexing_is_paused(
    tmp_path, postgres_url, embedding, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    port = _free_port()
    redis = _redis(port)
    broker = f"redis://127.0.0.1:{port}/0"
    for name, value in {
        "STORAGE_DIR": str(tmp_path / "storage"),
        "DATABASE_URL": postgres_url,
        "CELERY_BROKER_URL": broker,
        "LLM_PROVIDER": "fake",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    # The pages' services; without the store, which only the worker may open here.
    app = startup.adopt_shared(startup.open_services(settings, embedding=embedding, store=False))
    worker = None
    try:
        (first := tmp_path / "first.pdf").write_bytes(varied_pdf(1, pages=2))
        (second := tmp_path / "second.pdf").write_bytes(varied_pdf(2, pages=2))
        [sent] = jobs.queue_files(app, [first])
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True)
        redis.wait(timeout=30)
        # Added while the queue is down: recorded and kept, its job waiting in the database.
        [waiting] = jobs.queue_files(app, [second])
        assert waiting.status == "queued"
        assert jobs.queue_paused(app)

        at = AppTest.from_file(MAIN, default_timeout=120).run()
        at.switch_page("documents.py").run()
        assert not at.exception
        warnings = " ".join(w.value for w in at.warning)
        assert "Indexing is paused" in warnings
        assert not at.error  # nothing says an upload failed
        assert {d.status for d in jobs.list_jobs(app)} == {"queued"}

        redis = _redis(port)  # empty: the job sent before the restart is gone from it
        assert not jobs.queue_paused(app)
        log = tmp_path / "worker.log"
        worker = start_worker(worker_env(settings.storage_dir, postgres_url, broker, **ONE_THREAD), "w1", log)
        wait_until(lambda: _settled(app), TIMEOUT, "both jobs indexed", [log])
        statuses = {d.filename: d.status for d in documents.list_all_documents(app)}
        assert statuses == {"first.pdf": "indexed", "second.pdf": "indexed"}, statuses
        assert sent.doc_id and waiting.doc_id
    finally:
        if worker is not None:
            stop_worker(worker)
        startup.release_shared(settings)
        redis.terminate()
        redis.wait(timeout=30)


def test_two_hundred_documents_through_two_workers_are_each_indexed_exactly_once(tmp_path, postgres_url, embedding):
    settings = _settings(tmp_path, postgres_url, broker_url(13))
    app = startup.open_services(settings, embedding=embedding, store=False)
    folder = tmp_path / "bulk" / "nested"
    folder.mkdir(parents=True)
    for seed in range(200):
        (folder / f"report-{seed:03d}.pdf").write_bytes(varied_pdf(1000 + seed, lines=20 + seed % 30))
    results = list(jobs.queue_files(app, sorted(folder.parent.rglob("*.pdf"))))
    assert [r.status for r in results] == ["queued"] * 200
    # Each worker owns an Edge folder of its own; together they hold the library.
    stores = [tmp_path / "qdrant-a", tmp_path / "qdrant-b"]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [
        start_worker(
            worker_env(
                settings.storage_dir, postgres_url, secret(settings.celery_broker_url), QDRANT_PATH=str(s), **ONE_THREAD
            ),
            n,
            log,
        )
        for s, n, log in zip(stores, ("a", "b"), logs, strict=True)
    ]
    started = time.monotonic()
    try:
        wait_until(lambda: _settled(app), 600, "200 documents indexed", logs)
    finally:
        elapsed = time.monotonic() - started
        for worker in workers:
            stop_worker(worker)
    listed = documents.list_all_documents(app)
    assert [d.status for d in listed] == ["indexed"] * 200
    counts = []
    for path in stores:
        store = _store(settings, embedding, path)
        try:
            counts.append({d.id: store.count(d.id) for d in listed})
        finally:
            store.close()
    for document in listed:
        held = [c[document.id] for c in counts]
        # In one store only, whole: no document was indexed twice, or half by each worker.
        assert sorted(held) == [0, document.passages], (document.filename, held)
    assert all(any(c.values()) for c in counts), "one worker did all the work"
    passages = sum(d.passages for d in listed)
    print(f"\n200 documents, {passages} passages, 2 workers: {elapsed:.1f} s, {200 / elapsed:.2f} docs/s")


def test_the_app_on_the_embedded_store_with_a_broker_stops_naming_the_fix(tmp_path):
    env = cli_env(tmp_path / "storage", CELERY_BROKER_URL=broker_url(11))
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(_free_port())]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "Set QDRANT_URL to a Qdrant server" in said
    assert "Traceback" not in said and not (tmp_path / "storage" / "qdrant").exists()
