"""Rebuilds the search index from the stored PDFs, e.g. after a change of embedding model.

Nothing the user added is lost on the way: the files and the library records stay where they are, and
the embedded store is moved aside, not deleted, until every document is in the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from rag.config import Settings
from rag.ingest import reindex_document
from rag.models import Document
from rag.services import open_services
from rag.store import begin_rebuild

# (document file name, position, total)
ReindexProgress = Callable[[str, int, int], None]


@dataclass
class ReindexResult:
    documents: int = 0
    chunks: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # file name -> reason


def reindex(settings: Settings, progress: ReindexProgress | None = None) -> ReindexResult:
    # Refuses, touching nothing, while the app holds the embedded store.
    rebuild = begin_rebuild(settings)
    services = open_services(settings)
    result = ReindexResult()
    try:
        # Each content once, whichever workspaces hold it (its passages carry them all), trash included.
        with services.sessions() as session:
            held = select(Document).where(Document.status.in_(("indexed", "trashed"))).order_by(Document.created_at)
            documents = list({d.doc_id: d for d in session.scalars(held)}.values())
        for position, document in enumerate(documents, 1):
            if progress:
                progress(document.filename, position, len(documents))
            try:
                result.chunks += reindex_document(services, document)
                result.documents += 1
            except FileNotFoundError:
                result.failed[document.filename] = f"its stored file {document.stored_path} is missing"
            except Exception as exc:  # noqa: BLE001 - reported per file; the others go on
                result.failed[document.filename] = str(exc) or exc.__class__.__name__
        services.store.optimize()  # one index build for the whole batch, not one per document
    finally:
        services.close()
    # Reached only without an exception: the old index stays until every document is in the new one.
    rebuild.finish(ok=not result.failed)
    return result
