"""/conversations and /ask: stored conversations, and questions answered as server-sent events."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import Field, StrictBool
from starlette.concurrency import run_in_threadpool

from api.deps import Authenticated, CallerDep, ServicesDep
from api.errors import ERRORS
from api.fields import NOT_BLANK, Body
from api.streaming import EVENT_SCHEMA, answer_events
from rag.schemas import ConversationDetail, ConversationPublic, MessagePublic, Turn
from rag.usecases import asking, conversations

router = APIRouter(tags=["conversations"], dependencies=[Authenticated], responses=ERRORS)

SSE = {
    200: {
        "description": "Server-sent events: `start` (standalone question, sources, quotes), `token` (each piece "
        "of the answer), then `done` (stored message id, mode, grounding marks, suggestions), or `error`.",
        "content": {"text/event-stream": {"itemSchema": EVENT_SCHEMA}},
    }
}


class NewConversation(Body):
    doc_ids: list[str] = Field(default=[], description="The documents it searches; empty means all.")


class Rename(Body):
    title: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)


class Share(Body):
    # Strict: 0, 1 or "yes" were taken for false and true, so a client's mistake shared or hid a conversation.
    shared: StrictBool = Field(description="True lets the workspace's other members read it; false makes it private.")


class Feedback(Body):
    feedback: Literal["up", "down"] | None = Field(description="Thumbs up or down; null clears it.")
    reason: str = Field(default="", max_length=2000)


class Question(Body):
    # Its maxLength is MAX_QUESTION_CHARS, a setting: api/main.py writes it into the schema.
    question: str = Field(min_length=1, pattern=NOT_BLANK, description="The question, in plain words.")
    doc_ids: list[str] | None = Field(
        default=None, description="Search only these documents; omitted keeps the conversation's own choice."
    )


@router.post("/conversations", status_code=201, response_model=ConversationPublic)
async def create_conversation(
    services: ServicesDep, caller: CallerDep, body: NewConversation | None = None
) -> ConversationPublic:
    doc_ids = (body or NewConversation()).doc_ids
    return await run_in_threadpool(conversations.create_conversation, services, doc_ids, caller=caller)


@router.get("/conversations", response_model=list[ConversationPublic])
async def list_conversations(services: ServicesDep, caller: CallerDep) -> list[ConversationPublic]:
    """Newest first."""
    return await run_in_threadpool(conversations.list_conversations, services, caller=caller)


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(conversation_id: str, services: ServicesDep, caller: CallerDep) -> ConversationDetail:
    """With its messages: each answer with its typed sources, quotes and grounding marks."""
    return await run_in_threadpool(conversations.get_conversation, services, conversation_id, caller=caller)


@router.patch("/conversations/{conversation_id}", response_model=ConversationPublic)
async def rename_conversation(
    conversation_id: str, body: Rename, services: ServicesDep, caller: CallerDep
) -> ConversationPublic:
    return await run_in_threadpool(
        conversations.rename_conversation, services, conversation_id, body.title, caller=caller
    )


@router.delete("/conversations/{conversation_id}", status_code=204, response_class=Response)
async def delete_conversation(conversation_id: str, services: ServicesDep, caller: CallerDep) -> Response:
    await run_in_threadpool(conversations.delete_conversation, services, conversation_id, caller=caller)
    return Response(status_code=204)


@router.put("/conversations/{conversation_id}/shared", response_model=ConversationPublic)
async def share_conversation(
    conversation_id: str, body: Share, services: ServicesDep, caller: CallerDep
) -> ConversationPublic:
    """Shares your conversation with the workspace, read only, or makes it private again."""
    return await run_in_threadpool(
        conversations.share_conversation, services, conversation_id, body.shared, caller=caller
    )


@router.put("/conversations/{conversation_id}/messages/{message_id}/feedback", response_model=MessagePublic)
async def give_feedback(
    conversation_id: str,
    # Past 64 bits no message can have it, and SQLite could not even compare it (it answered 503).
    message_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: Feedback,
    services: ServicesDep,
    caller: CallerDep,
) -> MessagePublic:
    """Thumbs up or down on an answer of your own conversation, with an optional reason."""
    return await run_in_threadpool(
        conversations.give_feedback, services, conversation_id, message_id, body.feedback, body.reason, caller=caller
    )


@router.get(
    "/conversations/{conversation_id}/export",
    # Not PlainTextResponse: FastAPI would document the JSON errors of this route as text/plain.
    response_class=Response,
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}, "description": "Markdown"}},
)
async def export_conversation(conversation_id: str, services: ServicesDep, caller: CallerDep) -> PlainTextResponse:
    markdown = await run_in_threadpool(conversations.export_conversation, services, conversation_id, caller=caller)
    return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")


@router.post("/conversations/{conversation_id}/messages", response_class=StreamingResponse, responses=SSE)
async def ask_in_conversation(
    conversation_id: str, body: Question, services: ServicesDep, caller: CallerDep
) -> StreamingResponse:
    """Asks in a conversation. Both messages are stored as in the UI; a client that disconnects leaves its
    answer stored as far as it came, marked interrupted."""
    turn = await run_in_threadpool(asking.ask, services, body.question, conversation_id, body.doc_ids, caller=caller)
    return _stream(turn, body.question)


@router.post("/ask", response_class=StreamingResponse, responses=SSE)
async def ask(body: Question, services: ServicesDep, caller: CallerDep) -> StreamingResponse:
    """Asks once, without a conversation of your own: one is created for it (its id is in the `start` event)."""
    turn = await run_in_threadpool(asking.ask, services, body.question, None, body.doc_ids, caller=caller)
    return _stream(turn, body.question)


def _stream(turn: Turn, question: str) -> StreamingResponse:
    # No buffering by a proxy in front (nginx), and no caching: each event must reach the client as it comes.
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(answer_events(turn, question), media_type="text/event-stream", headers=headers)
