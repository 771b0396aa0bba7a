"""A workspace's document library: what is indexed, the trash, and removing a document with what belongs to it.

Every query here is scoped by workspace: `workspace_id` None means the owner's personal workspace, and is
refused unless AUTH_MODE=none (rag/accounts/access.py owner_workspace), so a forgotten scope fails loudly."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update

from rag.accounts.access import owner_workspace
from rag.cards import DocumentCard, build_card, summarise_in_background
from rag.cleanup import remove_record
from rag.errors import DocChatError, UnknownDocumentError
from rag.models import Document, utcnow
from rag.pdf import document_title, open_pdf
from rag.services import Services
from rag.stored_pages import stored_pages

log = logging.getLogger(__name__)


def in_workspace(services: Services, workspace_id: str | None):  # type: ignore[no-untyped-def]
    """A query of the workspace's document records."""
    return select(Document).where(Document.workspace_id == owner_workspace(services, workspace_id))


def list_documents(services: Services, workspace_id: str | None = None) -> list[Document]:
    with services.sessions() as session:
        query = in_workspace(services, workspace_id).where(Document.status == "indexed")
        return list(session.scalars(query.order_by(Document.created_at.desc())))


def list_trash(services: Services, workspace_id: str | None = None) -> list[Document]:
    with services.sessions() as session:
        query = in_workspace(services, workspace_id).where(Document.status == "trashed")
        return list(session.scalars(query.order_by(Document.trashed_at.desc())))


def unsearchable_ids(services: Services, workspace_id: str | None = None) -> list[str]:
    """The workspace's documents whose passages may be stored but must not be searched: in the trash, or not
    yet (or no longer being) indexed. A document being indexed in the background has half its passages stored."""
    workspace = owner_workspace(services, workspace_id)
    query = select(Document.doc_id).where(Document.workspace_id == workspace, Document.status != "indexed")
    with services.sessions() as session:
        return list(session.scalars(query))


def find_document(
    services: Services, doc_id_or_prefix: str, status: str | None = "indexed", workspace_id: str | None = None
) -> Document:
    """A document by its id, or by an unambiguous prefix of it (ids are long hex strings); with `status` None,
    in whatever state it is (queued, being indexed, failed, in the trash)."""
    prefix = doc_id_or_prefix.strip().lower()
    if len(prefix) < 4:
        raise UnknownDocumentError(f"No document has the id {doc_id_or_prefix}: give at least its first 4 characters.")
    query = in_workspace(services, workspace_id).where(Document.doc_id.startswith(prefix))
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


def trash_document(services: Services, doc_id: str, workspace_id: str | None = None) -> Document:
    """Takes a document out of the library and out of every search, keeping it restorable."""
    document = find_document(services, doc_id, workspace_id=workspace_id)
    _set_status(services, document, "indexed", "trashed", trashed_at=utcnow())
    return document


def restore_document(services: Services, doc_id: str, workspace_id: str | None = None) -> Document:
    document = find_document(services, doc_id, status="trashed", workspace_id=workspace_id)
    _set_status(services, document, "trashed", "indexed", trashed_at=None)
    return document


def _set_status(services: Services, document: Document, old: str, new: str, **values: object) -> None:
    mine = (Document.workspace_id == document.workspace_id, Document.doc_id == document.doc_id)
    with services.sessions.begin() as session:
        # Guarded on the old status, so a second click on a stale screen changes nothing twice.
        changed = session.execute(
            update(Document).where(*mine, Document.status == old).values(status=new, **values)
        ).rowcount
    if not changed:
        raise UnknownDocumentError("That document has changed in the meantime; the page now shows it as it is.")


def delete_document(services: Services, doc_id_or_prefix: str, workspace_id: str | None = None) -> Document:
    """Deletes a document of the workspace's library for good. Its passages and its file go with the last
    workspace that holds the same content."""
    document = find_document(services, doc_id_or_prefix, workspace_id=workspace_id)
    remove_record(services, document.workspace_id, document.doc_id)
    return document


def empty_trash(services: Services, workspace_id: str | None = None) -> int:
    trashed = list_trash(services, workspace_id)
    for document in trashed:
        remove_record(services, document.workspace_id, document.doc_id)
    return len(trashed)


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
    pages = stored_pages(services, document)
    title = document_title(open_pdf((services.settings.storage_dir / document.stored_path).read_bytes()))
    card = build_card(pages, title, document.filename, services.embedding.embeddings)
    with services.sessions.begin() as session:
        # Every workspace's record of the same content: the card is the content's.
        for stored in session.scalars(select(Document).where(Document.doc_id == document.doc_id)):
            if not stored.card:  # not built meanwhile by another page or process
                stored.card = card.model_dump()
    return card
