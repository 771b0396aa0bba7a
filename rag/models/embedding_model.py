"""The shape every embedder is handed around in: the model, and the identity a collection records for it. Its own
module, importing nothing of the project, so the `Services` that hold it stay near the bottom of the imports."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from langchain_core.embeddings import Embeddings


class EmbeddingModel:
    """An embedding model and the identity a collection records for it.

    The model itself loads on first use, so commands that only read the library (docs, delete)
    start in a fraction of a second instead of loading torch.
    """

    def __init__(
        self,
        name: str,
        dimension: int,
        factory: Callable[[], Embeddings],
        min_relevance: float = 0.25,
        min_relevance_across: float | None = None,
    ) -> None:
        self.name, self.dimension, self._factory = name, dimension, factory
        # Below this cosine similarity of the best passage, nothing in the library is about the question. Each
        # model has its own scale: MiniLM puts everyday questions at 0.14-0.22 from a manual, multilingual-e5 at
        # 0.745-0.836 (rag/models/embeddings.py). MIN_RELEVANCE overrides it.
        self.min_relevance = min_relevance
        # The same for the best passage in another language than the question's, where a model that meets meaning
        # across languages scores lower (None: one that does not, MiniLM). MIN_RELEVANCE overrides it too.
        self.min_relevance_across = min_relevance_across

    @cached_property
    def embeddings(self) -> Embeddings:
        embeddings = self._factory()
        actual = len(embeddings.embed_query("dimension probe"))
        if actual != self.dimension:
            raise ValueError(f"{self.name} produced {actual}-dimensional vectors, expected {self.dimension}.")
        return embeddings
