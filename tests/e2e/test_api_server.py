"""The README's `streamlit run app.py` serves the HTTP API at /api/v1 and the pages at / from one process over
one library: a document uploaded through the API is answered over SSE and listed by the Documents page, and
questions are answered while a large upload is being indexed in the background."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import need_module
from tests.e2e.conftest import RunningApp, screenshot, serve_app
from tests.pdfs import make_pdf

expect = need_module("playwright.sync_api").expect

pytestmark = pytest.mark.slow
PREFIX = "/api/v1"
INDEX_TIMEOUT_S = 300
ANSWER_TIMEOUT_S = 300
FERRY = "ferry.pdf"
FACTS = [
    "The harbour ferry to Port Evander leaves every forty minutes from pier seven.",
    "Tickets for the Port Evander ferry cost six crowns and are sold at the kiosk beside the pier.",
    "In winter storms the ferry stays in port and a bus runs along the coast road instead.",
]
QUESTION = "How often does the ferry to Port Evander leave?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app with the instant fake model, on a fresh STORAGE_DIR, for the module."""
    # Without --server.address, as the README starts it.
    with serve_app(tmp_path_factory.mktemp("e2e-api") / "storage", address=None, LLM_PROVIDER="fake") as running:
        yield running


@pytest.fixture(scope="module")
def app_url(server: RunningApp) -> str:
    # Overrides conftest's app_url, so its `page` fixture opens this module's server.
    return server.url


def small_pdf() -> bytes:
    return make_pdf([FACTS, ["The pier seven waiting room opens at six in the morning."]])


def big_pdf(pages: int, seed: int = 7) -> bytes:
    """Many pages of varied sentences about machinery, nothing like the ferry: indexing it takes a while."""
    rng = random.Random(seed)
    parts = "valve turbine gasket rotor bearing seal pump filter sensor relay fuse flange shaft gear nozzle".split()
    verbs = "inspect replace tighten clean calibrate lubricate adjust test measure record verify align".split()
    return make_pdf(
        [
            [
                f"Step {p}.{i}: {rng.choice(verbs)} the {rng.choice(parts)} next to the {rng.choice(parts)} "
                f"every {rng.randint(2, 900)} hours at {rng.randint(1, 80)} newton metres."
                for i in range(40)
            ]
            for p in range(pages)
        ]
    )


def _get(client: httpx.Client, url: str) -> httpx.Response:
    """A GET that waits out the API's rate limit (polling counts against it) rather than failing on it."""
    while (response := client.get(url)).status_code == 429:
        time.sleep(float(response.headers.get("Retry-After", "2")))
    return response


def upload(client: httpx.Client, server: RunningApp, name: str, pdf: bytes) -> str:
    response = client.post(f"{server.api}/documents", files=[("files", (name, pdf, "application/pdf"))])
    assert response.status_code == 202, response.text
    [result] = response.json()
    assert result["status"] == "queued", result
    return result["doc_id"]


def wait_for(client: httpx.Client, server: RunningApp, doc_id: str, statuses: set[str], phase: str = "") -> dict:
    """Polls the document (once a second, well within the rate limit) until its status is one of `statuses` and,
    while it is indexing, its progress message starts with `phase`."""
    deadline = time.monotonic() + INDEX_TIMEOUT_S
    while True:
        response = _get(client, f"{server.api}/documents/{doc_id}")
        assert response.status_code == 200, response.text
        document = response.json()
        message = document["progress_message"] or ""
        if document["status"] in statuses and (document["status"] != "indexing" or message.startswith(phase)):
            return document
        assert document["status"] != "failed", document
        assert time.monotonic() < deadline, f"still {document['status']} after {INDEX_TIMEOUT_S} s: {document}"
        time.sleep(1)


def parse_sse(lines: list[str]) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name:
            events.append((name, json.loads(line.removeprefix("data: "))))
            name = None
    return events


def check_answer(events: list[tuple[str, dict]]) -> None:
    """start, then any tokens, then done: and nothing else."""
    names = [name for name, _ in events]
    assert names and names[0] == "start", names
    assert names[-1] == "done", events[-1]
    assert set(names[1:-1]) <= {"token"}, names
    start, done = events[0][1], events[-1][1]
    assert start["sources"], start
    assert done["message_id"] == start["message_id"] and done["answer"], done


def ask(client: httpx.Client, server: RunningApp, question: str, doc_ids: list[str] | None = None) -> list:
    body = {"question": question, "doc_ids": doc_ids}
    with client.stream("POST", f"{server.api}/ask", json=body, timeout=ANSWER_TIMEOUT_S) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(list(response.iter_lines()))


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def ferry_id(client: httpx.Client, server: RunningApp) -> str:
    doc_id = upload(client, server, FERRY, small_pdf())
    wait_for(client, server, doc_id, {"indexed"})
    return doc_id


def test_health_and_the_address_file_name_this_server(client: httpx.Client, server: RunningApp) -> None:
    response = client.get(f"{server.api}/health")
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["status"] == "ok", health
    assert health["database"]["state"] == "ok" and health["store"]["state"] == "ok", health
    # The CLI finds the running app's API here while the app holds the store.
    address = json.loads((server.storage / "app-address.json").read_text())
    assert address["url"] == f"http://127.0.0.1:{urlsplit(server.url).port}{PREFIX}", address
    assert address["pid"] == server.pid, "the API's address is published by the streamlit process itself"


def test_odd_ids_and_wrong_methods_are_answered_by_the_api_in_json(client: httpx.Client, server: RunningApp) -> None:
    # As a Mount among st.App's routes, the API was behind Streamlit: an id with %0A fell through the Mount to
    # Streamlit's text/plain 404, one with a NUL or `..\` met its path check (a text/plain 400).
    for path in ("/documents/ab%0Acd", "/conversations/a%0Ab/export", "/documents/..%5Cx", "/documents/ab%00cd"):
        response = _get(client, server.api + path)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/json" and "id" in response.json()["detail"], path
    response = client.request("OPTIONS", f"{server.api}/documents/{'0' * 8}")
    assert response.status_code == 405 and response.headers["allow"] == "DELETE, GET", response.headers
    # Streamlit's check still guards its own paths.
    assert client.get(f"{server.url}/..%5Cx").status_code == 400


def test_an_api_upload_is_indexed_and_answered_over_sse(
    client: httpx.Client, server: RunningApp, ferry_id: str
) -> None:
    document = wait_for(client, server, ferry_id, {"indexed"})
    assert document["filename"] == FERRY and document["pages"] == 2 and document["passages"] >= 1, document
    events = ask(client, server, QUESTION)
    check_answer(events)
    tokens = [data["text"] for name, data in events if name == "token"]
    assert tokens, "the fake model streams its answer word by word"
    assert events[0][1]["sources"][0]["filename"] == FERRY, events[0][1]
    assert "forty minutes" in events[-1][1]["model_answer"], events[-1][1]


def test_the_pages_are_served_by_the_same_process_over_the_same_library(
    client: httpx.Client,
    server: RunningApp,
    ferry_id: str,
    page,  # type: ignore[no-untyped-def]
) -> None:
    response = client.get(server.url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html") and "<html" in response.text.lower()
    page.goto(f"{server.url}/documents")
    expect(page.get_by_role("heading", name="Your documents")).to_be_visible(timeout=120_000)
    row = page.get_by_test_id("stHorizontalBlock").filter(has=page.get_by_role("button", name="Delete"))
    expect(row.filter(has_text=FERRY)).to_have_count(1, timeout=60_000)
    expect(row.filter(has_text=FERRY)).to_contain_text("2 pages")
    screenshot(page, "api-upload-in-documents-page")


async def _ask_async(client: httpx.AsyncClient, server: RunningApp, doc_id: str) -> list[tuple[str, dict]]:
    body = {"question": QUESTION, "doc_ids": [doc_id]}
    async with client.stream("POST", f"{server.api}/ask", json=body) as response:
        assert response.status_code == 200, await response.aread()
        return parse_sse([line async for line in response.aiter_lines()])


async def _ask_ten(server: RunningApp, doc_id: str) -> list[list[tuple[str, dict]]]:
    async with httpx.AsyncClient(timeout=ANSWER_TIMEOUT_S) as client:
        return await asyncio.gather(*(_ask_async(client, server, doc_id) for _ in range(10)))


def test_ten_streams_are_answered_while_a_large_upload_is_indexed(
    client: httpx.Client, server: RunningApp, ferry_id: str
) -> None:
    big_id = upload(client, server, "maintenance.pdf", big_pdf(600))
    # Its passages are being embedded on the worker thread of the very process that answers: the heaviest phase.
    before = wait_for(client, server, big_id, {"indexing", "indexed"}, phase="Embedding")
    assert before["status"] == "indexing", before
    # While Playwright's sync API is open this thread has a running event loop, where asyncio.run() refuses.
    with ThreadPoolExecutor(max_workers=1) as thread:
        answers = thread.submit(asyncio.run, _ask_ten(server, ferry_id)).result()
    assert len(answers) == 10
    for events in answers:
        check_answer(events)
        assert events[0][1]["sources"][0]["filename"] == FERRY, events[0][1]
    # Still being indexed (or finished): the questions neither stopped nor broke it.
    after = _get(client, f"{server.api}/documents/{big_id}").json()
    assert after["status"] in ("indexing", "indexed"), after


def test_the_local_model_answers_over_sse(tmp_path: Path) -> None:
    """The default model (SmolLM2 via llama.cpp) on a server of its own. By default it shows the documents' quotes
    first and its own words only once checked, so the answer may have no `token` events."""
    with serve_app(tmp_path / "storage", address=None) as local, httpx.Client(timeout=60) as http:
        assert http.get(f"{local.api}/health").json()["model"]["detail"].startswith("SmolLM2"), "not the local model"
        doc_id = upload(http, local, FERRY, small_pdf())
        wait_for(http, local, doc_id, {"indexed"})
        events = ask(http, local, QUESTION)
        check_answer(events)
        done = events[-1][1]
        assert done["mode"] in ("quotes", "quotes+model"), done
        assert "forty minutes" in done["answer"], done
