"""Real Celery workers for the tests and the benchmark: `celery -A rag.jobs.celery_worker worker` subprocesses on the
Redis of 127.0.0.1:6379 (or a private one), each owning its own Qdrant Edge folder while it runs; the store is
read after the workers exit, as no Qdrant server can run on these machines."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from redis import Redis

from tests.conftest import ROOT
from tests.pdfs import make_pdf
from tests.robustness.procs import cli_env, kill

REDIS = "redis://127.0.0.1:6379"
WORDS = (
    "archive backup cipher daemon editor filter gateway header index journal kernel ledger module network "
    "option packet quota record socket table update volume widget yield zone account buffer cluster domain "
    "element format graph handler integer library mirror node object parser query replica schema token"
).split()


def broker_url(db: int, url: str = REDIS) -> str:
    """A Redis database of its own for a test, emptied first: jobs of another run must not reach its workers. The
    fast tier's tests that take one are marked `xdist_group("redis")`, so two processes never share it."""
    with Redis.from_url(f"{url}/{db}") as client:
        client.flushdb()
    return f"{url}/{db}"


def worker_env(storage: Path, database_url: str, broker: str, **extra: str) -> dict[str, str]:
    return cli_env(
        storage,
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker,
        EDGE_WORKER="1",
        LLM_PROVIDER="fake",
        **extra,
    )


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "rag.jobs.celery_worker", "worker", "--pool", "solo"]
    command += ["--concurrency", "1", "--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-gossip"]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_worker(proc: subprocess.Popen, timeout: float = 60) -> None:
    """A warm shutdown (SIGTERM): the running job ends first, as `docker compose stop` does it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(proc)


def wait_until(check: Callable[[], object], timeout: float, what: str, logs: list[Path] = ()) -> object:  # type: ignore[assignment]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    shown = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
    raise AssertionError(f"{what}: not within {timeout} s\n{shown}")


def varied_pdf(seed: int, pages: int = 1, lines: int = 40) -> bytes:
    """A PDF whose text differs with the seed (so does its hash): lines of words from a small vocabulary."""
    rng = random.Random(seed)
    return make_pdf(
        [
            [f"Document {seed} page {p + 1}: " + " ".join(rng.choices(WORDS, k=12)) for _ in range(lines)]
            for p in range(pages)
        ]
    )
