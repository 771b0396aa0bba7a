"""The document library: what is indexed, the trash, and removing a document with everything that belongs to it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update

from rag.cards import DocumentCard, build_card, summarise_in_background
from rag.cleanup import remove_document_data
from rag.errors import DocChatError, UnknownDocumentError
from rag.models import Document, utcnow
from rag.pdf import document_title, extract_pages, open_pdf
from rag.services import Services

log = logging.getLogger(__name__)


def list_documents(services: Services) -> list[Document]:
    with services.sessions() as session:
        query = select(Document).where(Document.status == "indexed").order_by(Document.created_at.desc())
        return list(session.scalars(query))


def list_trash(services: Services) -> list[Document]:
    with services.sessions() as session:
        query = select(Document).where(Document.status == "trashed").order_by(Document.trashed_at.desc())
        return list(session.scalars(query))


def unsearchable_ids(services: Services) -> list[str]:
    """Documents whose passages may be stored but must not be searched: in the trash, or not yet (or no longer
    being) indexed. A document being indexed in the background has half its passages in the store already."""
    with services.sessions() as session:
        return list(session.scalars(select(Document.doc_id).where(Document.status != "indexed")))


def find_document(services: Services, doc_id_or_prefix: str, status: str | None = "indexed") -> Document:
    """A document by its id, or by an unambiguous prefix of it (ids are long hex strings); with `status` None,
    in whatever state it is (queued, being indexed, failed, in the trash)."""
    prefix = doc_id_or_prefix.strip().lower()
    if len(prefix) < 4:
        raise UnknownDocumentError(f"No document has the id {doc_id_or_prefix}: give at least its first 4 characters.")
    query = select(Document).where(Document.doc_id.startswith(prefix))
    if status is not None:
        query = query.where(Document.status == status)
    with services.sessions() as session:
        matches = list(session.scalars(query.limit(2)))
    where = {"indexed": " in your library", "trashed": " in the trash"}.get(status or "", "")
    if not matches:
        raise UnknownDocumentError(f"No document{where} has the id {doc_id_or_prefix}.")
    if len(matches) > 1:
        raise UnknownDocumentError(f"More than one document id starts with {doc_id_or_prefix}; give more of it.")
    return matches[0]


def trash_document(services: Services, doc_id: str) -> Document:
    """Takes a document out of the library and out of every search, keeping it restorable."""
    document = find_document(services, doc_id)
    _set_status(services, document.doc_id, "indexed", "trashed", trashed_at=utcnow())
    return document


def restore_document(services: Services, doc_id: str) -> Document:
    document = find_document(services, doc_id, status="trashed")
    _set_status(services, document.doc_id, "trashed", "indexed", trashed_at=None)
    return document


def _set_status(services: Services, doc_id: str, old: str, new: str, **values: object) -> None:
    with services.sessions.begin() as session:
        # Guarded on the old status, so a second click on a stale screen changes nothing twice.
        changed = session.execute(
            update(Document).where(Document.doc_id == doc_id, Document.status == old).values(status=new, **values)
        ).rowcount
    if not changed:
        raise UnknownDocumentError("That document has changed in the meantime; the page now shows it as it is.")


def delete_document(services: Services, doc_id_or_prefix: str) -> Document:
    """Deletes a document of the library for good: its passages, its file and its record."""
    document = find_document(services, doc_id_or_prefix)
    remove_document_data(services, document.doc_id)
    return document


def empty_trash(services: Services) -> int:
    trashed = list_trash(services)
    for document in trashed:
        remove_document_data(services, document.doc_id)
    return len(trashed)


def document_cards(services: Services, doc_ids: Sequence[str] | None = None) -> dict[str, DocumentCard]:
    """The cards of the indexed documents (all, or those of `doc_ids`), by doc_id."""
    return {document.doc_id: card for document, card in documents_with_cards(services, doc_ids)}


def documents_with_cards(
    services: Services, doc_ids: Sequence[str] | None = None
) -> list[tuple[Document, DocumentCard]]:
    """The indexed documents (all, or those of `doc_ids`), newest first, each with its card. A document indexed
    before cards existed gets one now, built from its stored file and saved; one whose file cannot be read is
    left out."""
    query = select(Document).where(Document.status == "indexed").order_by(Document.created_at.desc())
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
    data = (services.settings.storage_dir / document.stored_path).read_bytes()
    reader = open_pdf(data)
    pages = extract_pages(data, reader, settings=services.settings)
    card = build_card(pages, document_title(reader), document.filename, services.embedding.embeddings)
    with services.sessions.begin() as session:
        stored = session.get(Document, document.doc_id)
        if stored is not None and not stored.card:  # not built meanwhile by another page or process
            stored.card = card.model_dump()
    return card
