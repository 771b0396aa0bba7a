"""Stored conversations, as every front end reads them: typed messages, and sources marked when their
document has been removed since (decided here, and nowhere else)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.accounts import audit
from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.accounts.users import memberships_of
from rag.answering.topics import mark_new_topics
from rag.errors import InvalidInputError, UnknownConversationError, UnknownMessageError
from rag.records import transcripts
from rag.schemas import ConversationDetail, ConversationPublic, MessagePublic
from rag.services import Services
from rag.usecases._shared import (
    conversation_public,
    library_ids,
    message_public,
    own_conversation,
    visible_conversation,
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
    conversation, who = visible_conversation(services, conversation_id, caller)
    library = library_ids(services, caller=who)
    messages = [message_public(m, library) for m in transcripts.list_messages(services, conversation.id)]
    return ConversationDetail(
        **conversation_public(services, conversation, who).model_dump(), messages=mark_new_topics(messages)
    )


def get_answer(
    services: Services, conversation_id: str, message_id: int, *, caller: Caller | None = None
) -> MessagePublic:
    """One answer of a conversation the caller may read, as stored now: what a page polls while its check is
    pending (`check_pending`). Read with its whole transcript, which says whether it changed the topic."""
    for message in get_conversation(services, conversation_id, caller=caller).messages:
        if message.id == message_id and message.role == "assistant":
            return message
    raise UnknownMessageError("No answer of this conversation has that id.")


def find_workspace(services: Services, conversation_id: str, *, caller: Caller | None = None) -> str | None:
    """The caller's workspace that holds this conversation (their own, or one shared with them there), or None:
    a link to it without its workspace (?ws=), or from another workspace, still opens it for whoever may read it."""
    who = resolve(services, caller)
    for workspace, _role in memberships_of(services, who.user_id):
        try:
            transcripts.get_conversation(services, conversation_id, workspace_id=workspace.id, user_id=who.user_id)
        except UnknownConversationError:
            continue
        return workspace.id
    return None


def rename_conversation(
    services: Services, conversation_id: str, title: str, *, caller: Caller | None = None
) -> ConversationPublic:
    conversation, who = own_conversation(services, conversation_id, caller)
    transcripts.rename_conversation(services, conversation.id, title)
    return conversation_public(services, visible_conversation(services, conversation.id, who)[0], who)


def share_conversation(
    services: Services, conversation_id: str, shared: bool, *, caller: Caller | None = None
) -> ConversationPublic:
    """Lets the workspace's other members read it (never write to it), or makes it private again."""
    conversation, who = own_conversation(services, conversation_id, caller)
    transcripts.set_shared(services, conversation.id, shared)
    audit.by(services, who, "conversation.share" if shared else "conversation.unshare", conversation.title)
    return conversation_public(services, visible_conversation(services, conversation.id, who)[0], who)


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
