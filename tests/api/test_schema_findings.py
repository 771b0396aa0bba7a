"""What `schemathesis --checks all` found where the OpenAPI schema and the API disagreed, each as the request that
showed it: the schema now says what the route does (tests/api/test_schema.py runs schemathesis itself)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Annotated

import httpx
import jsonschema_rs
import pytest
from pydantic import Field, TypeAdapter, ValidationError
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from api.fields import NOT_BLANK
from api.main import ServedFirst, create_api
from rag.config import Settings
from rag.models.embeddings import EmbeddingModel
from rag.models.fake_chat import FakeChatModel
from rag.services import Services
from rag.usecases.startup import open_services
from tests.api.conftest import OpenServices, api_client
from tests.api.test_bad_requests import refused
from tests.api.test_routes import sse_events

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory, fake_embedding: EmbeddingModel) -> Iterator[dict]:
    """The schema of the `client` fixture's API: services with the same default settings. Built once for the
    module: it does not change between tests, and building it took 0.2-0.35 s in each of ~50 of them."""
    settings = Settings(_env_file=None, storage_dir=tmp_path_factory.mktemp("spec") / "storage")
    services = open_services(settings, fake_embedding, llm=FakeChatModel())
    try:
        yield create_api(services).openapi()
    finally:
        services.close()


def valid(spec: dict, component: str, instance: object) -> bool:
    """Whether `instance` is valid by the schema's component, as schemathesis reads it (JSON Schema 2020-12)."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(schema).is_valid(instance)


async def test_health_takes_a_key_but_needs_none(open_api_services: OpenServices) -> None:
    # The schema listed the bearer key as /health's one requirement, so a request without it, answered 200 as
    # a load balancer's must be, was "a missing required header accepted".
    services = open_api_services(api_keys=["k1"])
    security = create_api(services).openapi()["paths"]["/health"]["get"]["security"]
    assert {} in security and {"HTTPBearer": []} in security
    async with api_client(services, ("203.0.113.5", 1)) as client:
        assert (await client.get("/health")).status_code == 200
        refused(await client.get("/documents"), 401)


async def test_what_clashes_with_what_is_there_is_409_not_422(client: httpx.AsyncClient) -> None:
    # Each request is valid by the schema; what refuses it is the state of things, which is a conflict (409):
    # a 422 says the request itself is wrong, and schemathesis rightly took these for valid requests rejected.
    assert (await client.post("/admin/users", json={"username": "bob", "password": "long enough"})).status_code == 201
    refused(await client.post("/admin/users", json={"username": "bob"}), 409, "already a user called bob")
    assert (await client.post("/admin/workspaces", json={"name": "Team"})).status_code == 201
    refused(await client.post("/admin/workspaces", json={"name": "Team"}), 409, "already a shared workspace")
    me = (await client.get("/me")).json()
    refused(await client.post(f"/admin/users/{me['username']}/disable"), 409, "last admin")
    personal = me["workspace"]["id"]
    members = f"/admin/workspaces/{personal}/members/bob"
    refused(await client.put(members, json={"role": "viewer"}), 409, "personal workspace")
    refused(await client.delete(members), 409, "personal workspace")


async def test_an_upload_of_no_file_is_invalid_by_the_schema_too(client: httpx.AsyncClient, spec: dict) -> None:
    # The schema let `files` be empty, and a form with no file part (which is what an empty list sends) was
    # refused: now it says minItems 1.
    assert not valid(spec, "Body_upload_documents_post", {"files": []})
    assert valid(spec, "Body_upload_documents_post", {"files": ["%PDF-1.7"]})
    empty = {"content-type": "multipart/form-data; boundary=b"}
    refused(await client.post("/documents", content=b"--b--\r\n", headers=empty), 422, "files")


def test_not_blank_is_what_str_strip_keeps_for_every_character() -> None:
    # The pattern is read by three engines: Python's (the use cases strip), pydantic's (Rust, what the API
    # enforces) and JSON Schema's (what schemathesis and clients read). \S would split them on \x1c-\x1f, \x85
    # and \ufeff. Surrogates are left out: no engine but Python's takes one alone.
    schema = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": NOT_BLANK})
    pydantic = TypeAdapter(Annotated[str, Field(pattern=NOT_BLANK)])

    def by_pydantic(text: str) -> bool:
        try:
            pydantic.validate_python(text)
        except ValidationError:
            return False
        return True

    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    kept = [c for c in characters if c.strip()]
    assert len(characters) - len(kept) == 29
    for engine in (lambda c: re.search(NOT_BLANK, c) is not None, schema.is_valid, by_pydantic):
        assert [c for c in characters if engine(c)] == kept


@pytest.mark.parametrize("blank", [" ", "\u3000", "\x1c\t\n"])
async def test_blank_text_is_invalid_by_the_schema_as_the_api_refuses_it(
    client: httpx.AsyncClient, spec: dict, blank: str
) -> None:
    # Each was valid by the schema (minLength 1), and refused with 422 once stripped.
    conversation = (await client.post("/conversations", json={})).json()["id"]
    for component, body, send in [
        ("Question", {"question": blank}, lambda b: client.post("/ask", json=b)),
        ("Rename", {"title": blank}, lambda b: client.patch(f"/conversations/{conversation}", json=b)),
        ("NewWorkspace", {"name": blank}, lambda b: client.post("/admin/workspaces", json=b)),
    ]:
        assert not valid(spec, component, body)
        refused(await send(body), 422)
        # A byte-order mark is no space to Python (nor to the schema's pattern), though it is to JavaScript's \s.
        kept = {key: blank + "\ufeff" for key in body}
        assert valid(spec, component, kept)
        assert (await send(kept)).status_code in (200, 201)


async def test_a_question_past_max_question_chars_is_invalid_by_the_schema(open_api_services: OpenServices) -> None:
    services = open_api_services(max_question_chars=40)
    spec = create_api(services).openapi()
    assert spec["components"]["schemas"]["Question"]["properties"]["question"]["maxLength"] == 40
    async with api_client(services) as client:
        assert valid(spec, "Question", {"question": "q" * 40})
        assert (await client.post("/ask", json={"question": "q" * 40})).status_code == 200
        assert not valid(spec, "Question", {"question": "q" * 41})
        refused(await client.post("/ask", json={"question": "q" * 41}), 422, "40")


@pytest.mark.parametrize(
    "body",
    [
        {"username": " bob", "password": "long enough"},  # was added as "bob"
        {"username": "bob!"},
        {"username": "bob", "password": "short"},
        {"username": "bob", "password": "p" * 1025},
    ],
)
async def test_a_username_or_password_the_api_refuses_is_invalid_by_the_schema(
    client: httpx.AsyncClient, spec: dict, body: dict
) -> None:
    assert not valid(spec, "NewUser", body)
    refused(await client.post("/admin/users", json=body), 422)
    good = {"username": "bob.smith@example", "password": "p" * 8}
    assert valid(spec, "NewUser", good)
    assert (await client.post("/admin/users", json=good)).status_code == 201


@pytest.mark.parametrize(
    ("messages", "ok"),
    [
        ([], False),
        ([{"role": "system", "content": "Be brief."}], False),
        ([{"role": "user", "content": "What do penguins eat?"}, {"role": "user", "content": " "}], False),
        # Refused since the schema says every user message has text: it cannot say "the last one".
        ([{"role": "user", "content": ""}, {"role": "user", "content": "What do penguins eat?"}], False),
        ([{"role": "user", "content": [{"type": "image_url"}, {"type": "text", "text": " "}]}], False),
        ([{"role": "user", "content": None}, {"role": "user", "content": "What do penguins eat?"}], False),
        ([{"role": "system", "content": ""}, {"role": "user", "content": "What do penguins eat?"}], True),
        ([{"role": "assistant"}, {"role": "user", "content": [{"type": "text", "text": "What do they eat?"}]}], True),
    ],
)
async def test_the_schema_says_which_chat_messages_have_a_question(
    client: httpx.AsyncClient, spec: dict, messages: list[dict], ok: bool
) -> None:
    # `messages: []` was valid by the schema, and refused: there is no question.
    assert valid(spec, "ChatCompletionRequest", {"messages": messages}) is ok
    response = await client.post("/chat/completions", json={"messages": messages})
    if ok:
        assert response.status_code == 200, response.text
    else:
        refused(response, 422, "message")


@pytest.mark.parametrize(
    ("path", "body", "wrong"),
    [
        ("/chat/completions", {"stream": 1}, "stream"),
        ("/chat/completions", {"max_tokens": "5"}, "max_tokens"),
        ("/chat/completions", {"temperature": "0.5"}, "temperature"),
        ("/admin/users", {"username": "bob", "admin": "true"}, "admin"),
    ],
)
async def test_a_body_is_read_as_strictly_as_the_schema_reads_it(
    client: httpx.AsyncClient, spec: dict, path: str, body: dict, wrong: str
) -> None:
    # pydantic's lax mode took "5" for 5 and 1 for true: schemathesis sent them as invalid, and they were answered.
    component = {"/chat/completions": "ChatCompletionRequest", "/admin/users": "NewUser"}[path]
    if path == "/chat/completions":
        body = {"messages": [{"role": "user", "content": "What do penguins eat?"}], **body}
    assert not valid(spec, component, body)
    refused(await client.post(path, json=body), 422, wrong)


async def test_numbers_of_either_kind_are_still_numbers(client: httpx.AsyncClient, spec: dict) -> None:
    body = {"messages": [{"role": "user", "content": "What?"}], "stream": False, "temperature": 1, "max_tokens": 5}
    assert valid(spec, "ChatCompletionRequest", body)
    assert (await client.post("/chat/completions", json=body)).status_code == 200


async def test_a_streamed_chat_completion_keeps_to_its_documented_events(client: httpx.AsyncClient, spec: dict) -> None:
    # `schema: {type: string}` was read as the schema of each event, which is an object ({"data": "…"}).
    stream = spec["paths"]["/chat/completions"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    each = jsonschema_rs.Draft202012Validator(stream["itemSchema"])
    body = {"messages": [{"role": "user", "content": "What do penguins eat?"}], "stream": True}
    response = await client.post("/chat/completions", json=body)
    events = [{"data": line.removeprefix("data: ")} for line in response.text.splitlines() if line.startswith("data:")]
    assert len(events) >= 3 and events[-1] == {"data": "[DONE]"}
    assert all(each.is_valid(event) for event in events)


async def test_under_streamlit_every_odd_id_is_the_apis_to_answer(fake_services: Services) -> None:
    # As one of st.App's routes (a Mount), the API was behind Streamlit: an id with a NUL or `..\` met its path
    # check (a text/plain 400), one with a newline fell through the Mount to its text/plain 404. The stand-in
    # answers as Streamlit did; tests/e2e/test_api_server.py asks the real `streamlit run app.py`.
    async def streamlit(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("Bad Request", status_code=400)(scope, receive, send)

    served = ServedFirst(streamlit, api=create_api(fake_services), prefix="/api/v1")
    transport = httpx.ASGITransport(app=served, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for path in ("/documents/ab%0Acd", "/conversations/a%0Ab/export", "/documents/..%5Cx", "/documents/a%00b"):
            refused(await client.get("/api/v1" + path), 404, "id")
        refused(await client.get("/api/v1"), 404)
        assert (await client.get("/api/v1/documents")).json() == []
        # Served under the prefix, as a Mount served it: the docs page loads the schema from there.
        assert "/api/v1/openapi.json" in (await client.get("/api/v1/docs")).text
        # The rest is Streamlit's.
        for path in ("/", "/api", "/api/v10", "/_stcore/health"):
            assert (await client.get(path)).text == "Bad Request"


async def test_a_nul_is_text_as_any_other_on_either_database(db_client: httpx.AsyncClient) -> None:
    # PostgreSQL's text cannot hold one: each of these answered 503, "DocChat cannot reach its database".
    refused(await db_client.get("/documents/ab%00cd"), 404, "No document")
    refused(await db_client.delete("/conversations/a%00b"), 404, "No conversation")
    refused(await db_client.post("/admin/users/a%00b/disable"), 404, "No user")
    asked = await db_client.post("/ask", json={"question": "What\x00 moves water?"})
    assert asked.status_code == 200, asked.text
    start = next(data for name, data in sse_events(asked.text) if name == "start")
    stored = (await db_client.get(f"/conversations/{start['conversation_id']}")).json()["messages"]
    assert stored[0]["content"].startswith("What") and stored[0]["content"].endswith(" moves water?")
    assert (await db_client.post("/admin/workspaces", json={"name": "Team\x00"})).status_code == 201
    assert (await db_client.get("/admin/audit", params={"action": "\x00"})).json() == []
