"""Requests the API refuses: each with its 4xx and a `detail` a person can act on, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from rag.indexing.ingest import accept_bytes
from rag.services import Services
from tests.api.conftest import OpenServices, api_client
from tests.pdfs import make_pdf
from tests.robustness.hostile_pdfs import certificate_encrypted_pdf, deep_page_tree_pdf, object_stream_bomb

pytestmark = pytest.mark.anyio

PDF = make_pdf([["The Aquila pump moves 300 litres of water per hour."]])
UNKNOWN_ID = "0123456789abcdef" * 4


def refused(response: httpx.Response, status: int, *words: str) -> str:
    """The response is `status` with JSON {"detail": "..."} holding `words`; returns the detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str) and body["detail"], body
    for word in words:
        assert word in body["detail"], body["detail"]
    return body["detail"]


async def test_a_text_file_named_pdf_is_accepted_as_a_failed_record(client: httpx.AsyncClient) -> None:
    # The upload is a batch: each file has its own outcome, so a file that is not a PDF is a `failed` record
    # with its reason in a 202, beside the others, never a refusal of the whole batch.
    files = [
        ("files", ("notes.pdf", b"just some text, not a PDF\n" * 20, "application/pdf")),
        ("files", ("pump.pdf", PDF)),
    ]
    response = await client.post("/documents", files=files)
    assert response.status_code == 202, response.text
    bad, good = response.json()
    assert bad["file"] == "notes.pdf" and bad["status"] == "failed" and bad["doc_id"] is None
    assert "PDF" in bad["error"]
    assert good["status"] == "queued"
    # Nothing of the failed file was kept.
    assert [d["filename"] for d in (await client.get("/documents")).json()] == ["pump.pdf"]


async def test_a_batch_with_files_pypdf_gives_up_on_answers_every_file(client: httpx.AsyncClient) -> None:
    # Each once raised from pypdf past the app's checks: the request answered 500, the file before it was kept
    # and the one after it never recorded.
    other = make_pdf([["The Lyra valve closes at 4 bar."]])
    hostile = {
        "deep.pdf": (deep_page_tree_pdf(), "The PDF is damaged or truncated and cannot be read."),
        "certificate.pdf": (certificate_encrypted_pdf(), "encrypted for its recipients' certificates"),
        "stream.pdf": (object_stream_bomb(80), "The PDF is damaged or truncated and cannot be read."),
    }
    files = [("files", ("pump.pdf", PDF)), *[("files", (n, data)) for n, (data, _) in hostile.items()]]
    response = await client.post("/documents", files=[*files, ("files", ("valve.pdf", other))])
    assert response.status_code == 202, response.text
    results = {r["file"]: r for r in response.json()}
    assert list(results) == ["pump.pdf", *hostile, "valve.pdf"]
    assert results["pump.pdf"]["status"] == results["valve.pdf"]["status"] == "queued"
    for name, (_, reason) in hostile.items():
        assert results[name]["status"] == "failed" and reason in results[name]["error"], results[name]


@pytest.fixture
async def small_uploads(open_api_services: OpenServices) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(open_api_services(max_upload_mb=1)) as client:
        yield client


async def test_an_oversized_upload_is_refused_by_its_length(small_uploads: httpx.AsyncClient) -> None:
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)
    response = await small_uploads.post("/documents", files={"files": ("big.pdf", big)})
    refused(response, 413, "1 MB", "MAX_UPLOAD_MB")
    assert (await small_uploads.get("/documents")).json() == []


async def test_an_oversized_upload_without_a_length_is_refused_while_read(small_uploads: httpx.AsyncClient) -> None:
    # Chunked, with no Content-Length: refused at the chunk that crosses the limit, before the rest is sent.
    sent = 0
    boundary = "docchat-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
    head += "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head.encode()
        for _ in range(40):  # 40 x 64 KB: 2.5 MB
            sent += 1
            yield b"0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    response = await small_uploads.post("/documents", content=body(), headers=headers)
    refused(response, 413, "1 MB")
    assert sent < 40
    assert (await small_uploads.get("/documents")).json() == []


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
async def test_an_empty_question_is_refused(client: httpx.AsyncClient, question: str) -> None:
    conversation_id = (await client.post("/conversations", json={})).json()["id"]
    refused(await client.post(f"/conversations/{conversation_id}/messages", json={"question": question}), 422)
    refused(await client.post("/ask", json={"question": question}), 422)
    # Nothing was stored: no message, and /ask made no conversation.
    assert (await client.get(f"/conversations/{conversation_id}")).json()["messages"] == []
    assert len((await client.get("/conversations")).json()) == 1


async def test_a_too_long_question_is_refused(client: httpx.AsyncClient, fake_services: Services) -> None:
    limit = fake_services.settings.max_question_chars
    detail = refused(await client.post("/ask", json={"question": "why " * (limit // 4 + 1)}), 422, f"{limit:,}")
    assert "characters" in detail
    assert (await client.get("/conversations")).json() == []


@pytest.mark.parametrize("shared", [0, 1, "yes", None])
async def test_sharing_takes_true_or_false_alone(client: httpx.AsyncClient, shared: object) -> None:
    conversation_id = (await client.post("/conversations", json={})).json()["id"]
    refused(await client.put(f"/conversations/{conversation_id}/shared", json={"shared": shared}), 422, "shared")
    assert (await client.put(f"/conversations/{conversation_id}/shared", json={"shared": True})).status_code == 200


@pytest.mark.parametrize("message_id", [2**63, 10**30, 0])
async def test_a_feedback_message_id_no_message_can_have_is_refused(client: httpx.AsyncClient, message_id: int) -> None:
    # Past 64 bits SQLite cannot compare it: the answer was 503, "cannot reach its database".
    conversation_id = (await client.post("/conversations", json={})).json()["id"]
    path = f"/conversations/{conversation_id}/messages/{message_id}/feedback"
    refused(await client.put(path, json={"feedback": "up"}), 422, "message_id")


@pytest.mark.parametrize("body", [{}, {"question": 42}, {"question": None}, {"question": "ok", "doc_ids": "a"}])
async def test_a_malformed_question_is_refused(client: httpx.AsyncClient, body: dict) -> None:
    refused(await client.post("/ask", json=body), 422, "question" if "doc_ids" not in body else "doc_ids")


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    for doc_id in (UNKNOWN_ID, UNKNOWN_ID[:8], "ab"):
        refused(await client.get(f"/documents/{doc_id}"), 404, doc_id)
        refused(await client.delete(f"/documents/{doc_id}"), 404, doc_id)
    cid = "no-such-conversation"
    refused(await client.get(f"/conversations/{cid}"), 404)
    refused(await client.get(f"/conversations/{cid}/export"), 404)
    refused(await client.patch(f"/conversations/{cid}", json={"title": "x"}), 404)
    refused(await client.delete(f"/conversations/{cid}"), 404)
    refused(await client.post(f"/conversations/{cid}/messages", json={"question": "What is it?"}), 404)
    assert (await client.get("/conversations")).json() == []


async def test_an_upload_without_files_is_refused(client: httpx.AsyncClient) -> None:
    refused(await client.post("/documents"), 422, "files")
    refused(await client.post("/documents", files={"other": ("a.pdf", PDF)}), 422, "files")
    refused(await client.post("/documents", data={"files": "not a file"}), 422, "files")


async def test_a_bad_rename_is_refused(client: httpx.AsyncClient) -> None:
    conversation_id = (await client.post("/conversations", json={})).json()["id"]
    refused(await client.patch(f"/conversations/{conversation_id}", json={"title": ""}), 422, "title")
    refused(await client.patch(f"/conversations/{conversation_id}", json={}), 422, "title")
    refused(await client.patch(f"/conversations/{conversation_id}", content=b"{not json"), 422)


async def test_api_keys(open_api_services: OpenServices) -> None:
    services = open_api_services(api_keys=["k1"])
    async with api_client(services, ("203.0.113.5", 1)) as client:
        response = await client.get("/documents")
        refused(response, 401, "Missing API key", "Authorization: Bearer")
        assert response.headers["www-authenticate"] == "Bearer"
        refused(await client.get("/documents", headers={"Authorization": "Bearer k2"}), 401, "Wrong API key")
        refused(await client.get("/documents", headers={"Authorization": "Basic azE6"}), 401)
        # The right key is let in from any address.
        assert (await client.get("/documents", headers={"Authorization": "Bearer k1"})).status_code == 200


async def test_without_keys_only_loopback_is_answered(fake_services: Services) -> None:
    async with api_client(fake_services, ("203.0.113.5", 1)) as client:
        refused(await client.get("/documents"), 403, "API_KEYS")
        refused(await client.post("/ask", json={"question": "What is it?"}), 403)
    async with api_client(fake_services, ("::1", 1)) as client:
        assert (await client.get("/documents")).status_code == 200


async def test_rate_limit(open_api_services: OpenServices) -> None:
    async with api_client(open_api_services(api_rate_per_minute=3)) as client:
        for _ in range(3):
            assert (await client.get("/conversations")).status_code == 200
        response = await client.get("/documents")
        refused(response, 429, "at most 3 a minute")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # /health is never rate limited: a load balancer polls it.
        assert (await client.get("/health")).status_code == 200


async def test_a_document_still_being_added_cannot_be_deleted_yet(
    client: httpx.AsyncClient, fake_services: Services
) -> None:
    # Accepted but not handed to the worker: it stays "queued" for as long as the test needs.
    accepted = accept_bytes(fake_services, make_pdf([["Ferries leave the harbour at dawn."]]), "ferry.pdf")
    response = await client.delete(f"/documents/{accepted.doc_id}")
    assert response.status_code == 409
    assert "still being added" in response.json()["detail"]
    assert (await client.get(f"/documents/{accepted.doc_id}")).json()["status"] == "queued"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/documents", "GET, POST"),
        ("/documents/0123abcd", "DELETE, GET"),
        ("/conversations", "GET, POST"),
        ("/conversations/no-such-conversation", "DELETE, GET, PATCH"),
        ("/keys", "GET, POST"),
        ("/admin/workspaces/team/members/bob", "DELETE, PUT"),
    ],
)
async def test_a_method_a_path_does_not_take_is_405_allowing_every_one_it_does(
    client: httpx.AsyncClient, path: str, allowed: str
) -> None:
    # Each path has a route per method: the 405 named only the first one's (OPTIONS /documents/… said GET).
    for method in ("OPTIONS", "PUT" if "PUT" not in allowed else "POST"):
        response = await client.request(method, path)
        refused(response, 405, "Method Not Allowed")
        assert response.headers["allow"] == allowed
