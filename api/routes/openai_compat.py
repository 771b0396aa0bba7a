"""/models and /chat/completions as the OpenAI API shapes them, so any OpenAI client (its `base_url` set to
…/api/v1) asks questions of the documents with no DocChat code of its own.

History: DocChat keeps conversations itself, and the doorway has no way to take a history from the caller. So
the last user message is the question, asked in a new conversation, and the earlier messages of `messages`
are ignored: a follow-up such as "and what do they eat?" is answered as it stands. To keep the context, send
back the `conversation_id` of the previous answer as an extra body field (the openai client's `extra_body`):
the question is then asked in that stored conversation, with its own history, as in the UI. Each user message
must have some text, though only the last is asked: a request with a blank one is refused (422).

Beyond the OpenAI shapes, each answer carries `sources` (file, page, passage) and `conversation_id`; when
streaming, both come in the last chunk.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api.deps import Authenticated, CallerDep, ServicesDep
from api.errors import ERRORS
from api.fields import NOT_BLANK, Body
from api.streaming import tokens_of
from rag.errors import DocChatError, NotFoundError
from rag.presentation import answer_of, quotes_markdown, shown_answer
from rag.schemas import Source, Turn
from rag.usecases import asking

router = APIRouter(tags=["openai"], dependencies=[Authenticated], responses=ERRORS)

MODEL = "docchat"
_CREATED = int(time.time())


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ContentPart(Body):
    type: str
    text: str | None = None


# Some text: a string, or a list of content parts with a text part, that is not blank.
_SOME_TEXT = {
    "anyOf": [
        {"type": "string", "pattern": NOT_BLANK},
        {
            "type": "array",
            "contains": {
                "type": "object",
                "properties": {"type": {"const": "text"}, "text": {"type": "string", "pattern": NOT_BLANK}},
                "required": ["type", "text"],
            },
        },
    ]
}


class ChatMessage(Body):
    # A user message has some text, in the schema as in ChatCompletionRequest's check: JSON Schema cannot name
    # the last user message, so every one must have text (a schema that let any but the last be blank would
    # call [question, blank] valid, which has no question).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"properties": {"role": {"not": {"const": "user"}}}},
                {"properties": {"role": {"const": "user"}, "content": _SOME_TEXT}, "required": ["content"]},
            ]
        }
    )

    role: str = Field(description="system, user, assistant, … Only the last user message is used.")
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        # Content parts other than text (images, audio) cannot be searched for in PDFs' text.
        if isinstance(self.content, list):
            return "\n".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatCompletionRequest(Body):
    """An OpenAI Chat Completions request. Other OpenAI fields (top_p, stop, n, tools, …) are accepted and
    ignored: the answer comes from the documents, the same whatever the sampling."""

    model: str = Field(default=MODEL, description=f"Any name is accepted; the answer is always `{MODEL}`'s.")
    messages: list[ChatMessage] = Field(
        description="The last user message is the question; every user message has text.",
        json_schema_extra={"contains": {"properties": {"role": {"const": "user"}}, "required": ["role"]}},
    )
    stream: bool = False
    temperature: float | None = Field(default=None, description="Accepted and ignored.")
    max_tokens: int | None = Field(default=None, description="Accepted and ignored.")
    conversation_id: str | None = Field(
        default=None, description="DocChat extension: ask in this stored conversation, with its history."
    )
    doc_ids: list[str] | None = Field(
        default=None, description="DocChat extension: search only these documents; omitted searches them all."
    )

    @field_validator("messages")
    @classmethod
    def _has_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if not any(m.role == "user" for m in messages):
            raise ValueError("no user message: the last message with role 'user' is the question")
        for number, message in enumerate(messages):
            if message.role == "user" and not message.text().strip():
                raise ValueError(f"message {number} is a user message without text: the last one is the question")
        return messages


def question_of(messages: list[ChatMessage]) -> str:
    return next((m.text() for m in reversed(messages) if m.role == "user"), "").strip()


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL
    choices: list[Choice]
    # No token counts: DocChat's answer is not one model call, and quotes cost none.
    usage: None = None
    conversation_id: str = Field(description="DocChat extension: send it back to ask a follow-up with context.")
    sources: list[Source] = Field(description="DocChat extension: the passages the answer stands on.")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` line of a streamed answer. The last one has `finish_reason: "stop"`, `sources` and
    `conversation_id`; `data: [DONE]` follows it."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str = MODEL
    choices: list[ChunkChoice]
    conversation_id: str | None = None
    sources: list[Source] | None = None


STREAM = {
    200: {
        "description": "With `stream: false`, a `chat.completion`. With `stream: true`, server-sent events "
        "`data: {chat.completion.chunk}` (the first with the role, the last with `finish_reason` and `sources`), "
        'then `data: [DONE]`; a failure after the first chunk is `data: {"error": {"message": …}}`.',
        # Each event, as /ask documents its own: `schema` would have to describe the whole stream.
        "content": {
            "text/event-stream": {
                "itemSchema": {"type": "object", "required": ["data"], "properties": {"data": {"type": "string"}}}
            }
        },
    }
}


@router.get("/models", response_model=ModelList)
async def list_models() -> ModelList:
    """The one model: DocChat answering from your documents."""
    return ModelList(data=[_card()])


@router.get("/models/{model}", response_model=ModelCard)
async def get_model(model: str) -> ModelCard:
    if model != MODEL:
        raise NotFoundError(f"No model '{model}': the only model is '{MODEL}'.")
    return _card()


def _card() -> ModelCard:
    return ModelCard(id=MODEL, created=_CREATED, owned_by="docchat")


@router.post("/chat/completions", response_model=ChatCompletion, responses=STREAM)
async def chat_completions(
    body: ChatCompletionRequest, services: ServicesDep, caller: CallerDep
) -> Response | ChatCompletion:
    """Answers the last user message from the documents, as the UI does: the answer is stored in a DocChat
    conversation, and its content is what the UI shows (the quoted sentences, then the model's answer when
    its check passes)."""
    question = question_of(body.messages)
    turn = await run_in_threadpool(asking.ask, services, question, body.conversation_id, body.doc_ids, caller=caller)
    completion_id = f"chatcmpl-{turn.conversation_id}-{turn.answer_id}"
    if body.stream:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        chunks = _chunks(turn, completion_id, int(time.time()))
        return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
    answer = await run_in_threadpool(answer_of, turn, question)
    return ChatCompletion(
        id=completion_id,
        created=int(time.time()),
        choices=[Choice(message=AssistantMessage(content=answer.answer))],
        conversation_id=answer.conversation_id,
        sources=answer.sources,
    )


def _data(payload: dict) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


async def _chunks(turn: Turn, completion_id: str, created: int) -> AsyncIterator[bytes]:
    def chunk(delta: Delta, last: bool = False) -> bytes:
        payload = ChatCompletionChunk(
            id=completion_id,
            created=created,
            choices=[ChunkChoice(delta=delta, finish_reason="stop" if last else None)],
            conversation_id=turn.conversation_id if last else None,
            sources=turn.sources if last else None,
        ).model_dump(mode="json")
        # As OpenAI sends them: `finish_reason: null` until the end, but no empty delta fields or extensions.
        payload["choices"][0]["delta"] = delta.model_dump(exclude_none=True)
        return _data({k: v for k, v in payload.items() if v is not None})

    yield chunk(Delta(role="assistant", content=""))
    sent = ""
    if turn.quotes_first:
        # The quotes are the answer and are ready now; the model's words, if they pass, come after them.
        sent = quotes_markdown(turn.quotes)
        yield chunk(Delta(content=sent))
    parts: list[str] = []
    try:
        async for token in tokens_of(turn):
            if not token:
                continue
            piece = "\n\n" + token if sent and not parts else token
            parts.append(token)
            sent += piece
            yield chunk(Delta(content=piece))
    except DocChatError as exc:
        # Headers are sent: the failure is an event, in the shape the openai client raises as an APIError.
        yield _data({"error": {"message": str(exc), "type": "docchat_error", "code": None}})
        return
    shown = shown_answer(turn.quotes, turn.mode, "".join(parts))
    # A stream cannot take back what it sent. When the check replaces a streamed model answer by the quotes,
    # the quotes can only follow the model's words; otherwise the content read equals `shown`.
    if shown.startswith(sent):
        rest = shown[len(sent) :]
    else:
        rest = "\n\n" + quotes_markdown(turn.quotes) if turn.quotes else ""
    if rest:
        yield chunk(Delta(content=rest))
    yield chunk(Delta(), last=True)
    yield b"data: [DONE]\n\n"
