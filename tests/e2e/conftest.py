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
from pathlib import Path

import pytest

from tests.conftest import ROOT

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


def _missing(what: str) -> None:
    # CI installs Chromium itself (.ci/run); only a developer's machine may lack it.
    if os.environ.get("CI"):
        pytest.fail(f"{what}: the browser tests cannot run")
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(storage: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port over `storage`, its URL once it is healthy, stopped afterwards."""
    port = _free_port()
    env = {**os.environ, "STORAGE_DIR": str(storage), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    storage.mkdir(parents=True, exist_ok=True)
    log_path = storage.parent / "streamlit.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
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
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        log.close()
        if os.environ.get("DOCCHAT_E2E_LOG"):
            print(_tail(log_path, 20_000))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, served by Streamlit from a fresh STORAGE_DIR, until the module's tests are done."""
    with serve_app(tmp_path_factory.mktemp("e2e") / "storage") as url:
        yield url


def _tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (requirements-dev.txt)")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install -y chromium)")
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
