"""Rebuilds the search index from the stored PDFs, e.g. after a change of embedding model.

Nothing the user added is lost on the way: the files and the library records stay where they are, and
the embedded store is moved aside, not deleted, until every document is in the new one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

from qdrant_client import QdrantClient

from rag.config import Settings, secret
from rag.ingest import reindex_document
from rag.library import index_new_passages, list_documents
from rag.services import open_services
from rag.store_lock import StoreLock

# (document file name, position, total)
ReindexProgress = Callable[[str, int, int], None]


@dataclass
class ReindexResult:
    documents: int = 0
    chunks: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # file name -> reason


def reindex(settings: Settings, progress: ReindexProgress | None = None) -> ReindexResult:
    previous = settings.qdrant_path.with_name(settings.qdrant_path.name + ".previous")
    if settings.qdrant_url:
        with QdrantClient(location=settings.qdrant_url, api_key=secret(settings.qdrant_api_key), timeout=30) as client:
            if client.collection_exists(settings.qdrant_collection):
                client.delete_collection(settings.qdrant_collection)
    elif settings.qdrant_path.exists():
        # Moving the folder from under the running app would lose its writes: refuse first, touching nothing.
        StoreLock(settings.qdrant_path).release()
        if previous.exists():
            # An earlier run stopped half-way: its backup is the real old index, the folder a partial new one.
            shutil.rmtree(settings.qdrant_path)
        else:
            settings.qdrant_path.rename(previous)

    services = open_services(settings)
    result = ReindexResult()
    try:
        documents = list_documents(services)
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
        index_new_passages(services)
    finally:
        services.close()
    if previous.exists() and not result.failed:
        shutil.rmtree(previous)
    return result
