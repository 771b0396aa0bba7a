"""SQLAlchemy models. The same models run on SQLite (embedded default) and PostgreSQL.

Schema changes go through Alembic migrations in rag/database/migrations/, never create_all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(when: datetime) -> datetime:
    """A datetime read back from the database, with its offset: SQLite drops it, and they are written in UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person who signs in (AUTH_MODE=local or oidc). With AUTH_MODE=none the one `implicit` owner made by the
    migration is everybody; the first `users add NAME --admin` claims it, library and all."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)  # argon2id; None: cannot sign in
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    implicit: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Workspace(Base):
    """Where documents and conversations live: each user's personal one, and shared ones an admin makes."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120))
    personal_of: Mapped[str | None] = mapped_column(ForeignKey("users.id"), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # "owner" | "editor" | "viewer"


class ApiKey(Base):
    """A key the HTTP API (and the CLI through it) acts as its user with. Only a SHA-256 of it is kept: keys are
    32 random bytes, so a fast hash loses nothing against guessing, and every request can afford to check it."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown in lists, given to `keys revoke`
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class BrowserSession(Base):
    """A browser signed in with a password: its cookie holds a token, of which only a SHA-256 is kept. It starts
    as a one-time code (60 s) that the browser trades for the cookie, so the token never passes through a page."""

    __tablename__ = "browser_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AuditEvent(Base):
    """Append-only: nothing in DocChat updates or deletes a row of it."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), default=None)
    username: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class Document(Base):
    """A document in a workspace. The same content in two workspaces has two records and one set of vectors in
    Qdrant, under the same doc_id, whose `workspaces` payload lists the workspaces holding it."""

    __tablename__ = "documents"
    # Two documents of a workspace never share a name (a failed upload aside, which is dismissed or retried
    # under a free one): the database says so, so uploads of "race.pdf" at once each get a name of their own.
    __table_args__ = (
        Index(
            "uq_documents_workspace_name",
            "workspace_id",
            "filename",
            unique=True,
            sqlite_where=text("status != 'failed'"),
            postgresql_where=text("status != 'failed'"),
        ),
    )

    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)  # SHA-256 of the content
    added_by: Mapped[str | None] = mapped_column(String(36), default=None)
    filename: Mapped[str] = mapped_column(String(255))  # the user's name, sanitised for display
    stored_path: Mapped[str] = mapped_column(String(255))  # relative to STORAGE_DIR
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    # "queued" (its file stored, waiting for the background worker), "indexing" while vectors are being written,
    # "failed" (a queued upload that could not be indexed; `error` says why); only "indexed" ones are searched.
    # "trashed": deleted in the UI but restorable; its vectors and file stay until the trash is emptied.
    status: Mapped[str] = mapped_column(String(16), default="indexing")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Touched while indexing, so a record whose process died can be told from one still being written.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    trashed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The document card (rag/indexing/cards.py DocumentCard as JSON): title, outline, summary, suggested questions.
    # None for documents indexed before cards existed; built from the stored file on first use.
    card: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # While queued or indexing: how far it is (0..1) and what it is doing, for a page or a client polling it.
    progress: Mapped[float | None] = mapped_column(Float, default=None)
    progress_message: Mapped[str | None] = mapped_column(String(200), default=None)
    # While indexing: pages read and passages embedded so far (of `pages`, and of `chunks` once it is known).
    pages_done: Mapped[int | None] = mapped_column(Integer, default=None)
    passages_done: Mapped[int | None] = mapped_column(Integer, default=None)
    # With a job queue: when the job was last handed to it (None: not yet, e.g. while the queue was down), and
    # how many times a worker started it.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Pages read by OCR (they had no text layer), and pages OCR could not read (skipped, the rest indexed).
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ocr_unreadable: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The lines OCR read, with their boxes, by page: {"7": [[text, x0, y0, x1, y1], ...]} (rag/reading/ocr.py OcrLine).
    # The cited-page preview highlights with them, and summaries read them instead of running OCR again.
    # Deferred: a scanned book's lines weigh hundreds of KB, and listing the library never needs them.
    ocr_lines: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None, deferred=True)
    # The language its text is written in (rag/language/, an ISO 639-1 code such as "de"); None until it is
    # indexed, for documents indexed before languages were told apart, or with too few words to tell.
    language: Mapped[str | None] = mapped_column(String(8), default=None)


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    # Private to the user who started it, unless they share it: the workspace's others then read, never write.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200), default="New conversation")
    # The documents the conversation searches; empty means the whole library.
    doc_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: transcript_order(),
    )


class Message(Base):
    __tablename__ = "messages"

    # An autoincrement id orders the messages of a conversation as they were written; questions asked at once
    # interleave with each other's answers, so a transcript reads in transcript_order(), never by id alone.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "user" | "assistant"
    content: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Answers only:
    # The question it answers: the message just before it is another question's when several are asked at once.
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True, default=None
    )
    # When the answer was settled: stored complete (quotes first: at once, they are the answer), interrupted or
    # failed. None while it is being written: a question asked meanwhile does not take this turn as its history.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Quotes first: when the model began writing its short answer, which is checked and stored after the quotes
    # (and the suggestions after it). None once the turn is finished, or given up; a process that died leaves it
    # set, so a reader counts it done after a while (rag/records/transcripts.py CHECK_ABANDONED_AFTER).
    check_pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    standalone_question: Mapped[str | None] = mapped_column(Text, default=None)
    sources: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    model: Mapped[str | None] = mapped_column(String(200), default=None)
    first_token_ms: Mapped[float | None] = mapped_column(Float, default=None)
    total_ms: Mapped[float | None] = mapped_column(Float, default=None)
    status: Mapped[str | None] = mapped_column(String(16), default=None)  # complete | interrupted | failed
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # Per sentence of the answer: whether the cited passages support it (rag/answering/grounding.py).
    grounding: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # What produced the answer the user sees (rag/answers.py AnswerMode): "quotes" (the documents' own
    # sentences, the model's answer withheld), "quotes+model", "model", "summary" or "not_found".
    mode: Mapped[str | None] = mapped_column(String(16), default=None)
    # The quoted sentences (rag/answering/quotes.py Quote as JSON), each with its file and page.
    quotes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # Up to 3 follow-up questions, each checked to retrieve its own section.
    suggestions: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # The asker's thumbs ("up" | "down"), with an optional reason.
    feedback: Mapped[str | None] = mapped_column(String(8), default=None)
    feedback_reason: Mapped[str | None] = mapped_column(Text, default=None)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


def transcript_order() -> tuple[Any, ...]:
    """A conversation's messages in reading order: each question, then its answer, whatever was written between."""
    return (func.coalesce(Message.question_id, Message.id), Message.id)
