"""The database server goes away while the CLI works: a PostgreSQL of the test's own, stopped mid-answer
(the real local model, SmolLM2 through llama.cpp) and mid-batch of an ingest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from rag.config import Settings
from rag.usecases.startup import open_services
from tests.robustness.procs import Output, cli_env, kill, run_cli, start_cli, tail
from tests.robustness.test_faults import KIWI_PAGES, KIWI_QUESTION, doc_id, many_pages, write_pdf

# A PostgreSQL server of the test's own, stopped under real CLI processes running the real SmolLM2.
pytestmark = pytest.mark.slow


def test_database_stopped_mid_answer_ends_the_cli_with_a_message(tmp_path, own_postgres):
    # A long answer budget, so the answer is still streaming when the server is gone.
    env = cli_env(tmp_path / "storage", DATABASE_URL=own_postgres.url, LLM_MAX_TOKENS="1024")
    pages = [*KIWI_PAGES, ["Explain in detail, step by step, everything about how kiwi birds hunt and eat."]]
    ingested = run_cli(env, "ingest", str(write_pdf(tmp_path / "kiwi.pdf", pages)))
    assert ingested.returncode == 0, tail(ingested.stderr)

    proc = start_cli(env, "ask", f"{KIWI_QUESTION} Explain it in detail, step by step.")
    out, err = Output(proc.stdout), Output(proc.stderr)
    try:
        first = out.wait_for(lambda text: text.strip() != "", timeout=300, what="the first answer characters")
        assert proc.poll() is None, f"the answer finished before the database stopped: {first!r}"
        own_postgres.stop()
        try:
            returncode = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the CLI was still running 60 s after the database stopped: {tail(err.text)}")
        stdout, stderr = out.wait_closed(10), err.wait_closed(10)
    finally:
        kill(proc)
    assert returncode == 1, f"exit {returncode}: {tail(stderr, 20)}"
    assert "Traceback" not in stderr and "GGML_ASSERT" not in stderr, tail(stderr, 20)
    assert [line for line in stderr.splitlines() if "database" in line.lower()], tail(stderr, 20)
    # What was streamed stays on the terminal: the output ends cleanly instead of being cut by a crash.
    assert stdout.startswith(first), (first, stdout)


def test_database_stopped_mid_batch_fails_the_rest_and_leaves_no_half_document(tmp_path, own_postgres, embedding):
    storage = tmp_path / "storage"
    env = cli_env(storage, DATABASE_URL=own_postgres.url)
    a = write_pdf(tmp_path / "a.pdf", [["A tiny note about harbor tides."]])
    b = write_pdf(tmp_path / "b.pdf", many_pages("Harbor survey", 100))
    c = write_pdf(tmp_path / "c.pdf", many_pages("Lighthouse log", 3))

    proc = start_cli(env, "ingest", str(a), str(b), str(c), "--json")
    out, err = Output(proc.stdout), Output(proc.stderr)
    try:
        out.wait_for(lambda text: "\n" in text, timeout=300, what="the first result line")
        own_postgres.stop()
        returncode = proc.wait(timeout=120)
        stdout, stderr = out.wait_closed(10), err.wait_closed(10)
    finally:
        kill(proc)
    assert "Traceback" not in stderr, tail(stderr, 20)
    assert returncode == 1, f"exit {returncode}: {tail(stderr)}"
    results = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert [Path(r["file"]).name for r in results] == ["a.pdf", "b.pdf", "c.pdf"], stdout
    assert results[0]["status"] == "indexed", results[0]
    later = [r for r in results[1:] if r["status"] != "indexed"]
    assert results[2] in later, results[2]
    for result in later:
        assert result["status"] == "failed" and "database" in result["error"].lower(), result

    own_postgres.start()
    # The next start removes what the lost database kept it from removing (the record, if one was written).
    services = open_services(Settings(_env_file=None, storage_dir=storage, database_url=own_postgres.url), embedding)
    try:
        for path, result in zip((b, c), results[1:], strict=True):
            if result["status"] != "indexed":
                assert services.store.count(doc_id(path)) == 0, f"{path.name} left passages behind"
        stored = services.store.count()
    finally:
        services.close()
    listed = {d["doc_id"]: d for d in json.loads(_ok(run_cli(env, "docs", "--json")).stdout)}
    expected = {doc_id(a)} | ({doc_id(b)} if results[1]["status"] == "indexed" else set())
    assert set(listed) == expected
    assert stored == sum(d["chunks"] for d in listed.values())


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"exit {proc.returncode}: {tail(proc.stderr)}"
    return proc
