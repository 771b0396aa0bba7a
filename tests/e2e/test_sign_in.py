"""Signing in with a password in Chromium: the browser keeps its session (an HttpOnly cookie) across a reload
and a new tab, and signing out ends it, even for a copy of the cookie."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT, need_module
from tests.e2e.conftest import screenshot, serve_app
from tests.robustness.procs import cli_env

expect = need_module("playwright.sync_api").expect
PASSWORD = "correct horse battery"


def test_a_password_sign_in_lasts_across_reloads_until_signed_out(browser, tmp_path):
    storage = tmp_path / "storage"
    env = cli_env(storage, AUTH_MODE="local")
    added = subprocess.run(
        [sys.executable, "-m", "rag", "users", "add", "alice", "--admin", "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert added.returncode == 0, added.stderr
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
