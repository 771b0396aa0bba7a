"""Signing in with a password in Chromium: the browser keeps its session (an HttpOnly cookie) across a reload
and a new tab, and signing out ends it, even for a copy of the cookie; a page of another site cannot sign it in."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rag.config import Settings
from rag.usecases import accounts
from rag.usecases.startup import open_services
from tests.conftest import ROOT, need_module
from tests.e2e.conftest import free_port, screenshot, serve_app
from tests.robustness.procs import cli_env

expect = need_module("playwright.sync_api").expect
PASSWORD = "correct horse battery"


def _add_admin(storage: Path, name: str) -> None:
    """An admin with PASSWORD, added as the README says, before the app starts."""
    added = subprocess.run(
        [sys.executable, "-m", "rag", "users", "add", name, "--admin", "--password-stdin"],
        cwd=ROOT,
        env=cli_env(storage, AUTH_MODE="local"),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert added.returncode == 0, added.stderr


def test_a_password_sign_in_lasts_across_reloads_until_signed_out(browser, tmp_path):
    storage = tmp_path / "storage"
    _add_admin(storage, "alice")
    with serve_app(storage, AUTH_MODE="local") as app:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.goto(app.url)
        page.get_by_label("Username").fill("alice")
        page.get_by_role("textbox", name="Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Wrong username or password.")).to_be_visible()
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text(re.compile("Signed in as alice"))).to_be_visible(timeout=120_000)
        # The page then posts its one-time code for the cookie, and reloads with it.
        for _ in range(150):
            found = [c for c in context.cookies() if c["name"] == "docchat_session"]
            if found:
                break
            page.wait_for_timeout(200)
        [cookie] = found
        expect(page.get_by_text(re.compile("Signed in as alice"))).to_be_visible(timeout=120_000)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.reload()
        expect(page.get_by_text(re.compile("Signed in as alice"))).to_be_visible(timeout=120_000)
        other = context.new_page()  # a new tab of the same browser
        other.goto(f"{app.url}/documents")
        expect(other.get_by_text(re.compile("Signed in as alice"))).to_be_visible(timeout=120_000)
        screenshot(other, "signed-in-new-tab")
        other.close()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        # The cookie the browser kept no longer signs anyone in.
        thief = browser.new_context()
        thief.add_cookies([cookie])
        stolen = thief.new_page()
        stolen.goto(app.url)
        expect(stolen.get_by_role("button", name="Sign in")).to_be_visible(timeout=120_000)
        expect(stolen.get_by_text(re.compile("Signed in as"))).to_have_count(0)
        thief.close()
        context.close()


def test_a_sign_in_form_posted_from_another_site_is_refused(browser, tmp_path):
    # Login CSRF: the attacker's page, on another origin, posts the attacker's own one-time code to the app. The
    # victim's browser would come back signed in as the attacker, and its uploads go to the attacker's library.
    storage = tmp_path / "storage"
    _add_admin(storage, "mallory")
    with serve_app(storage, AUTH_MODE="local") as app:
        # The code, made as the sign-in page makes it; the database alone, beside the app that holds the store.
        settings = Settings(_env_file=None, storage_dir=storage, auth_mode="local")
        services = open_services(settings, store=False)
        try:
            code = accounts.begin_browser_session(services, accounts.sign_in(services, "mallory", PASSWORD))
        finally:
            services.close()
        form = (
            f'<form method="post" action="{app.api}/session"><input type="hidden" name="code" value="{code}">'
            "</form><script>document.forms[0].submit()</script>"
        ).encode()
        with _site_serving(form) as elsewhere:
            context = browser.new_context()
            context.set_default_timeout(60_000)
            page = context.new_page()
            with page.expect_response(f"{app.api}/session") as answered:
                page.goto(elsewhere)
            assert answered.value.status == 403
            expect(page.get_by_text(re.compile("another site"))).to_be_visible()
            assert [c for c in context.cookies() if c["name"] == "docchat_session"] == []
            page.goto(app.url)
            expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=120_000)
            expect(page.get_by_text(re.compile("Signed in as"))).to_have_count(0)
            context.close()


@contextmanager
def _site_serving(body: bytes) -> Iterator[str]:
    """Another origin (a port of its own) serving one HTML page: the attacker's."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
