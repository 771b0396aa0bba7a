"""The OpenAI-compatible routes, called by the real openai client as any OpenAI program would call them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletion

from api.main import create_api
from rag.config import Settings
from rag.models.fake_chat import FakeChatModel
from rag.services import Services
from rag.usecases import conversations, documents
from tests.pdfs import make_pdf

pytestmark = pytest.mark.anyio

KRILL = "Adult penguins eat krill and small fish."


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    # Indirectly parametrised with an ANSWER_MODE: each shapes the stream differently.
    return Settings(_env_file=None, storage_dir=tmp_path / "storage", answer_mode=getattr(request, "param", "auto"))


@pytest.fixture
async def ai(fake_services: Services) -> AsyncIterator[openai.AsyncOpenAI]:
    pdf = make_pdf([["Penguins live in the southern hemisphere."], [KRILL + " They dive to catch them."]])
    results = list(documents.add_files(fake_services, [("zoo.pdf", pdf)]))
    assert [r.status for r in results] == ["indexed"]
    transport = httpx.ASGITransport(app=create_api(fake_services, prefix="/api/v1"), client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport) as http:
        # No retries: a failure must show as the failure it is.
        yield openai.AsyncOpenAI(base_url="http://127.0.0.1/api/v1", api_key="x", http_client=http, max_retries=0)


async def ask(ai: openai.AsyncOpenAI, question: str) -> ChatCompletion:
    return await ai.chat.completions.create(model="docchat", messages=[{"role": "user", "content": question}])


async def test_lists_the_one_model(ai: openai.AsyncOpenAI) -> None:
    models = [m async for m in ai.models.list()]
    assert [(m.id, m.owned_by) for m in models] == [("docchat", "docchat")]
    assert (await ai.models.retrieve("docchat")).id == "docchat"


async def test_answers_with_sources(ai: openai.AsyncOpenAI, fake_services: Services) -> None:
    completion = await ask(ai, "What do adult penguins eat?")
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    assert KRILL in choice.message.content
    extra = completion.model_extra or {}
    assert any(s["filename"] == "zoo.pdf" and s["page"] == 2 for s in extra["sources"])
    # The answer is stored in a DocChat conversation, as the UI would show it.
    stored = conversations.get_conversation(fake_services, extra["conversation_id"])
    assert [m.role for m in stored.messages] == ["user", "assistant"]
    assert stored.messages[0].content == "What do adult penguins eat?"


@pytest.mark.parametrize("settings", ["auto", "quotes", "model_checked", "model"], indirect=True)
async def test_streams_what_the_answer_would_be(ai: openai.AsyncOpenAI) -> None:
    question = "What do adult penguins eat?"
    whole = (await ask(ai, question)).choices[0].message.content
    stream = await ai.chat.completions.create(
        model="docchat", messages=[{"role": "user", "content": question}], stream=True, temperature=0.2
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
    assert KRILL in whole
    last = chunks[-1].model_extra or {}
    assert any(s["filename"] == "zoo.pdf" and s["page"] == 2 for s in last["sources"])
    assert last["conversation_id"]


async def test_follow_up_in_the_same_conversation(ai: openai.AsyncOpenAI, fake_services: Services) -> None:
    first = await ask(ai, "What do adult penguins eat?")
    conversation_id = (first.model_extra or {})["conversation_id"]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What do adult penguins eat?"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "Where do penguins live?"}]},
    ]
    second = await ai.chat.completions.create(
        model="docchat", messages=messages, extra_body={"conversation_id": conversation_id}
    )
    assert (second.model_extra or {})["conversation_id"] == conversation_id
    assert "southern hemisphere" in second.choices[0].message.content
    stored = conversations.get_conversation(fake_services, conversation_id)
    assert [m.content for m in stored.messages if m.role == "user"] == [
        "What do adult penguins eat?",
        "Where do penguins live?",
    ]


async def test_absent_subject_is_not_found(ai: openai.AsyncOpenAI) -> None:
    completion = await ask(ai, "What is the boiling point of mercury in a vacuum chamber?")
    content = completion.choices[0].message.content
    assert "couldn't find" in content or "not in your documents" in content, content


async def test_absent_subject_is_not_found_when_streaming(ai: openai.AsyncOpenAI) -> None:
    stream = await ai.chat.completions.create(
        model="docchat",
        messages=[{"role": "user", "content": "What is the boiling point of mercury in a vacuum chamber?"}],
        stream=True,
    )
    chunks = [chunk async for chunk in stream]
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "couldn't find" in content or "not in your documents" in content, content
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    "messages",
    [
        [],
        [{"role": "system", "content": "You are helpful."}],
        [{"role": "user", "content": "   "}],
        [{"role": "user", "content": "What do penguins eat?"}, {"role": "user", "content": ""}],
    ],
)
async def test_no_question_is_422(ai: openai.AsyncOpenAI, messages: list[dict]) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        await ai.chat.completions.create(model="docchat", messages=messages)  # type: ignore[arg-type]
    detail = caught.value.body["detail"]  # type: ignore[index]
    assert isinstance(detail, str) and "message" in detail


async def test_unknown_conversation_is_404(ai: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        await ai.chat.completions.create(
            model="docchat",
            messages=[{"role": "user", "content": "What do penguins eat?"}],
            extra_body={"conversation_id": "no-such-conversation"},
        )


@pytest.mark.parametrize("settings", ["model_checked"], indirect=True)
async def test_a_streamed_answer_the_check_replaces_is_followed_by_the_quotes(
    ai: openai.AsyncOpenAI, fake_llm: FakeChatModel
) -> None:
    # A stream cannot take back the model's words: the quotes that replace them come after them.
    fake_llm.reply = "Penguins are purple robots that accountants built on Mars in 1850."
    stream = await ai.chat.completions.create(
        model="docchat", messages=[{"role": "user", "content": "What do adult penguins eat?"}], stream=True
    )
    content = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert content.startswith(fake_llm.reply + "\n\n> “")
    assert KRILL in content
