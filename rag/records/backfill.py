"""Passages stored before workspaces existed get theirs, in place, at the first start after the upgrade: the
migration (0007) moved their documents into the owner's workspace, and a migration cannot reach the store."""

from __future__ import annotations

from sqlalchemy import select

from rag.database.tables import Document
from rag.records.cleanup import sync_workspaces
from rag.services import Services


def backfill_workspaces(services: Services) -> int:
    """Gives every stored document's passages the workspaces holding it, if any passage has none; returns how
    many documents were updated. No passage is embedded again."""
    if not services.store.count_without_workspaces():
        return 0
    with services.sessions() as session:
        doc_ids = list(dict.fromkeys(session.scalars(select(Document.doc_id).where(Document.status != "failed"))))
    for doc_id in doc_ids:
        sync_workspaces(services, doc_id)
    return len(doc_ids)
