"""Indexing throughput: the app's in-process worker against Celery workers, on the same PDFs and machine.

    .venv/bin/python bench/workers.py [PDF ...] [--workers 1 2] [--copies 2] [--quick]

Without PDFs it uses the five manuals of bench/corpus/ (bench/corpus.sh). `--copies N` indexes each PDF N times
(a byte changed at the end of each copy, so every copy is new content). Every run starts empty: a fresh
PostgreSQL schema for the records (DATABASE_URL, default the test database on 127.0.0.1) and fresh stores.
Celery workers (tests/workers.py, on the Redis of 127.0.0.1:6379) are started, and have loaded their models,
before the clock starts; each owns a Qdrant Edge folder of its own, as no Qdrant server runs here, so the store
writes are local in every run. Prints documents/s, passages/s, and passages/s per core used.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from common import QUICK_PDF, corpus, from_checkout, table
from sqlalchemy import create_engine, text

from rag.config import Settings
from rag.usecases import documents, jobs, startup

workers_kit = from_checkout("tests.workers")
CORES = os.cpu_count() or 1
DATABASE = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


class Schema:
    """A PostgreSQL schema of its own, dropped afterwards: the records of one run."""

    def __init__(self) -> None:
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(DATABASE)
        with self._admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = f"{DATABASE}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self._admin.dispose()


def copies(pdfs: list[Path], n: int, folder: Path) -> list[Path]:
    made = []
    for pdf in pdfs:
        for i in range(n):
            path = folder / f"{pdf.stem}-{i}.pdf"
            path.write_bytes(pdf.read_bytes() + f"\n% copy {i}\n".encode())  # after %%EOF: read alike
            made.append(path)
    return made


def settled(services) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    listed = documents.list_all_documents(services)
    if any(d.status in ("queued", "indexing") for d in listed):
        return None
    failed = [d.filename for d in listed if d.status == "failed"]
    if failed:
        raise SystemExit(f"failed: {failed}")
    return len(listed), sum(d.passages for d in listed)


def wait(services) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    while (done := settled(services)) is None:
        time.sleep(0.2)
    return done


def in_process(pdfs: list[Path], tmp: Path) -> tuple[float, int, int]:
    schema = Schema()
    try:
        settings = Settings(_env_file=None, storage_dir=tmp / "inproc", database_url=schema.url, llm_provider="fake")
        services = startup.open_services(settings, background=True)
        services.embedding.embeddings.embed_query("warm up")  # loaded before the clock, as the workers' are
        start = time.perf_counter()
        documents.queue_uploads(services, [(p.name, p.read_bytes()) for p in pdfs])
        listed, passages = wait(services)
        elapsed = time.perf_counter() - start
        services.close()
        return elapsed, listed, passages
    finally:
        schema.drop()


def on_workers(pdfs: list[Path], tmp: Path, count: int) -> tuple[float, int, int]:
    schema = Schema()
    broker = workers_kit.broker_url(9)
    folder = tmp / f"celery-{count}"
    settings = Settings(_env_file=None, storage_dir=folder, database_url=schema.url, celery_broker_url=broker)
    logs = [folder / f"w{i}.log" for i in range(count)]
    folder.mkdir(parents=True)
    procs = []
    try:
        for i, log in enumerate(logs):
            env = workers_kit.worker_env(folder, schema.url, broker, QDRANT_PATH=str(folder / f"qdrant-{i}"))
            procs.append(workers_kit.start_worker(env, f"bench{i}", log))
        for log in logs:
            workers_kit.wait_until(lambda log=log: "ready." in log.read_text(), 300, "a worker ready", [log])
        services = startup.open_services(settings, store=False)
        start = time.perf_counter()
        for _ in jobs.queue_files(services, pdfs):
            pass
        listed, passages = wait(services)
        elapsed = time.perf_counter() - start
        services.close()
        return elapsed, listed, passages
    finally:
        for proc in procs:
            workers_kit.stop_worker(proc)
        schema.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="one small PDF, one worker")
    args = parser.parse_args()
    sources = [QUICK_PDF] if args.quick else corpus(args.pdfs)
    runs = [1] if args.quick else args.workers
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pdfs = copies(sources, args.copies, tmp)
        rows = []
        elapsed, listed, passages = in_process(pdfs, tmp)
        rows.append(("in-process (app thread)", listed, passages, elapsed, listed / elapsed, passages / elapsed))
        for count in runs:
            elapsed, listed, passages = on_workers(pdfs, tmp, count)
            rate = (listed / elapsed, passages / elapsed)
            rows.append((f"{count} Celery worker(s)", listed, passages, elapsed, *rate))
    # Torch embeds on OMP_NUM_THREADS threads a process (all the cores unless set): the cores a run keeps busy
    # are its processes' threads, at most the machine's.
    threads = min(CORES, int(os.environ.get("OMP_NUM_THREADS") or CORES))
    processes = [1, *runs]
    rows = [(*row, row[-1] / min(CORES, n * threads)) for row, n in zip(rows, processes, strict=True)]
    header = ("scheduler", "documents", "passages", "seconds", "docs/s", "passages/s", "passages/s per core")
    table(f"Indexing throughput ({CORES} cores, {threads} torch thread(s) a process)", header, rows)


if __name__ == "__main__":
    main()
