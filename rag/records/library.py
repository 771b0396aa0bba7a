"""A workspace's document library: what is indexed, the trash, and removing a document with what belongs to it.

Every query here is scoped by workspace: `workspace_id` None means the owner's personal workspace, and is
refused unless AUTH_MODE=none (rag/accounts/access.py owner_workspace), so a forgotten scope fails loudly."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from rag.accounts.users import owner_workspace
from rag.database.tables import Document, utcnow
from rag.errors import UnknownDocumentError
from rag.records.cleanup import remove_record
from rag.services import Services

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


def library_names(services: Services, workspace_id: str | None = None) -> dict[str, str]:
    """The workspace's own names of its documents, by id. A passage keeps the name of whoever indexed its content
    first, maybe in another workspace: shown as is, it told a user who else held the file, and under what name."""
    workspace = owner_workspace(services, workspace_id)
    query = select(Document.doc_id, Document.filename).where(Document.workspace_id == workspace)
    with services.sessions() as session:
        return dict(session.execute(query).tuples().all())


def library_languages(services: Services, workspace_id: str | None = None) -> list[str]:
    """The languages the workspace's searchable documents are written in (rag/language/), English first."""
    workspace = owner_workspace(services, workspace_id)
    query = select(Document.language).where(Document.workspace_id == workspace, Document.status == "indexed").distinct()
    with services.sessions() as session:
        found = {language for language in session.scalars(query) if language}
    return sorted(found, key=lambda language: (language != "en", language))


def find_document(
    services: Services, doc_id_or_prefix: str, status: str | None = "indexed", workspace_id: str | None = None
) -> Document:
    """A document by its id, or by an unambiguous prefix of it (ids are long hex strings); with `status` None,
    in whatever state it is (queued, being indexed, failed, in the trash)."""
    prefix = doc_id_or_prefix.strip().lower()
    if len(prefix) < 4:
        raise UnknownDocumentError(f"No document has the id {doc_id_or_prefix}: give at least its first 4 characters.")
    query = in_workspace(services, workspace_id).where(Document.doc_id.startswith(prefix, autoescape=True))
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
