"""SQLAlchemy models. The same models run on SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A document in the library. Its vectors live in Qdrant under the same doc_id."""

    __tablename__ = "documents"

    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the content
    filename: Mapped[str] = mapped_column(String(255))  # the user's name, sanitised for display
    stored_path: Mapped[str] = mapped_column(String(255))  # relative to STORAGE_DIR
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    # "indexing" while vectors are being written; only "indexed" documents are in the library.
    status: Mapped[str] = mapped_column(String(16), default="indexing")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
