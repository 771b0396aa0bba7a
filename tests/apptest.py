"""Driving the Streamlit pages with AppTest: the script every session runs, and uploads indexed in the background."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

MAIN = str(ROOT / "ui" / "main.py")


def open_app(timeout: float = 180) -> AppTest:
    return AppTest.from_file(MAIN, default_timeout=timeout).run()


def wait_for_uploads(at: AppTest, timeout: float = 180) -> AppTest:
    """Reruns the Documents page until nothing is being indexed. AppTest runs no timers, so the page's polling
    fragment is replaced by reruns here."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not at.get("progress") and not at.session_state["watching"]:
            return at
        time.sleep(0.05)  # the test files index in a fraction of a second: a longer wait is dead time
        at.run()
    raise AssertionError("the uploads were still being indexed")


def upload(at: AppTest, files: list[tuple[str, bytes]], timeout: float = 180) -> AppTest:
    at.switch_page("documents.py").run()
    at.file_uploader[0].set_value([(name, data, "application/pdf") for name, data in files])
    return wait_for_uploads(at.run(), timeout)
