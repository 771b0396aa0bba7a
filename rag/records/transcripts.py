"""Stored conversations: create, list, rename, delete, their messages, their history and their export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import aliased

from rag.accounts.users import owner, owner_workspace
from rag.database.tables import Conversation, Message, as_utc, transcript_order, utcnow
from rag.errors import InvalidInputError, UnknownConversationError, UnknownMessageError
from rag.presentation import cited_at, export_text
from rag.schemas import ConversationDetail
from rag.services import Services

DEFAULT_TITLE = "New conversation"
TITLE_CHARS = 80


def _title_from(question: str) -> str:
    flat = " ".join(question.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _owner(services: Services, workspace_id: str | None, user_id: str | None) -> tuple[str, str]:
    """The workspace and user a conversation query is for: with AUTH_MODE=none and none given, the owner's."""
    if workspace_id and user_id:
        return workspace_id, user_id
    workspace = owner_workspace(services, workspace_id)
    return workspace, user_id or owner(services).id


def visible(workspace_id: str, user_id: str):  # type: ignore[no-untyped-def]
    """The workspace's conversations the user may read: their own, and those others shared."""
    return select(Conversation).where(
        Conversation.workspace_id == workspace_id, or_(Conversation.user_id == user_id, Conversation.shared.is_(True))
    )


def create_conversation(
    services: Services, doc_ids: Sequence[str] = (), *, workspace_id: str | None = None, user_id: str | None = None
) -> Conversation:
    workspace, user = _owner(services, workspace_id, user_id)
    with services.sessions.begin() as session:
        conversation = Conversation(title=DEFAULT_TITLE, doc_ids=list(doc_ids), workspace_id=workspace, user_id=user)
        session.add(conversation)
    return conversation


def list_conversations(
    services: Services, *, workspace_id: str | None = None, user_id: str | None = None
) -> list[Conversation]:
    query = visible(*_owner(services, workspace_id, user_id))
    with services.sessions() as session:
        return list(session.scalars(query.order_by(Conversation.updated_at.desc(), Conversation.created_at.desc())))


def get_conversation(
    services: Services, conversation_id: str, *, workspace_id: str | None = None, user_id: str | None = None
) -> Conversation:
    """A conversation the user may read, by its id or an unambiguous prefix of it. Another's private one is
    refused exactly as one that does not exist."""
    prefix = conversation_id.strip().lower()
    query = visible(*_owner(services, workspace_id, user_id)).where(Conversation.id.startswith(prefix, autoescape=True))
    with services.sessions() as session:
        matches = list(session.scalars(query.limit(2)))
    if len(prefix) < 4 or not matches:
        raise UnknownConversationError(f"No conversation has the id {conversation_id}.")
    if len(matches) > 1:
        raise UnknownConversationError(f"More than one conversation id starts with {conversation_id}; give more of it.")
    return matches[0]


def rename_conversation(services: Services, conversation_id: str, title: str) -> None:
    title = " ".join(title.split())[:200]
    if not title:
        raise InvalidInputError("A conversation needs a title.")
    with services.sessions.begin() as session:
        session.get_one(Conversation, conversation_id).title = title


def set_scope(services: Services, conversation_id: str, doc_ids: Sequence[str]) -> str:
    """Sets the documents the conversation searches; returns its workspace."""
    with services.sessions.begin() as session:
        conversation = session.get_one(Conversation, conversation_id)
        conversation.doc_ids = list(doc_ids)
        return conversation.workspace_id


def set_shared(services: Services, conversation_id: str, shared: bool) -> None:
    with services.sessions.begin() as session:
        session.get_one(Conversation, conversation_id).shared = shared


def delete_conversation(services: Services, conversation_id: str) -> None:
    with services.sessions.begin() as session:
        session.delete(session.get_one(Conversation, conversation_id))


def list_messages(services: Services, conversation_id: str) -> list[Message]:
    with services.sessions() as session:
        query = select(Message).where(Message.conversation_id == conversation_id).order_by(*transcript_order())
        return list(session.scalars(query))


def add_user_message(services: Services, conversation_id: str, content: str) -> Message:
    with services.sessions.begin() as session:
        message = Message(conversation_id=conversation_id, role="user", content=content)
        session.add(message)
        # The first question names the conversation; a rename by the user is kept.
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.title == DEFAULT_TITLE)
            .values(title=_title_from(content))
        )
        session.execute(update(Conversation).where(Conversation.id == conversation_id).values(updated_at=utcnow()))
    return message


def add_answer(
    services: Services, conversation_id: str, question_id: int, *, checking: bool = False, **fields: Any
) -> Message:
    """The answer to the question `question_id`. It starts as "interrupted" and only a finished stream marks it
    complete, so a crash at any point leaves an honest status behind. Given a status (complete or failed), it is
    settled already. `checking`: quotes stored first, with the model's words still to be written and checked."""
    settled = {"answered_at": utcnow()} if "status" in fields else {}
    pending = {"check_pending_since": utcnow()} if checking else {}
    with services.sessions.begin() as session:
        message = Message(
            conversation_id=conversation_id,
            role="assistant",
            question_id=question_id,
            **({"status": "interrupted"} | fields | settled | pending),
        )
        session.add(message)
    return message


def update_answer(services: Services, message_id: int, *, checked: bool = False, **fields: Any) -> None:
    """Stores what came of the answer; with a status, the stream is over and the answer settled (the first
    time: quotes stored complete settled it before the model's words, which change nothing of that). `checked`:
    nothing more will come of it (the model's words checked, or given up)."""
    if "status" in fields:
        fields["answered_at"] = func.coalesce(Message.answered_at, utcnow())
    if checked:
        fields["check_pending_since"] = None
    with services.sessions.begin() as session:
        session.execute(update(Message).where(Message.id == message_id).values(**fields))


# The local model writes its short answer in 6-13 s, and answers wait their turn for it: a check still pending this
# long after it began was cut off with its process (killed, or the machine stopped), and is counted done.
CHECK_ABANDONED_AFTER = timedelta(minutes=3)


def check_pending(message: Message) -> bool:
    """Whether the model's words of an answer whose quotes were stored first may still come."""
    since = message.check_pending_since
    return since is not None and as_utc(since) > utcnow() - CHECK_ABANDONED_AFTER


def set_feedback(
    services: Services, conversation_id: str, message_id: int, feedback: str | None, reason: str
) -> Message:
    with services.sessions.begin() as session:
        message = session.get(Message, message_id)
        if message is None or message.conversation_id != conversation_id or message.role != "assistant":
            raise UnknownMessageError("No answer of this conversation has that id.")
        message.feedback, message.feedback_reason = feedback, (reason or None) if feedback else None
    return message


ABANDONED_AFTER = timedelta(minutes=15)


def _settled_turns(conversation_id: str) -> Select[tuple[Message, Message]]:
    """The conversation's turns whose answer is settled, latest question first. Read before a question is stored,
    they are its past: a question asked at the same moment, or one whose answer is still being written, is not
    a previous turn of it (twenty asked at once were each searched joined to another, still unanswered)."""
    question, answer = aliased(Message), aliased(Message)
    # An answer still unsettled long after it began was cut off by a crash (no answer streams for that long): it is
    # a turn like any interrupted one, never settled at a start, where another process may still be writing it.
    abandoned = answer.created_at < utcnow() - ABANDONED_AFTER
    return (
        select(question, answer)
        .join(answer, answer.question_id == question.id)
        .where(question.conversation_id == conversation_id, answer.answered_at.is_not(None) | abandoned)
        .order_by(question.id.desc(), answer.id.desc())
    )


def history(services: Services, conversation_id: str, turns: int) -> list[BaseMessage]:
    """The last `turns` settled question/answer pairs, oldest first, as chat messages for the chain."""
    if turns <= 0:
        return []
    with services.sessions() as session:
        pairs = session.execute(_settled_turns(conversation_id).limit(turns)).all()
    return [m for q, a in reversed(pairs) for m in (HumanMessage(q.content), AIMessage(a.content))]


def export_markdown(conversation: ConversationDetail) -> str:
    """The conversation as Markdown: questions, answers and sources, those of removed documents marked."""
    # Everything from a model or a PDF goes through export_text: the file is opened in other Markdown viewers,
    # and an image or link a document planted must not load or lead out from there either.
    lines = [f"# {export_text(conversation.title)}", "", f"_Started {conversation.created_at:%Y-%m-%d %H:%M}_", ""]
    for message in conversation.messages:
        if message.role == "user":
            lines += [f"## Q: {export_text(message.content)}", ""]
            continue
        quoted = message.quotes if message.mode in ("quotes", "quotes+model") else []
        for quote in quoted:
            # The documents' own words, as quotes: a reader of the file can tell them from the model's.
            removed = " (document removed)" if quote.removed else ""
            lines += [
                f"> {export_text(quote.text)}",
                f"> — {export_text(quote.filename)}, {cited_at(quote)}{removed}",
                "",
            ]
        if message.content:
            lines += ["_The model's short answer, checked against the passages:_", ""] if quoted else []
            lines += [export_text(message.content), ""]
        elif not quoted:
            lines += ["_(no answer)_", ""]
        if message.status != "complete":
            lines += [f"_Answer {message.status}{': ' + message.error if message.error else ''}_", ""]
        if message.sources:
            lines.append("**Sources**")
            for n, source in enumerate(message.sources, 1):
                removed = " (document removed)" if source.removed else ""
                removed += " (scan, read by OCR)" if source.ocr else ""
                where = f"{export_text(source.filename)}, {cited_at(source)}{removed}"
                lines.append(f"{n}. {where}: {export_text(source.snippet)}")
            lines.append("")
    return "\n".join(lines)


def cited_documents(services: Services, conversation_id: str) -> list[str]:
    """The documents the last settled answer cited, that of the turn `history` ends with: what a follow-up most
    likely asks about."""
    with services.sessions() as session:
        last = session.execute(_settled_turns(conversation_id).limit(1)).first()
    sources = (last[1].sources if last else None) or []
    return list(dict.fromkeys(s["doc_id"] for s in sources))
