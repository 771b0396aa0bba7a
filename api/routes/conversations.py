"""/conversations and /ask: stored conversations, and questions answered as server-sent events."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import Caller, ServicesDep
from api.errors import ERRORS
from api.streaming import EVENT_SCHEMA, answer_events
from rag import usecases
from rag.schemas import ConversationDetail, ConversationPublic

router = APIRouter(tags=["conversations"], dependencies=[Caller], responses=ERRORS)

SSE = {
    200: {
        "description": "Server-sent events: `start` (standalone question, sources, quotes), `token` (each piece "
        "of the answer), then `done` (stored message id, mode, grounding marks, suggestions), or `error`.",
        "content": {"text/event-stream": {"itemSchema": EVENT_SCHEMA}},
    }
}


class NewConversation(BaseModel):
    doc_ids: list[str] = Field(default=[], description="The documents it searches; empty means all.")


class Rename(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class Question(BaseModel):
    question: str = Field(min_length=1, description="The question, in plain words.")
    doc_ids: list[str] | None = Field(
        default=None, description="Search only these documents; omitted keeps the conversation's own choice."
    )


@router.post("/conversations", status_code=201, response_model=ConversationPublic)
async def create_conversation(services: ServicesDep, body: NewConversation | None = None) -> ConversationPublic:
    return await run_in_threadpool(usecases.create_conversation, services, (body or NewConversation()).doc_ids)


@router.get("/conversations", response_model=list[ConversationPublic])
async def list_conversations(services: ServicesDep) -> list[ConversationPublic]:
    """Newest first."""
    return await run_in_threadpool(usecases.list_conversations, services)


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(conversation_id: str, services: ServicesDep) -> ConversationDetail:
    """With its messages: each answer with its typed sources, quotes and grounding marks."""
    return await run_in_threadpool(usecases.get_conversation, services, conversation_id)


@router.patch("/conversations/{conversation_id}", response_model=ConversationPublic)
async def rename_conversation(conversation_id: str, body: Rename, services: ServicesDep) -> ConversationPublic:
    return await run_in_threadpool(usecases.rename_conversation, services, conversation_id, body.title)


@router.delete("/conversations/{conversation_id}", status_code=204, response_class=Response)
async def delete_conversation(conversation_id: str, services: ServicesDep) -> Response:
    await run_in_threadpool(usecases.delete_conversation, services, conversation_id)
    return Response(status_code=204)


@router.get(
    "/conversations/{conversation_id}/export",
    # Not PlainTextResponse: FastAPI would document the JSON errors of this route as text/plain.
    response_class=Response,
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}, "description": "Markdown"}},
)
async def export_conversation(conversation_id: str, services: ServicesDep) -> PlainTextResponse:
    markdown = await run_in_threadpool(usecases.export_conversation, services, conversation_id)
    return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")


@router.post("/conversations/{conversation_id}/messages", response_class=StreamingResponse, responses=SSE)
async def ask_in_conversation(conversation_id: str, body: Question, services: ServicesDep) -> StreamingResponse:
    """Asks in a conversation. Both messages are stored as in the UI; a client that disconnects leaves its
    answer stored as far as it came, marked interrupted."""
    turn = await run_in_threadpool(usecases.ask, services, body.question, conversation_id, body.doc_ids)
    return _stream(turn, body.question)


@router.post("/ask", response_class=StreamingResponse, responses=SSE)
async def ask(body: Question, services: ServicesDep) -> StreamingResponse:
    """Asks once, without a conversation of your own: one is created for it (its id is in the `start` event)."""
    turn = await run_in_threadpool(usecases.ask, services, body.question, None, body.doc_ids)
    return _stream(turn, body.question)


def _stream(turn: usecases.Turn, question: str) -> StreamingResponse:
    # No buffering by a proxy in front (nginx), and no caching: each event must reach the client as it comes.
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(answer_events(turn, question), media_type="text/event-stream", headers=headers)
