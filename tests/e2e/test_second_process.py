"""The CLI beside the running app, on the same library: it reads the database, and writes through the app's
HTTP API (the app holds the store), and the page shows what the CLI added. A real Chromium against
`streamlit run app.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, need_module
from tests.e2e.conftest import RunningApp, screenshot, serve_app
from tests.robustness.procs import cli_env, run_cli, tail

expect = need_module("playwright.sync_api").expect

MANUAL = CORPUS / "libtasn1.pdf"
OTHER = CORPUS / "shared-mime-info-spec.pdf"
pytestmark = pytest.mark.corpus(MANUAL.name, OTHER.name)
CRASH = "This app has encountered an error"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """As conftest's app_url, but the test also needs the STORAGE_DIR, to run the CLI on the same library."""
    with serve_app(tmp_path_factory.mktemp("e2e-second") / "storage") as running:
        yield running


@pytest.fixture(scope="module")
def app_url(app: RunningApp) -> str:
    # Overrides conftest's app_url, so its `page` fixture opens this module's server.
    return app.url


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    expect(page.locator('[data-test-script-state="notRunning"]')).to_have_count(1, timeout=180_000)


def _upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    expect(page.get_by_text(f"{path.name} was added")).to_be_visible(timeout=180_000)
    _idle(page)


def _library_rows(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stHorizontalBlock").filter(has=page.get_by_role("button", name="Delete"))


def test_the_cli_beside_the_app_reads_and_writes_through_it_and_the_app_carries_on(page, app):
    page.goto(f"{app.url}/documents")
    _idle(page)
    _upload(page, MANUAL)
    expect(_library_rows(page)).to_have_count(1)

    env = cli_env(app.storage)
    docs = run_cli(env, "docs", timeout=120)
    assert docs.returncode == 0, f"docs beside the app exited {docs.returncode}: {tail(docs.stderr)}"
    assert "libtasn1.pdf" in docs.stdout, docs.stdout
    added = run_cli(env, "ingest", str(OTHER), timeout=300)
    assert added.returncode == 0, f"exit {added.returncode}: {tail(added.stderr)}"
    assert "working through the running app" in added.stderr, tail(added.stderr)
    assert "indexed" in added.stdout and "shared-mime-info-spec.pdf" in added.stdout, added.stdout
    assert "Traceback" not in added.stderr, tail(added.stderr, 20)

    # The app owns its library, and shows what the CLI added through it; its next upload works as the first did.
    page.reload()
    _idle(page)
    rows = _library_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="libtasn1.pdf")).to_have_count(1)
    expect(rows.filter(has_text="shared-mime-info-spec.pdf")).to_have_count(1)
    expect(page.get_by_text(CRASH)).to_have_count(0)
    screenshot(page, "second-process")

    # And the CLI asks through the app: the answer streams from the app's process, with its sources.
    asked = run_cli(env, "ask", "What is the maximum length of an identifier in libtasn1?", timeout=300)
    assert asked.returncode == 0, f"exit {asked.returncode}: {tail(asked.stderr)}"
    assert "libtasn1.pdf" in asked.stdout, asked.stdout
