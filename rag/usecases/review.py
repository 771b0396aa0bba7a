"""What admins look over: the quality review queue (answers marked down, and answers with sentences the
grounding check did not find in the passages) and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from rag.accounts import audit
from rag.accounts.caller import Caller
from rag.database.tables import Conversation, Message, User, Workspace
from rag.errors import UnknownConversationError
from rag.records import transcripts
from rag.schemas import AuditEventPublic, ConversationDetail, ReviewItem
from rag.services import Services
from rag.usecases._shared import conversation_public, library_ids, message_public

# Recent answers read for the queue: the check's marks are in a JSON column no database filters alike.
RECENT_ANSWERS = 2000


def review_queue(services: Services, *, caller: Caller, limit: int = 200) -> list[ReviewItem]:
    """Newest first: answers with thumbs down, and answers the grounding check found unsupported sentences in."""
    caller.require_admin()
    query = (
        select(Message, Conversation, Workspace.name, User.username)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Workspace, Workspace.id == Conversation.workspace_id)
        .join(User, User.id == Conversation.user_id)
        .where(Message.role == "assistant", or_(Message.feedback == "down", Message.grounding.is_not(None)))
        .order_by(Message.id.desc())
        .limit(RECENT_ANSWERS)
    )
    items = []
    with services.sessions() as session:
        rows = session.execute(query).all()
        for message, conversation, workspace, username in rows:
            unsupported = [c["text"] for c in message.grounding or [] if c.get("supported") is False]
            if message.feedback != "down" and not unsupported:
                continue
            # By its link: with questions asked at once, the question just before it may be another's.
            question = session.scalar(select(Message.content).where(Message.id == message.question_id))
            items.append(
                ReviewItem(
                    conversation_id=conversation.id,
                    message_id=message.id,
                    workspace=workspace,
                    asked_by=username,
                    question=question or "",
                    answer=message.content or "",
                    feedback=message.feedback,  # type: ignore[arg-type]
                    feedback_reason=message.feedback_reason,
                    unsupported=unsupported,
                    at=message.created_at,
                )
            )
            if len(items) == limit:
                break
    return items


def review_conversation(services: Services, conversation_id: str, *, caller: Caller) -> ConversationDetail:
    """An admin reads a conversation of the review queue, read only; the reading is in the audit log."""
    caller.require_admin()
    with services.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise UnknownConversationError(f"No conversation has the id {conversation_id}.")
    public = conversation_public(services, conversation, caller).model_copy(update={"read_only": True})
    audit.by(services, caller, "review.open", conversation.title, conversation.id)
    owner_view = caller.model_copy(update={"workspace_id": conversation.workspace_id})
    library = library_ids(services, caller=owner_view)
    messages = [message_public(m, library) for m in transcripts.list_messages(services, conversation.id)]
    return ConversationDetail(**public.model_dump(), messages=messages)


def audit_log(
    services: Services,
    *,
    caller: Caller,
    action: str = "",
    username: str = "",
    since: datetime | None = None,
    limit: int = 1000,
) -> list[AuditEventPublic]:
    caller.require_admin()
    return audit.events(services, action=action, username=username, since=since, limit=limit)


def audit_csv(services: Services, *, caller: Caller, action: str = "", username: str = "") -> str:
    rows = audit_log(services, caller=caller, action=action, username=username, limit=100_000)
    audit.by(services, caller, "audit.export", f"{len(rows)} events", "")
    return audit.as_csv(rows)
