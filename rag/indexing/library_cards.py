"""The cards of a workspace's documents, read from their records; a document indexed before cards existed gets
its card now, built from its stored file."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from rag.database.tables import Document
from rag.errors import DocChatError
from rag.indexing.cards import DocumentCard, build_card, summarise_in_background
from rag.reading.files import stored_read
from rag.records.library import in_workspace
from rag.services import Services

log = logging.getLogger(__name__)


def document_cards(
    services: Services, doc_ids: Sequence[str] | None = None, workspace_id: str | None = None
) -> dict[str, DocumentCard]:
    """The cards of the workspace's indexed documents (all, or those of `doc_ids`), by doc_id."""
    return {document.doc_id: card for document, card in documents_with_cards(services, doc_ids, workspace_id)}


def documents_with_cards(
    services: Services, doc_ids: Sequence[str] | None = None, workspace_id: str | None = None
) -> list[tuple[Document, DocumentCard]]:
    """The workspace's indexed documents (all, or those of `doc_ids`), newest first, each with its card. A
    document indexed before cards existed gets one now, built from its stored file and saved; one whose file
    cannot be read is left out."""
    query = in_workspace(services, workspace_id).where(Document.status == "indexed")
    query = query.order_by(Document.created_at.desc())
    if doc_ids:
        query = query.where(Document.doc_id.in_(list(doc_ids)))
    with services.sessions() as session:
        documents = list(session.scalars(query))
    carded = []
    for document in documents:
        try:
            card = (
                DocumentCard.model_validate(document.card) if document.card else build_missing_card(services, document)
            )
        except (OSError, ValueError, DocChatError) as exc:  # unreadable file, or a card no longer valid
            log.warning("no card for %s: %s", document.filename, exc)
            continue
        # A process that stopped before its model summary was written (the CLI exits at once) leaves it to this one.
        summarise_in_background(services, document.doc_id, card)
        carded.append((document, card))
    return carded


def build_missing_card(services: Services, document: Document) -> DocumentCard:
    """Builds and saves the card of a document indexed before cards existed."""
    opened, pages = stored_read(services, document)
    title = opened.title
    card = build_card(pages, title, document.filename, services.embedding.embeddings)
    with services.sessions.begin() as session:
        # Every workspace's record of the same content: the card is the content's.
        for stored in session.scalars(select(Document).where(Document.doc_id == document.doc_id)):
            if not stored.card:  # not built meanwhile by another page or process
                stored.card = card.model_dump()
    return card
