"""DocChat in a real browser: `streamlit run app.py` on a free port, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, missing
from tests.robustness.procs import cli_env

CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium as these machines can run it: no sandbox (root), no GPU, and nothing fetched from the net.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class RunningApp:
    url: str
    storage: Path
    pid: int

    @property
    def api(self) -> str:
        return self.url + "/api/v1"


@contextmanager
def serve_app(
    storage: Path,
    *,
    address: str | None = "127.0.0.1",
    port: int | None = None,
    options: tuple[str, ...] = (),
    **env: str,
) -> Iterator[RunningApp]:
    """`streamlit run app.py` on a free port (or `port`) over `storage`, once it is healthy, stopped afterwards.
    With `address=None` it listens where the README's command does: on the dual-stack "::", where a local caller
    arrives as "::ffff:127.0.0.1" (which the API once refused with 403). `env` adds settings (LLM_PROVIDER=…),
    `options` Streamlit's own (--secrets.files …)."""
    port = port or free_port()
    environ = cli_env(storage, **env)
    environ.pop("API_KEYS", None)
    storage.mkdir(parents=True, exist_ok=True)
    log_path = storage.parent / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", address] if address else []
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false", *options]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=environ, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while True:
                if server.poll() is not None:
                    pytest.fail(f"streamlit exited with {server.returncode}: {_tail(log_path)}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not become healthy in {STARTUP_TIMEOUT_S} s")
                time.sleep(0.3)
            yield RunningApp(url, storage, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)
            if os.environ.get("DOCCHAT_E2E_LOG"):
                print(_tail(log_path, 20_000))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, served by Streamlit from a fresh STORAGE_DIR, until the module's tests are done."""
    with serve_app(tmp_path_factory.mktemp("e2e") / "storage") as app:
        yield app.url


def _tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (requirements-dev.txt): the browser tests cannot run")
    if not CHROMIUM.exists():
        # CI installs Chromium itself (.ci/run); only a developer's machine may lack it.
        missing(f"{CHROMIUM} is missing (apt-get install -y chromium): the browser tests cannot run")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """One browser tab for a module's scenarios, which follow each other as one user's visit."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is slow: a real Streamlit server, the real model, Chromium. Outside `-m "not slow"` only."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)
