"""Real processes for the fault tests: the CLI, a long-lived DocChat process that holds the store, and a
reader for a child's stdout that never blocks the test past its timeout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

# What a developer's shell may carry that must not reach a test's DocChat by accident.
HIDDEN = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "QDRANT_URL",
    "QDRANT_API_KEY",
    "DATABASE_URL",
    "LLM_PROVIDER",
    "EMBEDDINGS_PROVIDER",
    "LOCAL_LLM_PATH",
    "STORAGE_DIR",
)
CLI_TIMEOUT_S = 300


def cli_env(storage: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
    env.update(STORAGE_DIR=str(storage), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    # The shell's was removed by tests/conftest.py: what is set now is the tier's (the fake embedder in the fast
    # tier), and a child must embed as its test does, or the store would rightly refuse it.
    if "EMBEDDINGS_PROVIDER" in os.environ:
        env["EMBEDDINGS_PROVIDER"] = os.environ["EMBEDDINGS_PROVIDER"]
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_cli(env: dict[str, str], *args: str, stderr: int | None = subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rag", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def kill(proc: subprocess.Popen) -> None:
    """Ends a child this test started, whatever state it is in, and reaps it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


def tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class Output:
    """Collects a binary stream on a thread, so the test can wait for text with a deadline."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self._stream = stream
        self._data = bytearray()
        self._cond = threading.Condition()
        self.closed = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        fd = self._stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self.closed = True
                    self._cond.notify_all()
                    return
                self._data += chunk
                self._cond.notify_all()

    @property
    def text(self) -> str:
        with self._cond:
            return self._data.decode("utf-8", errors="replace")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                text = self._data.decode("utf-8", errors="replace")
                if predicate(text):
                    return text
                if self.closed:
                    raise AssertionError(f"the stream ended before {what}: {tail(text)!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout} s: {tail(text)!r}")
                self._cond.wait(left)

    def wait_closed(self, timeout: float) -> str:
        return self.wait_for(lambda _: self.closed, timeout, "end of the stream")


# Process A: opens the services once and ingests on command, staying open in between, like the app does.
HOLDER = r"""
import json, sys
from pathlib import Path
from rag.config import Settings
from rag.usecases import documents, startup

services = startup.open_services(Settings())
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "count":
        print(json.dumps({"count": services.store.count()}), flush=True)
    elif command:
        (result,) = documents.add_files(services, [Path(command)])
        print(result.model_dump_json(), flush=True)
services.close()
print(json.dumps({"closed": True}), flush=True)
"""


class Holder:
    """A DocChat process that holds the store: one JSON line answers each command written to its stdin."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.out = Output(self.proc.stdout)
        self.err = Output(self.proc.stderr)
        self._answers = 0
        self._next()  # {"ready": true}

    def _next(self, timeout: float = CLI_TIMEOUT_S) -> dict:
        self._answers += 1
        n = self._answers
        try:
            text = self.out.wait_for(lambda t: len(t.splitlines()) >= n and t.endswith("\n"), timeout, "an answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; stderr: {tail(self.err.text)}") from None
        return json.loads(text.splitlines()[n - 1])

    def send(self, command: str) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{command}\n".encode())
        self.proc.stdin.flush()
        return self._next()

    def ingest(self, path: Path) -> dict:
        return self.send(str(path))

    def count(self) -> int:
        return self.send("count")["count"]

    def close(self, timeout: float = 60) -> int:
        """Ends the process the clean way (stdin closed); returns its exit code."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self._next(timeout)  # {"closed": true}
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        kill(self.proc)
