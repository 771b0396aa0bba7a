"""Accounts over HTTP: every request acts as the user of its API key, in the workspace of its X-Workspace
header, and reaches nothing of another user's. Over SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from api.deps import WRONG_KEYS_PER_MINUTE
from api.main import create_api
from rag.usecases import accounts
from rag.usecases.accounts import OPERATOR
from tests.api.conftest import OpenServices
from tests.api.test_routes import sse_events, until_indexed, upload
from tests.pdfs import make_pdf

pytestmark = pytest.mark.anyio

SECRET = "The Zanzibar merger closes on 14 March at 38 dollars a share."
ALICE_PDF = make_pdf([[SECRET], ["The Okavango warehouse teams move to Zanzibar in April."]])
BOB_PDF = make_pdf([["Basaltic lava flows from shield volcanoes such as Mauna Loa."]])
PASSWORD = "correct horse battery"


@pytest.fixture
async def clients(open_api_services: OpenServices, db_url: str):
    """An API with local accounts; a client per user, each with its own key (from a remote address)."""
    svc = open_api_services(database_url=db_url, auth_mode="local", api_rate_per_minute=100_000)
    keys = {}
    for name, admin in (("alice", True), ("bob", False)):
        accounts.add_user(svc, name, PASSWORD, admin, caller=OPERATOR)
        keys[name] = accounts.create_key(svc, name, caller=OPERATOR).key
    transport = httpx.ASGITransport(app=create_api(svc), client=("203.0.113.7", 50000))
    made = {}
    for name, key in {**keys, "anonymous": ""}.items():
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        made[name] = httpx.AsyncClient(transport=transport, base_url="http://docchat", headers=headers)
    yield made, keys, svc
    for client in made.values():
        await client.aclose()


async def test_each_key_reaches_its_own_library_only(clients) -> None:
    made, _keys, _svc = clients
    alice, bob = made["alice"], made["bob"]
    [added] = await upload(alice, ("merger.pdf", ALICE_PDF))
    await until_indexed(alice, added["doc_id"])
    secret = added["doc_id"]
    [mine] = await upload(bob, ("volcanoes.pdf", BOB_PDF))
    await until_indexed(bob, mine["doc_id"])
    assert [d["filename"] for d in (await bob.get("/documents")).json()] == ["volcanoes.pdf"]
    for path in (f"/documents/{secret}", f"/documents/{secret[:8]}"):
        assert (await bob.get(path)).status_code == 404
        assert (await bob.delete(path)).status_code == 404
    assert (await alice.get(f"/documents/{secret}")).json()["status"] == "indexed"  # not deleted by Bob
    # The cited page: Alice's draws, Bob's guess at it is not found.
    picture = await alice.get(f"/documents/{secret}/pages/1", params={"highlight": SECRET})
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    past_the_end = await alice.get(f"/documents/{secret}/pages/9")
    assert past_the_end.status_code == 404 and "no page 9" in past_the_end.json()["detail"]
    for path in (f"/documents/{secret}/pages/1", f"/documents/{secret[:8]}/pages/1"):
        assert (await bob.get(path)).status_code == 404

    # Bob asks with Alice's own words: nothing of hers comes back.
    events = sse_events((await bob.post("/ask", json={"question": SECRET})).text)
    start = next(data for name, data in events if name == "start")
    assert all(s["doc_id"] != secret for s in start["sources"])
    asked = sse_events((await alice.post("/ask", json={"question": SECRET})).text)
    assert next(d for n, d in asked if n == "start")["sources"][0]["doc_id"] == secret
    conversation = next(d for n, d in asked if n == "start")["conversation_id"]

    # Alice's conversation: Bob cannot list, open, export, rename, share, delete or ask in it.
    listed = [c["id"] for c in (await bob.get("/conversations")).json()]
    assert len(listed) == 1 and conversation not in listed  # his own /ask's only
    base = f"/conversations/{conversation}"
    for response in (
        await bob.get(base),
        await bob.get(f"{base}/export"),
        await bob.patch(base, json={"title": "mine"}),
        await bob.put(f"{base}/shared", json={"shared": True}),
        await bob.delete(base),
        await bob.post(f"{base}/messages", json={"question": "And the price?"}),
    ):
        assert response.status_code == 404, response.text
    assert (await alice.get(base)).status_code == 200


async def test_keys_users_and_roles_over_http(clients) -> None:
    made, keys, _svc = clients
    alice, bob, anonymous = made["alice"], made["bob"], made["anonymous"]
    assert (await anonymous.get("/documents")).status_code == 401
    assert (await bob.get("/me")).json()["username"] == "bob"
    # Admin routes are the admins'.
    assert (await bob.get("/admin/users")).status_code == 403
    assert {u["username"] for u in (await alice.get("/admin/users")).json()} == {"alice", "bob"}
    # A shared workspace where Bob only reads.
    deals = (await alice.post("/admin/workspaces", json={"name": "Deals"})).json()
    assert (await alice.put("/admin/workspaces/Deals/members/alice", json={"role": "editor"})).status_code == 204
    assert (await alice.put("/admin/workspaces/Deals/members/bob", json={"role": "viewer"})).status_code == 204
    in_deals = {"X-Workspace": deals["id"]}
    [added] = await upload(
        httpx.AsyncClient(transport=alice._transport, base_url="http://docchat", headers={**alice.headers, **in_deals}),
        ("merger.pdf", ALICE_PDF),
    )
    refused = await bob.post("/documents", headers=in_deals, files=[("files", ("x.pdf", BOB_PDF, "application/pdf"))])
    assert refused.status_code == 403 and "editor" in refused.json()["detail"]
    assert (await bob.delete(f"/documents/{added['doc_id']}", headers=in_deals)).status_code == 403
    assert (await bob.get("/documents", headers={"X-Workspace": "no-such-workspace"})).status_code == 404
    # Disabling Bob, then revoking his key: refused at once.
    assert (await alice.post("/admin/users/bob/disable")).status_code == 200
    assert (await bob.get("/me")).status_code == 401
    assert (await alice.post("/admin/users/bob/enable")).status_code == 200
    assert (await bob.get("/me")).status_code == 200
    new = (await bob.post("/keys", json={"name": "laptop"})).json()
    assert new["key"].startswith("dc_") and new["prefix"] in new["key"]
    assert (await bob.delete(f"/keys/{keys['bob'].split('_')[1]}")).status_code == 204
    assert (await bob.get("/me")).status_code == 401
    # The audit log has it all, and no key in it.
    csv = (await alice.get("/admin/audit.csv")).text
    assert "user.disable" in csv and "key.revoke" in csv and "document.upload" in csv
    assert keys["bob"] not in csv and new["key"] not in csv


async def test_a_sign_in_code_works_once_and_a_second_post_of_it_by_the_signed_in_browser_is_no_refusal(clients):
    made, _keys, svc = clients
    browser = made["anonymous"]
    alice = accounts.sign_in(svc, "alice", PASSWORD)
    code = accounts.begin_browser_session(svc, alice)
    first = await browser.post("/session", data={"code": code})
    assert first.status_code == 303 and first.headers["location"] == "http://docchat/"
    token = first.cookies[accounts.SESSION_COOKIE]
    browser.cookies.clear()  # each post below says what it sends
    # The same form posted again by that browser (its page drawn twice): still signed in.
    again = await browser.post("/session", data={"code": code}, cookies={accounts.SESSION_COOKIE: token})
    assert again.status_code == 303 and accounts.SESSION_COOKIE not in again.cookies
    # By anyone else, or after a sign-out, the code is spent: the browser goes back to the sign-in page, which
    # says so (never to a bare JSON error), with no cookie.
    for cookies in ({}, {accounts.SESSION_COOKIE: token}):
        if cookies:
            accounts.end_browser_session(svc, token)
        spent = await browser.post("/session", data={"code": code}, cookies=cookies)
        assert spent.status_code == 303 and spent.headers["location"] == "http://docchat/?signin=expired"
        assert accounts.SESSION_COOKIE not in spent.cookies


async def test_a_sign_in_goes_back_to_the_page_it_started_from_and_never_to_another_site(clients):
    made, _keys, svc = clients
    browser = made["anonymous"]
    wanted = "/?c=0123abcd&ws=team"
    pages = {
        wanted: "http://docchat/?c=0123abcd&ws=team",
        "/documents": "http://docchat/documents",
        "//evil.example/x": "http://docchat/",
        "/\\evil.example": "http://docchat/",
        "https://evil.example/": "http://docchat/",
        "/%0d%0aSet-Cookie:x": "http://docchat/%0d%0aSet-Cookie:x",
        "/\nSet-Cookie: x=1": "http://docchat/",
    }
    for given, landing in pages.items():
        code = accounts.begin_browser_session(svc, accounts.sign_in(svc, "alice", PASSWORD))
        answer = await browser.post("/session", data={"code": code, "next": given})
        assert answer.status_code == 303 and answer.headers["location"] == landing, given
        assert accounts.SESSION_COOKIE in answer.cookies
        browser.cookies.clear()


async def test_a_sign_in_form_posted_by_another_site_is_refused(clients):
    # Login CSRF: a page elsewhere posts the attacker's one-time code, and the victim's browser would be signed
    # into the attacker's account, its uploads going there.
    made, _keys, svc = clients
    browser = made["anonymous"]
    code = accounts.begin_browser_session(svc, accounts.sign_in(svc, "bob", PASSWORD))
    for named in ({"Origin": "https://attacker.example"}, {"Origin": "null"}, {"Referer": "http://evil/x?docchat"}):
        refused = await browser.post("/session", data={"code": code}, headers=named)
        assert refused.status_code == 403 and "another site" in refused.json()["detail"], named
        assert accounts.SESSION_COOKIE not in refused.cookies
        assert (await browser.post("/session/end", headers=named)).status_code == 403
    # The app's own page: the same code, unspent by the refusals.
    mine = await browser.post("/session", data={"code": code}, headers={"Origin": "http://docchat"})
    assert mine.status_code == 303 and accounts.SESSION_COOKIE in mine.cookies


async def test_the_session_cookie_is_secure_over_https_through_a_trusted_proxy(open_api_services: OpenServices):
    svc = open_api_services(auth_mode="local", forwarded_allow_ips=["10.0.0.2"])
    accounts.add_user(svc, "carol", PASSWORD, True, caller=OPERATOR)

    async def cookie_from(proxy: str) -> str:
        transport = httpx.ASGITransport(app=create_api(svc), client=(proxy, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://docchat") as browser:
            code = accounts.begin_browser_session(svc, accounts.sign_in(svc, "carol", PASSWORD))
            answer = await browser.post("/session", data={"code": code}, headers={"X-Forwarded-Proto": "https"})
            assert answer.status_code == 303
            return answer.headers["set-cookie"].lower()

    assert "; secure" in await cookie_from("10.0.0.2")
    assert "; secure" not in await cookie_from("10.0.0.3")  # anyone may send the header: only the proxy is believed


async def test_health_tells_its_details_to_admins_alone(clients):
    # The database's kind and the passages of every workspace are for whoever runs DocChat.
    made, _keys, _svc = clients
    for name in ("anonymous", "bob"):
        health = (await made[name].get("/health")).json()
        assert health["status"] == "ok" and health["database"] == {"state": "ok", "detail": ""}, name
        assert health["store"] == {"state": "ok", "detail": ""}, name
    health = (await made["alice"].get("/health")).json()
    assert health["database"]["detail"] and health["store"]["detail"].endswith("passages")


async def test_wrong_api_keys_are_throttled_per_address(clients):
    # 300 wrong keys were all checked: guessing cost nothing.
    _made, keys, svc = clients
    api = create_api(svc)

    def client_from(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=api, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://docchat")

    async with client_from("203.0.113.50") as guesser, client_from("198.51.100.9") as elsewhere:
        for n in range(WRONG_KEYS_PER_MINUTE):
            wrong = await guesser.get("/me", headers={"Authorization": f"Bearer dc_guess{n}_x"})
            assert wrong.status_code == 401, n
        throttled = await guesser.get("/me", headers={"Authorization": f"Bearer {keys['alice']}"})
        assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
        assert "wrong API keys" in throttled.json()["detail"]
        # Another address is not held back by this one's guesses.
        mine = await elsewhere.get("/me", headers={"Authorization": f"Bearer {keys['alice']}"})
        assert mine.status_code == 200
