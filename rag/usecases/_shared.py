"""What several use cases share: records read back as the public shapes, and the caller's right to act. Private
to the doorway (front ends call the use cases), and importing no use case, so the use cases import none of
each other."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import select

from rag import language as languages
from rag.accounts import audit
from rag.accounts.access import resolve
from rag.accounts.caller import Caller
from rag.accounts.users import get_user
from rag.answering.policy import doubtful
from rag.database.tables import Conversation, Document, Message
from rag.errors import PermissionDeniedError
from rag.models.embeddings import english_only
from rag.records import transcripts
from rag.schemas import CHECKS, QUOTES, SOURCES, ConversationPublic, DocumentPublic, IngestResult, MessagePublic
from rag.services import Services


def language_note(services: Services, language: str | None) -> str | None:
    """What to do about a document whose language the library's search does not read, or None when it does."""
    if language in (None, "en") or not english_only(services.embedding.name):
        return None
    said = languages.name(language)
    return (
        f"This document is in {said}; search in {said} needs the multilingual model: "
        "`python -m rag reindex --model multilingual`"
    )


def document_public(services: Services, document: Document) -> DocumentPublic:
    return DocumentPublic(
        id=document.doc_id,
        filename=document.filename,
        status=document.status,  # type: ignore[arg-type]
        pages=document.pages,
        passages=document.chunks,
        size_bytes=document.size_bytes,
        created_at=document.created_at,
        progress=document.progress,
        progress_message=document.progress_message,
        pages_done=document.pages_done,
        passages_done=document.passages_done,
        ocr_pages=document.ocr_pages or 0,
        ocr_unreadable=document.ocr_unreadable or 0,
        language=document.language,
        language_note=language_note(services, document.language),
        error=document.error,
    )


def uploader(services: Services, caller: Caller | None) -> Caller:
    who = resolve(services, caller)
    who.require_edit("add documents")
    return who


def audit_added(services: Services, who: Caller, result: IngestResult) -> IngestResult:
    if result.status in ("queued", "indexed") and result.doc_id:
        audit.by(services, who, "document.upload", result.file, f"{who.workspace_name}: {result.doc_id[:12]}")
    note = language_note(services, result.language)
    return result.model_copy(update={"language_note": note}) if note else result


def library_ids(services: Services, *, caller: Caller | None = None) -> set[str]:
    workspace = resolve(services, caller).workspace_id
    query = select(Document.doc_id).where(Document.workspace_id == workspace, Document.status == "indexed")
    with services.sessions() as session:
        return set(session.scalars(query))


def conversation_public(services: Services, conversation: Conversation, who: Caller) -> ConversationPublic:
    mine = conversation.user_id == who.user_id
    starter = who.username if mine else getattr(get_user(services, conversation.user_id), "username", "")
    public = ConversationPublic.model_validate(conversation)
    return public.model_copy(update={"read_only": not mine, "started_by": starter})


def visible_conversation(
    services: Services, conversation_id: str, caller: Caller | None
) -> tuple[Conversation, Caller]:
    who = resolve(services, caller)
    found = transcripts.get_conversation(services, conversation_id, workspace_id=who.workspace_id, user_id=who.user_id)
    return found, who


def own_conversation(services: Services, conversation_id: str, caller: Caller | None) -> tuple[Conversation, Caller]:
    """A conversation the caller started: only they write to it. One shared with them is theirs to read only."""
    conversation, who = visible_conversation(services, conversation_id, caller)
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
        question_id=message.question_id,
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
        check_pending=transcripts.check_pending(message),
    )
