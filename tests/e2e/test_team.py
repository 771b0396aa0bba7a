"""Two people of one team in Chromium, against `streamlit run app.py` with accounts: alice (an editor of "Team")
and bob (a viewer there). Each step is a defect a user met in the browser, checked where it was visible: a
shared conversation's link followed through the sign-in, a link without its workspace, an upload already in
another workspace, notices that followed into another workspace, an export logged at every view, the library's
buttons cut short at 1366 px, a viewer's suggested question, the rename popover left open, and the API_KEYS
warning at a start-up with accounts. The models are the fake ones: what is checked is the pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from rag.config import Settings
from rag.usecases import accounts, documents, review
from rag.usecases.accounts import OPERATOR
from rag.usecases.startup import open_services
from tests.conftest import CORPUS, need_module
from tests.e2e.conftest import screenshot, serve_app

expect = need_module("playwright.sync_api").expect

MANUAL = CORPUS / "libtasn1.pdf"
pytestmark = pytest.mark.corpus(MANUAL.name)
PASSWORD = "correct horse battery"
FAKE = {"AUTH_MODE": "local", "LLM_PROVIDER": "fake", "EMBEDDINGS_PROVIDER": "fake"}
SUGGESTIONS = '[class*="st-key-suggestions_"] button'


def _settings(storage: Path, **more: object) -> Settings:
    return Settings(
        _env_file=None, storage_dir=storage, auth_mode="local", llm_provider="fake", embeddings_provider="fake", **more
    )


def _team(storage: Path) -> str:
    """alice (admin, editor of Team) with the manual in her personal library, bob a viewer of Team; made before
    the app starts, as the store is the app's once it runs. Returns Team's id."""
    services = open_services(_settings(storage))
    try:
        accounts.add_user(services, "alice", PASSWORD, True, caller=OPERATOR)
        accounts.add_user(services, "bob", PASSWORD, False, caller=OPERATOR)
        team = accounts.create_workspace(services, "Team", caller=OPERATOR)
        accounts.set_member(services, "Team", "alice", "editor", caller=OPERATOR)
        accounts.set_member(services, "Team", "bob", "viewer", caller=OPERATOR)
        alice = accounts.sign_in(services, "alice", PASSWORD)
        [added] = documents.add_files(services, [MANUAL], caller=alice)
        assert added.status == "indexed", added
        return team.id
    finally:
        services.close()


def _exports(storage: Path) -> int:
    """How many exports the audit log holds; read beside the app, from the database alone."""
    services = open_services(_settings(storage), store=False)
    try:
        return len(review.audit_log(services, caller=OPERATOR, action="conversation.export"))
    finally:
        services.close()


def _visitor(browser, width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(60_000)
    return context, context.new_page()


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    expect(page.locator('[data-test-script-state="notRunning"]')).to_have_count(1, timeout=180_000)


def _sign_in(context, page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Signs in on the page shown, and waits until the browser holds its session cookie and has reloaded."""
    page.get_by_label("Username").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for _ in range(300):
        if any(c["name"] == accounts.SESSION_COOKIE for c in context.cookies()):
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail("the browser never got its session cookie")
    expect(page.get_by_text(re.compile(f"Signed in as {name}"))).to_be_visible(timeout=120_000)
    _idle(page)


def _switch_workspace(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """The sidebar's switcher, as a user picks another workspace (the page is not reloaded)."""
    _idle(page)
    # Streamlit may still hold the last run's copy of the sidebar's widgets for a moment: the one shown is taken.
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Workspace").filter(visible=True).first.click()
    page.get_by_role("option", name=label).filter(visible=True).first.click()
    _idle(page)


def _button(page, name: str):  # type: ignore[no-untyped-def]
    """A button as shown: after a rerun Streamlit may keep the last run's copy beside it for a moment."""
    return page.get_by_role("button", name=name).filter(visible=True).first


def _sidebar_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(name)).click()
    _idle(page)


def _clipped(button) -> bool:  # type: ignore[no-untyped-def]
    """Whether any part of a button's label is cut (an ellipsis, or text wider than its box)."""
    return button.evaluate(
        "b => [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)"
    )


def test_a_team_walk_through_the_pages(browser, tmp_path):
    storage = tmp_path / "storage"
    team = _team(storage)
    with serve_app(storage, **FAKE) as app:
        # alice, on a 1366 px laptop screen.
        context, alice = _visitor(browser, 1366, 768)
        alice.goto(app.url)
        _sign_in(context, alice, "alice")

        # The library's buttons show their whole labels at 1366 px ("A…" and "Summ…" in fixed columns).
        _sidebar_page(alice, "Documents")
        row = alice.locator('[class*="st-key-row_"]').filter(visible=True)
        expect(row).to_have_count(1)
        for label in ("About", "Summarise", "Delete"):
            button = row.get_by_role("button", name=label)
            expect(button).to_be_visible()
            assert not _clipped(button), f"the {label} button's label is cut at 1366 px"
        screenshot(alice, "team-library-1366")

        # The manual again, in Team: its content is indexed already (alice's own), so it is added at once, and
        # the page says so ("could not be added", with no reason, before).
        _switch_workspace(alice, "Team · editor")
        alice.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(MANUAL))
        expect(alice.get_by_text("libtasn1.pdf was added: 36 pages")).to_be_visible(timeout=120_000)
        expect(alice.get_by_text("could not be added")).to_have_count(0)
        # That notice is Team's: back in her own library it is not shown.
        _switch_workspace(alice, "Personal")
        expect(alice.get_by_role("heading", name="Your documents")).to_be_visible()
        expect(alice.get_by_test_id("stAlert").filter(has_text="libtasn1.pdf")).to_have_count(0)

        # A conversation in Team, shared, then renamed: Save closes the popover.
        _switch_workspace(alice, "Team · editor")
        _sidebar_page(alice, "Chat")
        box = alice.get_by_test_id("stChatInputTextArea")
        box.fill("What does asn1_read_value return when the value is not found?")
        box.press("Enter")
        expect(alice.get_by_test_id("stChatMessage")).to_have_count(2, timeout=180_000)
        _idle(alice)
        conversation = parse_qs(urlsplit(alice.url).query)["c"][0]
        alice.get_by_text("Shared", exact=True).filter(visible=True).first.click()
        _idle(alice)
        _button(alice, "Rename").click()
        title = alice.get_by_role("textbox", name="Title")
        title.fill("Team notes")
        _button(alice, "Save").click()
        expect(alice.get_by_role("heading", name="Team notes")).to_be_visible()
        _idle(alice)
        expect(title).to_be_hidden()
        screenshot(alice, "team-renamed")

        # Showing a conversation is not exporting it: only a click on Export is written to the audit log.
        alice.reload()
        _idle(alice)
        expect(alice.get_by_role("heading", name="Team notes")).to_be_visible()
        assert _exports(storage) == 0
        with alice.expect_download() as download:
            _button(alice, "Export").click()
        assert "Team notes" in Path(download.value.path()).read_text()
        assert _exports(storage) == 1
        context.close()

        # bob follows the link to it, signed out: once signed in he is on it (three times; it ended on raw
        # JSON, or on an empty chat, two times in three).
        link = f"{app.url}/?c={conversation}&ws={team}"
        context, bob = _visitor(browser)
        for attempt in range(3):
            bob.goto(link)
            _idle(bob)
            _sign_in(context, bob, "bob")
            expect(bob.get_by_role("heading", name="Team notes")).to_be_visible()
            expect(bob.get_by_text(re.compile("Shared by alice"))).to_be_visible()
            assert "/api/" not in bob.url, bob.url
            if attempt < 2:
                _button(bob, "Sign out").click()
                expect(bob.get_by_role("button", name="Sign in")).to_be_visible()
                context.clear_cookies()

        # The same link without its workspace opens it too (an empty chat, with no word, before).
        bob.goto(f"{app.url}/?c={conversation}")
        _idle(bob)
        expect(bob.get_by_role("heading", name="Team notes")).to_be_visible()
        expect(bob.get_by_text(re.compile("read only"))).to_be_visible()

        # A suggested question under it starts a conversation of bob's own (an error, before: he may only read
        # alice's).
        suggestions = bob.locator(SUGGESTIONS).filter(visible=True)
        expect(suggestions.first).to_be_visible()
        asked = re.sub(r"^\W+", "", suggestions.first.inner_text().strip())  # its 💡 icon first
        suggestions.first.click()
        expect(bob.get_by_test_id("stChatMessage")).to_have_count(2, timeout=180_000)
        _idle(bob)
        expect(bob.get_by_test_id("stException")).to_have_count(0)
        expect(bob.get_by_text("shared with you to read")).to_have_count(0)
        expect(bob.get_by_test_id("stChatMessage").first).to_contain_text(asked)
        assert parse_qs(urlsplit(bob.url).query)["c"][0] != conversation
        screenshot(bob, "team-viewer-suggestion")
        context.close()

    # With accounts every API request carries a user's key: the warning about API_KEYS is not for this start.
    log = (storage.parent / "streamlit.log").read_text()
    assert "API_KEYS is not set" not in log
