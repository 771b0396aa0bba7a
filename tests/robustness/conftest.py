"""A PostgreSQL server of the test's own, which the test may stop and start: never the shared one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing

PG_BIN = Path(os.environ.get("DOCCHAT_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"  # the OS user: initdb and postgres refuse to run as root
PG_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else list(command)


class OwnPostgres:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
        self.running = False

    def _pg_ctl(self, *args: str) -> None:
        proc = subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args),
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            log = (self.root / "postgres.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl {args[0]} failed ({proc.returncode}): {proc.stderr} {proc.stdout}\n{log}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("start", "-w", "-t", str(PG_TIMEOUT_S), "-l", str(self.root / "postgres.log"), "-o", options)
        self.running = True

    def stop(self) -> None:
        """Immediate shutdown: every connection is cut at once, as when the server goes away."""
        self._pg_ctl("stop", "-w", "-t", str(PG_TIMEOUT_S), "-m", "immediate")
        self.running = False


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    absent = [name for name in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / name).exists()]
    if absent or (os.geteuid() == 0 and shutil.which("runuser") is None):
        missing(f"PostgreSQL binaries missing in {PG_BIN}: {', '.join(absent) or 'runuser'}")
    root = Path(tempfile.mkdtemp(prefix="docchat-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, PG_USER, PG_USER)
    server = OwnPostgres(root, _free_port())
    try:
        subprocess.run(
            _as_postgres(str(PG_BIN / "initdb"), "-D", str(server.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            check=True,
            capture_output=True,
            timeout=PG_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        server.start()
        yield server
    finally:
        if server.running or (server.data / "postmaster.pid").exists():
            try:
                server.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(root, ignore_errors=True)
