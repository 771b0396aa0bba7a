"""The document library: what is indexed, and removing a document with everything that belongs to it."""

from __future__ import annotations

from sqlalchemy import select

from rag.ingest import remove_document_data
from rag.models import Document
from rag.services import Services


class UnknownDocumentError(LookupError):
    pass


def list_documents(services: Services) -> list[Document]:
    with services.sessions() as session:
        query = select(Document).where(Document.status == "indexed").order_by(Document.created_at.desc())
        return list(session.scalars(query))


def find_document(services: Services, doc_id_or_prefix: str) -> Document:
    """A document by its id, or by an unambiguous prefix of it (ids are long hex strings)."""
    prefix = doc_id_or_prefix.strip().lower()
    if len(prefix) < 4:
        raise UnknownDocumentError("Give at least the first 4 characters of the document id.")
    with services.sessions() as session:
        matches = list(
            session.scalars(
                select(Document).where(Document.status == "indexed", Document.doc_id.startswith(prefix)).limit(2)
            )
        )
    if not matches:
        raise UnknownDocumentError(f"No document in your library has the id {doc_id_or_prefix}.")
    if len(matches) > 1:
        raise UnknownDocumentError(f"More than one document id starts with {doc_id_or_prefix}; give more of it.")
    return matches[0]


def delete_document(services: Services, doc_id_or_prefix: str) -> Document:
    document = find_document(services, doc_id_or_prefix)
    remove_document_data(services, document.doc_id)
    return document


def purge_incomplete(services: Services) -> int:
    """Removes documents a crash left half-indexed. Safe only while this process owns the store."""
    with services.sessions() as session:
        stale = list(session.scalars(select(Document.doc_id).where(Document.status != "indexed")))
    for doc_id in stale:
        remove_document_data(services, doc_id)
    return len(stale)


def index_new_passages(services: Services) -> None:
    """Builds the search indexes over what a batch of uploads added; call once per batch."""
    services.store.optimize()
