"""Every route of the HTTP API, called as a client would, over SQLite and over PostgreSQL."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from PIL import Image

from api.main import create_api
from rag.models.fake_chat import FakeChatModel
from rag.reading.page_image import MAX_PIXELS
from tests import office_files
from tests.api.conftest import OpenServices, api_client
from tests.pdfs import ANIMALS, FARM, make_pdf, page_of_size

pytestmark = pytest.mark.anyio

TURBINE = make_pdf(
    [
        ["Maintenance manual of the Zephyr wind turbine.", "Read every chapter before service."],
        ["The Zephyr turbine rotor turns at 4200 revolutions per minute.", "Its blades are made of carbon fibre."],
    ]
)
PUMPS = make_pdf([["The Aquila pump moves 300 litres of water per hour.", "It needs a new seal every year."]])
QUESTION = "How fast does the Zephyr turbine rotor turn?"


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Server-sent events as (event, JSON data), in order; a block without `event:` is a "message"."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


async def upload(client: httpx.AsyncClient, *files: tuple[str, bytes]) -> list[dict]:
    response = await client.post("/documents", files=[("files", (name, data)) for name, data in files])
    assert response.status_code == 202, response.text
    return response.json()


async def until_indexed(client: httpx.AsyncClient, doc_id: str, timeout: float = 60) -> dict:
    """Polls the document until the background worker has indexed it (failing on `failed` or the timeout)."""
    seen = []
    with anyio.fail_after(timeout):
        while True:
            response = await client.get(f"/documents/{doc_id}")
            assert response.status_code == 200, response.text
            document = response.json()
            seen.append(document["status"])
            assert document["status"] in ("queued", "indexing", "indexed"), document
            if document["status"] == "indexed":
                assert set(seen) <= {"queued", "indexing", "indexed"}
                return document
            await anyio.sleep(0.1)


async def indexed_library(client: httpx.AsyncClient) -> str:
    [record] = await upload(client, ("turbine.pdf", TURBINE))
    await until_indexed(client, record["doc_id"])
    return record["doc_id"]


async def test_documents_upload_list_delete(db_client: httpx.AsyncClient) -> None:
    [record] = await upload(db_client, ("turbine.pdf", TURBINE))
    assert record["status"] == "queued" and record["file"] == "turbine.pdf" and len(record["doc_id"]) == 64
    document = await until_indexed(db_client, record["doc_id"])
    assert document["pages"] == 2 and document["passages"] >= 1 and document["filename"] == "turbine.pdf"

    # Two files at once: one new, one already there.
    records = await upload(db_client, ("pumps.pdf", PUMPS), ("again.pdf", TURBINE))
    assert [r["status"] for r in records] == ["queued", "duplicate"]
    assert records[1]["doc_id"] == record["doc_id"] and "turbine.pdf" in records[1]["error"]
    await until_indexed(db_client, records[0]["doc_id"])

    listed = (await db_client.get("/documents")).json()
    by_id = {d["id"]: d for d in listed}
    assert set(by_id) == {record["doc_id"], records[0]["doc_id"]}
    assert by_id[record["doc_id"]]["pages"] == 2 and by_id[record["doc_id"]]["passages"] >= 1
    assert by_id[record["doc_id"]]["status"] == "indexed"
    # A shortened id finds it too.
    assert (await db_client.get(f"/documents/{record['doc_id'][:12]}")).json()["id"] == record["doc_id"]

    assert (await db_client.delete(f"/documents/{record['doc_id']}")).status_code == 204
    gone = await db_client.get(f"/documents/{record['doc_id']}")
    assert gone.status_code == 404 and record["doc_id"] in gone.json()["detail"]
    assert (await db_client.delete(f"/documents/{record['doc_id']}")).status_code == 404
    assert [d["id"] for d in (await db_client.get("/documents")).json()] == [records[0]["doc_id"]]


async def test_conversation_lifecycle(db_client: httpx.AsyncClient) -> None:
    doc_id = await indexed_library(db_client)
    created = await db_client.post("/conversations", json={})
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]
    assert conversation_id in [c["id"] for c in (await db_client.get("/conversations")).json()]

    response = await db_client.post(f"/conversations/{conversation_id}/messages", json={"question": QUESTION})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "start" and names[-1] == "done" and "error" not in names
    assert set(names[1:-1]) <= {"token"}
    start, done = events[0][1], events[-1][1]
    assert start["conversation_id"] == conversation_id and start["question"] == QUESTION
    assert start["standalone_question"]
    assert any(s["filename"] == "turbine.pdf" and s["page"] == 2 and s["doc_id"] == doc_id for s in start["sources"])
    tokens = "".join(data["text"] for name, data in events if name == "token")
    assert done["message_id"] == start["message_id"] and isinstance(done["grounding"], list)
    assert done["model_answer"] == tokens and "4200" in done["answer"]

    detail = (await db_client.get(f"/conversations/{conversation_id}")).json()
    question, answer = detail["messages"]
    assert question["role"] == "user" and question["content"] == QUESTION
    assert answer["role"] == "assistant" and answer["id"] == done["message_id"] and answer["status"] == "complete"
    typed = {"doc_id", "filename", "page", "snippet", "score", "removed", "ocr", "unit", "place"}
    assert answer["sources"] and all(set(source) == typed for source in answer["sources"])
    assert {source["unit"] for source in answer["sources"]} == {"page"}  # a manual's pages, not a deck's slides
    assert any(s["filename"] == "turbine.pdf" and s["page"] == 2 for s in answer["sources"])

    renamed = await db_client.patch(f"/conversations/{conversation_id}", json={"title": "Rotor speed"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Rotor speed"
    assert (await db_client.get(f"/conversations/{conversation_id}")).json()["title"] == "Rotor speed"

    export = await db_client.get(f"/conversations/{conversation_id}/export")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/markdown")
    assert "# Rotor speed" in export.text and QUESTION in export.text and "turbine.pdf, p. 2" in export.text

    assert (await db_client.delete(f"/conversations/{conversation_id}")).status_code == 204
    assert (await db_client.get(f"/conversations/{conversation_id}")).status_code == 404
    assert (await db_client.get("/conversations")).json() == []


async def test_ask_without_a_conversation(db_client: httpx.AsyncClient) -> None:
    await indexed_library(db_client)
    response = await db_client.post("/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    events = sse_events(response.text)
    assert events[0][0] == "start" and events[-1][0] == "done"
    conversation_id = events[0][1]["conversation_id"]
    stored = await db_client.get(f"/conversations/{conversation_id}")
    assert stored.status_code == 200
    assert [m["role"] for m in stored.json()["messages"]] == ["user", "assistant"]
    assert stored.json()["messages"][1]["id"] == events[-1][1]["message_id"]


async def test_health(db_client: httpx.AsyncClient, db_url: str) -> None:
    response = await db_client.get("/health")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "ok"
    assert health["database"] == {"state": "ok", "detail": db_url.split(":")[0].split("+")[0]}
    assert health["store"]["state"] == "ok" and health["store"]["detail"] == "0 passages"
    assert health["model"]["state"] == "ok" and health["model"]["detail"]


class SlowModel(FakeChatModel):
    """Streams 30 words, one every 0.2 s: a client has time to go away in the middle."""

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Iterator[Any]:
        for chunk in FakeChatModel(reply=" ".join(f"word{n}" for n in range(30)))._stream(messages):
            time.sleep(0.2)
            yield chunk


async def test_a_client_that_disconnects_leaves_an_interrupted_answer(open_api_services: OpenServices) -> None:
    # answer_mode "model": the model's words stream as they come.
    services = open_api_services(llm=SlowModel(), answer_mode="model", api_rate_per_minute=100_000)
    # A real server: httpx's ASGITransport reads the whole response before returning it and never sends
    # `http.disconnect` while the app streams, so only a socket can tell the app its client went away.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_api(services), lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.02)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await indexed_library(client)
            conversation_id = (await client.post("/conversations", json={})).json()["id"]
            url = f"/conversations/{conversation_id}/messages"
            names: list[str] = []
            async with client.stream("POST", url, json={"question": QUESTION}) as response:
                assert response.status_code == 200
                buffer = ""
                async for text in response.aiter_text():
                    buffer += text
                    names = [name for name, _ in sse_events(buffer.rpartition("\n\n")[0])]
                    if "token" in names:
                        break
            # Leaving the block closed the connection after the first word. The answer is stored ~6 s later, not
            # at once: closing the answer chain's stream makes langchain_core read the model to its end first
            # (its StrOutputParser step, in rag/answering/pipeline.py). What is stored still stops where the client did.
            assert names[0] == "start" and "done" not in names
            with anyio.fail_after(15):
                while True:
                    messages = (await client.get(f"/conversations/{conversation_id}")).json()["messages"]
                    # Stored as "interrupted" from the start; total_ms is written when the turn is closed.
                    if messages[-1]["total_ms"] is not None:
                        break
                    await anyio.sleep(0.1)
        answer = messages[-1]
        assert answer["status"] == "interrupted"
        assert answer["content"].startswith("word0") and "word29" not in answer["content"]
        assert answer["error"] == "The answer was interrupted before it finished."
    finally:
        server.should_exit = True
        thread.join(10)


class HeldModel(FakeChatModel):
    """The fake model, holding each answer's first word until `gate` (a threading.Barrier) has as many answers
    waiting as it counts: every question has then been asked, and no answer was settled before any of them."""

    gate: Any = None

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Iterator[Any]:
        self.gate.wait(timeout=60)
        yield from super()._stream(messages, stop, run_manager, **kwargs)


async def test_questions_sent_at_once_are_each_searched_alone_and_answered_beside_their_own(
    open_api_services: OpenServices, db_url: str
) -> None:
    gate = threading.Barrier(len(ANIMALS))
    # answer_mode "model": an answer is settled when its stream ends, which the held model puts after every question.
    services = open_api_services(
        llm=HeldModel(gate=gate), database_url=db_url, answer_mode="model", api_rate_per_minute=100_000
    )
    async with api_client(services) as client:
        [record] = await upload(client, ("farm.pdf", FARM))
        await until_indexed(client, record["doc_id"])
        conversation_id = (await client.post("/conversations", json={})).json()["id"]
        questions = [f"What does the {animal} eat?" for animal, _ in ANIMALS]
        streams: dict[str, list[tuple[str, Any]]] = {}

        async def ask(question: str) -> None:
            url = f"/conversations/{conversation_id}/messages"
            response = await client.post(url, json={"question": question})
            assert response.status_code == 200, response.text
            streams[question] = sse_events(response.text)

        async with anyio.create_task_group() as group:
            for question in questions:
                group.start_soon(ask, question)
        detail = (await client.get(f"/conversations/{conversation_id}")).json()
        export = (await client.get(f"/conversations/{conversation_id}/export")).text

    assert {q: [name for name, _ in events][-1] for q, events in streams.items()} == dict.fromkeys(questions, "done")
    # None had a settled turn before it: each was searched as asked, not joined to another still unanswered.
    assert {q: events[0][1]["standalone_question"] for q, events in streams.items()} == {q: q for q in questions}
    done = {q: events[-1][1] for q, events in streams.items()}
    assert len({d["answer"] for d in done.values()}) == len(questions), "the answers must differ to tell their places"
    messages = detail["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * len(questions)
    for question, answer in zip(messages[::2], messages[1::2], strict=True):
        asked = done[question["content"]]
        assert answer["question_id"] == question["id"]
        assert (answer["id"], answer["content"]) == (asked["message_id"], asked["model_answer"])
    sections = export.split("## Q: ")[1:]
    assert [section.split("\n", 1)[0] for section in sections] == [m["content"] for m in messages[::2]]
    assert all(done[m["content"]]["model_answer"] in s for m, s in zip(messages[::2], sections, strict=True))


async def test_a_page_of_any_size_is_a_bounded_picture(client: httpx.AsyncClient) -> None:
    # A 3 x 3000 pt page drawn 900 px wide took the app to 10.2 GB for 54 s; now it is drawn smaller, in a child.
    [record] = await upload(client, ("ribbon.pdf", page_of_size(3, 3000)))
    await until_indexed(client, record["doc_id"])
    response = await client.get(f"/documents/{record['doc_id']}/pages/1")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.width * picture.height <= MAX_PIXELS and picture.height > 50 * picture.width


async def test_a_spreadsheet_and_a_deck_are_uploaded_asked_and_their_units_drawn(client: httpx.AsyncClient) -> None:
    records = await upload(
        client, ("budget.xlsx", office_files.xlsx_bytes()), ("review.pptx", office_files.pptx_bytes())
    )
    budget, review = [await until_indexed(client, r["doc_id"]) for r in records]
    assert (budget["pages"], review["pages"]) == (3, 2)  # sheet parts and slides
    response = await client.post("/ask", json={"question": "Who is the owner of the printer toner item?"})
    assert response.status_code == 200, response.text
    [(_, start), *_] = sse_events(response.text)
    cited = [s for s in start["sources"] if s["doc_id"] == budget["id"]]
    assert cited[0]["place"] == "sheet “Budget”, rows 27–32" and cited[0]["unit"] == "sheet"
    shown = await client.get(f"/documents/{budget['id']}/pages/{cited[0]['page']}", params={"highlight": "Chidi"})
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    # A unit the file does not have is a clear 404, as a page past a PDF's last.
    assert (await client.get(f"/documents/{review['id']}/pages/3")).status_code == 404
