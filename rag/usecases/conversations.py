"""Stored conversations, as every front end reads them: typed messages, and sources marked when their
document has been removed since (decided here, and nowhere else)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from rag import transcripts
from rag.answer_policy import doubtful
from rag.models import Conversation, Message
from rag.schemas import CHECKS, QUOTES, SOURCES, ConversationDetail, ConversationPublic, MessagePublic
from rag.services import Services
from rag.usecases.documents import library_ids


def _public(conversation: Conversation) -> ConversationPublic:
    return ConversationPublic.model_validate(conversation)


def message_public(message: Message, library: Collection[str]) -> MessagePublic:
    """A stored message read back typed; a source or quote whose document is no longer in `library` is marked."""
    sources = [replace(s, removed=s.doc_id not in library) for s in SOURCES.validate_python(message.sources or [])]
    quotes = [replace(q, removed=q.doc_id not in library) for q in QUOTES.validate_python(message.quotes or [])]
    grounding = CHECKS.validate_python(message.grounding or [])
    return MessagePublic(
        id=message.id,
        role=message.role,  # type: ignore[arg-type]
        content=message.content or "",
        created_at=message.created_at,
        standalone_question=message.standalone_question,
        sources=sources,
        quotes=quotes,
        grounding=grounding,
        mode=message.mode,  # type: ignore[arg-type]
        doubtful=message.mode == "quotes" and bool(quotes) and doubtful(quotes[0].score, grounding),
        status=message.status,  # type: ignore[arg-type]
        error=message.error,
        model=message.model,
        suggestions=message.suggestions or [],
        first_token_ms=message.first_token_ms,
        total_ms=message.total_ms,
    )


def create_conversation(services: Services, doc_ids: Sequence[str] = ()) -> ConversationPublic:
    return _public(transcripts.create_conversation(services, doc_ids))


def list_conversations(services: Services) -> list[ConversationPublic]:
    return [_public(c) for c in transcripts.list_conversations(services)]


def get_conversation(services: Services, conversation_id: str) -> ConversationDetail:
    """A conversation with its messages, by its id or an unambiguous prefix of it."""
    conversation = transcripts.get_conversation(services, conversation_id)
    library = library_ids(services)
    messages = [message_public(m, library) for m in transcripts.list_messages(services, conversation.id)]
    return ConversationDetail(**_public(conversation).model_dump(), messages=messages)


def rename_conversation(services: Services, conversation_id: str, title: str) -> ConversationPublic:
    conversation = transcripts.get_conversation(services, conversation_id)
    transcripts.rename_conversation(services, conversation.id, title)
    return _public(transcripts.get_conversation(services, conversation.id))


def delete_conversation(services: Services, conversation_id: str) -> None:
    transcripts.delete_conversation(services, transcripts.get_conversation(services, conversation_id).id)


def export_conversation(services: Services, conversation_id: str) -> str:
    """The conversation as Markdown: questions, answers, quotes and sources, removed documents marked."""
    return transcripts.export_markdown(get_conversation(services, conversation_id))
