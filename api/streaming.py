"""An answer as server-sent events: `start` (the standalone question, sources and quotes) before the first
word, then `token` events, then `done` with the stored message id and the grounding marks.

The model, the embedding and the database block, so every step of the answer runs on a worker thread and the
event loop stays free: one slow answer never stalls the other requests.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import anyio
from anyio.to_thread import run_sync

from rag.errors import DocChatError
from rag.presentation import shown_answer
from rag.schemas import Turn

_END = object()


def _event_schema(name: str, fields: dict[str, dict]) -> dict:
    data = {"type": "object", "required": list(fields), "properties": fields}
    json_text = {"type": "string", "contentMediaType": "application/json", "contentSchema": data}
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {"event": {"const": name}, "data": json_text},
    }


_STR, _INT, _BOOL, _LIST = ({"type": kind} for kind in ("string", "integer", "boolean", "array"))
# One event of the stream, for the OpenAPI schema (`itemSchema`: each event, as FastAPI documents its own SSE).
EVENT_SCHEMA = {
    "oneOf": [
        _event_schema(
            "start",
            {
                "conversation_id": _STR,
                "message_id": _INT,
                "question": _STR,
                "standalone_question": _STR,
                "quotes_first": _BOOL,
                "quotes": _LIST,
                "sources": _LIST,
            },
        ),
        _event_schema("token", {"text": _STR}),
        _event_schema(
            "done",
            {
                "conversation_id": _STR,
                "message_id": _INT,
                "mode": {"type": ["string", "null"]},
                "doubtful": _BOOL,
                "answer": _STR,
                "model_answer": _STR,
                "grounding": _LIST,
                "suggestions": _LIST,
            },
        ),
        _event_schema("error", {"detail": _STR, "message_id": _INT}),
    ]
}


def event(name: str, data: object) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def start_data(turn: Turn, question: str) -> dict:
    return {
        "conversation_id": turn.conversation_id,
        "message_id": turn.answer_id,
        "question": question,
        "standalone_question": turn.standalone_question,
        # True: the quotes are the answer, shown now; the model's words come only if the check passes.
        "quotes_first": turn.quotes_first,
        "quotes": [q.to_dict() for q in turn.quotes],
        "sources": [s.to_dict() for s in turn.sources],
    }


def done_data(turn: Turn, text: str) -> dict:
    return {
        "conversation_id": turn.conversation_id,
        "message_id": turn.answer_id,
        "mode": turn.mode,
        "doubtful": turn.doubtful,
        "answer": shown_answer(turn.quotes, turn.mode, text),
        "model_answer": text,
        "grounding": [c.to_dict() for c in turn.grounding],
        "suggestions": turn.suggestions,
    }


async def tokens_of(turn: Turn) -> AsyncIterator[str]:
    """The turn's words, each read on a worker thread. Whatever ends the reading (the last word, an error, a
    client that went away) the turn is closed on a thread too, so what came so far is stored, and marked
    interrupted when it did not finish."""
    tokens: Iterator[str] = turn.tokens
    try:
        while (token := await run_sync(next, tokens, _END)) is not _END:
            yield token  # type: ignore[misc]
    finally:
        # Shielded: a cancelled request (the client disconnected) must still store its answer.
        with anyio.CancelScope(shield=True):
            await run_sync(turn.close)


async def answer_events(turn: Turn, question: str) -> AsyncIterator[bytes]:
    yield event("start", start_data(turn, question))
    parts: list[str] = []
    try:
        async for token in tokens_of(turn):
            parts.append(token)
            yield event("token", {"text": token})
    except DocChatError as exc:
        # Headers are sent: the failure is an event, and the answer so far is stored with it.
        yield event("error", {"detail": str(exc), "message_id": turn.answer_id})
        return
    yield event("done", done_data(turn, "".join(parts)))
