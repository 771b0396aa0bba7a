"""Single sign-on with a real OpenID Connect provider run in the test (oidc-provider-mock, a maintained
Authlib-based provider from PyPI), Streamlit's st.login in `streamlit run app.py`, and Chromium: a user an admin
added by e-mail takes that account at the first sign-on, and a newcomer gets a new one."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from tests.conftest import need_module
from tests.e2e.conftest import free_port, screenshot, serve_app
from tests.robustness.procs import cli_env, run_cli

expect = need_module("playwright.sync_api").expect
oidc = need_module("oidc_provider_mock")


def signed_in_as(name: str) -> re.Pattern[str]:
    # A name is shown as plain text: a word joiner keeps "@" from turning it into a link.
    return re.compile(rf"Signed in as {name}\W*@\W*example\.com")


def _secrets(path: Path, app_port: int, provider_port: int) -> Path:
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "docchat"\n'
        'client_secret = "docchat-test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"\n'
    )
    return path


def _sign_on(browser, url: str, sub: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    # The provider's own authorization page: who signs in.
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    return context, page


def test_single_sign_on_maps_identities_to_accounts(browser, tmp_path):
    users = [
        oidc.User(sub="sub-alice", claims={"email": "alice@example.com", "name": "Alice"}),
        oidc.User(sub="sub-bob", claims={"email": "bob@example.com", "name": "Bob"}),
    ]
    storage = tmp_path / "storage"
    env = cli_env(storage, AUTH_MODE="oidc")
    # An admin added by e-mail, with no password: they sign in with single sign-on only.
    added = run_cli(env, "users", "add", "alice@example.com", "--admin")
    assert added.returncode == 0, added.stderr
    with oidc.run_server_in_thread(user_claims=users) as provider:
        app_port = free_port()
        secrets_file = _secrets(tmp_path / "secrets.toml", app_port, provider.server_port)
        options = ("--secrets.files", str(secrets_file))
        with serve_app(storage, port=app_port, options=options, AUTH_MODE="oidc") as app:
            context, page = _sign_on(browser, app.url, "sub-alice")
            expect(page.get_by_text(signed_in_as("alice"))).to_be_visible(timeout=120_000)
            expect(page.get_by_role("link", name="Admin")).to_be_visible()
            screenshot(page, "sso-alice")
            context.close()

            context, page = _sign_on(browser, app.url, "sub-bob")
            expect(page.get_by_text(signed_in_as("bob"))).to_be_visible(timeout=120_000)
            expect(page.get_by_role("link", name="Chat")).to_be_visible()
            expect(page.get_by_role("link", name="Admin")).to_have_count(0)
            context.close()
    listed = run_cli(env, "users", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"username": "bob@example.com"' in listed.stdout and '"is_admin": false' in listed.stdout
    signins = run_cli(env, "audit", "--action", "signin")
    assert signins.stdout.count("single sign-on") == 2, signins.stdout
