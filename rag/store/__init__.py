"""Qdrant behind one small interface: Qdrant Edge in-process by default, a Qdrant server when configured.

The contract and what the backends share live in `base`; each backend imports only that, and only this
module chooses between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.config import secret
from rag.store.base import (
    BM25_LANGUAGES,
    DENSE,
    SPARSE,
    WORKSPACES,
    Hit,
    Keywords,
    Rebuild,
    SearchResult,
    VectorStore,
    identity_mismatch,
    point_id,
    prefetch_depth,
)
from rag.store.edge import EdgeRebuild, EdgeStore

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.models.embeddings import EmbeddingModel

__all__ = [
    "BM25_LANGUAGES",
    "DENSE",
    "SPARSE",
    "WORKSPACES",
    "Hit",
    "Keywords",
    "Rebuild",
    "SearchResult",
    "VectorStore",
    "begin_rebuild",
    "identity_mismatch",
    "open_store",
    "point_id",
    "prefetch_depth",
    "recorded_model",
]


def open_store(settings: Settings, embedding: EmbeddingModel) -> VectorStore:
    if settings.qdrant_url:
        # Imported here: qdrant-client takes 0.8 s to import, which the default Edge backend never needs.
        from rag.store.server import ServerStore

        return ServerStore(
            settings.qdrant_url,
            secret(settings.qdrant_api_key),
            settings.qdrant_collection,
            embedding.name,
            embedding.dimension,
        )
    return EdgeStore(settings.qdrant_path, embedding.name, embedding.dimension)


def recorded_model(settings: Settings) -> str | None:
    """The embedding model the library's index was built with, or None where there is no index yet."""
    if settings.qdrant_url:
        from rag.store.server import recorded_identity

        identity = recorded_identity(settings.qdrant_url, secret(settings.qdrant_api_key), settings.qdrant_collection)
    else:
        identity = EdgeStore.recorded_identity(settings.qdrant_path)
    model = (identity or {}).get("embedding_model")
    return model if isinstance(model, str) else None


def begin_rebuild(settings: Settings) -> Rebuild:
    """Sets the configured backend's index aside and leaves it empty, for `reindex` to fill."""
    if settings.qdrant_url:
        from rag.store.server import ServerRebuild

        return ServerRebuild.begin(settings.qdrant_url, secret(settings.qdrant_api_key), settings.qdrant_collection)
    return EdgeRebuild.begin(settings.qdrant_path)
