"""Changes of topic: a question that left the documents its conversation was about.

A question that stands alone is searched alone (rag/answering/followups.py), so it is answered well wherever it is
asked; but the follow-ups after it are joined to it, and the conversation's history and title still speak of the
topic before. When it also found its answer in none of the documents the conversation's earlier answers cited, the
user is offered to ask it again in a conversation of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rag.schemas import MessagePublic


def leaves_conversation(
    question: str, searched_for: str | None, cited: Collection[str], earlier: Collection[str]
) -> bool:
    """Whether a question searched for as asked (`searched_for`) found its sources (`cited`, their documents) in
    none of the documents the earlier answers cited. A first question, or one after answers that cited nothing,
    leaves nothing."""
    return bool(earlier) and bool(cited) and searched_for == question and not set(cited) & set(earlier)


def answered_from(message: MessagePublic) -> set[str]:
    """The documents an answer was about: those it quoted, or, with no quotes, those of its sources. Every answer
    lists five sources, one a page, and in a small library a weak page of the earlier document is nearly always
    among them: by the sources alone a move to another document was seldom seen."""
    return {q.doc_id for q in message.quotes} or {s.doc_id for s in message.sources}


def mark_new_topics(messages: Sequence[MessagePublic]) -> list[MessagePublic]:
    """A transcript in reading order, each answer whose question left the conversation marked `new_topic`."""
    questions = {m.id: m.content for m in messages if m.role == "user"}
    earlier: set[str] = set()
    marked = []
    for message in messages:
        if message.role == "assistant":
            cited = answered_from(message)
            question = questions.get(message.question_id or 0)
            if question is not None and leaves_conversation(question, message.standalone_question, cited, earlier):
                message = message.model_copy(update={"new_topic": True})
            earlier |= cited
        marked.append(message)
    return marked
