"""Stored conversations, as every front end reads them: typed messages, and sources marked when their
document has been removed since (decided here, and nowhere else)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from rag.accounts import audit
from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.accounts.users import get_user
from rag.answering.policy import doubtful
from rag.database.tables import Conversation, Message
from rag.errors import InvalidInputError, PermissionDeniedError
from rag.records import transcripts
from rag.schemas import CHECKS, QUOTES, SOURCES, ConversationDetail, ConversationPublic, MessagePublic
from rag.services import Services
from rag.usecases.documents import library_ids


def conversation_public(services: Services, conversation: Conversation, who: Caller) -> ConversationPublic:
    mine = conversation.user_id == who.user_id
    starter = who.username if mine else getattr(get_user(services, conversation.user_id), "username", "")
    public = ConversationPublic.model_validate(conversation)
    return public.model_copy(update={"read_only": not mine, "started_by": starter})


def _visible(services: Services, conversation_id: str, caller: Caller | None) -> tuple[Conversation, Caller]:
    who = resolve(services, caller)
    found = transcripts.get_conversation(services, conversation_id, workspace_id=who.workspace_id, user_id=who.user_id)
    return found, who


def own_conversation(services: Services, conversation_id: str, caller: Caller | None) -> tuple[Conversation, Caller]:
    """A conversation the caller started: only they write to it. One shared with them is theirs to read only."""
    conversation, who = _visible(services, conversation_id, caller)
    if conversation.user_id != who.user_id:
        raise PermissionDeniedError("This conversation was shared with you to read: start your own to ask.")
    return conversation, who


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
        feedback=message.feedback,  # type: ignore[arg-type]
        feedback_reason=message.feedback_reason,
    )


def create_conversation(
    services: Services, doc_ids: Sequence[str] = (), *, caller: Caller | None = None
) -> ConversationPublic:
    who = resolve(services, caller)
    conversation = transcripts.create_conversation(
        services, doc_ids, workspace_id=who.workspace_id, user_id=who.user_id
    )
    return conversation_public(services, conversation, who)


def list_conversations(services: Services, *, caller: Caller | None = None) -> list[ConversationPublic]:
    """The caller's conversations in the workspace, and those others shared there (read only), newest first."""
    who = resolve(services, caller)
    found = transcripts.list_conversations(services, workspace_id=who.workspace_id, user_id=who.user_id)
    return [conversation_public(services, c, who) for c in found]


def get_conversation(services: Services, conversation_id: str, *, caller: Caller | None = None) -> ConversationDetail:
    """A conversation with its messages, by its id or an unambiguous prefix of it."""
    conversation, who = _visible(services, conversation_id, caller)
    library = library_ids(services, caller=who)
    messages = [message_public(m, library) for m in transcripts.list_messages(services, conversation.id)]
    return ConversationDetail(**conversation_public(services, conversation, who).model_dump(), messages=messages)


def rename_conversation(
    services: Services, conversation_id: str, title: str, *, caller: Caller | None = None
) -> ConversationPublic:
    conversation, who = own_conversation(services, conversation_id, caller)
    transcripts.rename_conversation(services, conversation.id, title)
    return conversation_public(services, _visible(services, conversation.id, who)[0], who)


def share_conversation(
    services: Services, conversation_id: str, shared: bool, *, caller: Caller | None = None
) -> ConversationPublic:
    """Lets the workspace's other members read it (never write to it), or makes it private again."""
    conversation, who = own_conversation(services, conversation_id, caller)
    transcripts.set_shared(services, conversation.id, shared)
    audit.by(services, who, "conversation.share" if shared else "conversation.unshare", conversation.title)
    return conversation_public(services, _visible(services, conversation.id, who)[0], who)


def delete_conversation(services: Services, conversation_id: str, *, caller: Caller | None = None) -> None:
    conversation, _who = own_conversation(services, conversation_id, caller)
    transcripts.delete_conversation(services, conversation.id)


def export_conversation(services: Services, conversation_id: str, *, caller: Caller | None = None) -> str:
    """The conversation as Markdown: questions, answers, quotes and sources, removed documents marked."""
    detail = get_conversation(services, conversation_id, caller=caller)
    who = resolve(services, caller)
    audit.by(services, who, "conversation.export", detail.title)
    return transcripts.export_markdown(detail)


def give_feedback(
    services: Services,
    conversation_id: str,
    message_id: int,
    feedback: str | None,
    reason: str = "",
    *,
    caller: Caller | None = None,
) -> MessagePublic:
    """Thumbs up or down on an answer of the caller's own conversation, with an optional reason; None clears it."""
    if feedback not in ("up", "down", None):
        raise InvalidInputError("Feedback is up or down.")
    conversation, who = own_conversation(services, conversation_id, caller)
    message = transcripts.set_feedback(services, conversation.id, message_id, feedback, " ".join(reason.split())[:2000])
    return message_public(message, library_ids(services, caller=who))
