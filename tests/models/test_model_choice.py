"""How a library chooses its embedding model: EMBEDDINGS_MODEL=auto keeps the one it was indexed with, MiniLM for a
new one; `reindex --model` changes it, and refuses, touching nothing, what the app would then refuse."""

import pytest

from rag.clients import build_services
from rag.config import Settings
from rag.errors import ConfigError, StoreError
from rag.indexing.reindex import reindex
from rag.models.embeddings import (
    LOCAL_MODEL_NAME,
    MULTILINGUAL_MODEL_NAME,
    build_embeddings,
    chosen_local_model,
    english_only,
)
from rag.store.edge import EdgeStore


def _settings(tmp_path, **values) -> Settings:
    return Settings(_env_file=None, storage_dir=tmp_path / "s", embeddings_provider="local", **values)


def test_auto_keeps_the_recorded_model_and_a_setting_wins(tmp_path):
    auto = _settings(tmp_path)
    assert chosen_local_model(auto, None) == "minilm"
    assert chosen_local_model(auto, f"{LOCAL_MODEL_NAME}+int8") == "minilm"
    assert chosen_local_model(auto, MULTILINGUAL_MODEL_NAME) == "multilingual"
    assert chosen_local_model(_settings(tmp_path, embeddings_model="minilm"), MULTILINGUAL_MODEL_NAME) == "minilm"
    assert build_embeddings(_settings(tmp_path, embeddings_model="multilingual")).name == MULTILINGUAL_MODEL_NAME
    assert english_only(f"{LOCAL_MODEL_NAME}+int8") and not english_only(MULTILINGUAL_MODEL_NAME)


def test_a_multilingual_library_opens_with_its_model_unless_the_settings_say_otherwise(tmp_path):
    settings = _settings(tmp_path)
    EdgeStore(settings.qdrant_path, MULTILINGUAL_MODEL_NAME, 384).close()  # as `reindex --model multilingual` leaves it
    services = build_services(settings)
    try:
        assert services.embedding.name == MULTILINGUAL_MODEL_NAME  # named, not loaded: nothing was embedded
    finally:
        services.close()
    with pytest.raises(StoreError, match="python -m rag reindex"):
        build_services(_settings(tmp_path, embeddings_model="minilm"))


@pytest.mark.parametrize(
    ("values", "model", "said"),
    [
        ({"embeddings_model": "minilm"}, "multilingual", "EMBEDDINGS_MODEL is set to minilm"),
        ({"embeddings_provider": "openai", "openai_api_key": "sk-test"}, "multilingual", "OPENAI_EMBEDDINGS_MODEL"),
        ({}, "klingon", "choose minilm or multilingual"),
    ],
)
def test_reindex_refuses_a_model_the_app_would_not_open_and_moves_nothing(tmp_path, values, model, said):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "s", **({"embeddings_provider": "local"} | values))
    EdgeStore(settings.qdrant_path, f"{LOCAL_MODEL_NAME}+int8", 384).close()
    before = sorted(p.name for p in settings.qdrant_path.iterdir())
    with pytest.raises(ConfigError, match=said):
        reindex(settings, model=model)
    assert sorted(p.name for p in settings.qdrant_path.iterdir()) == before
    assert not (tmp_path / "s" / "qdrant.previous").exists()


def test_nothing_relevant_is_judged_on_the_model_s_own_scale_unless_set(tmp_path):
    from rag.answering.retrieval import make_retriever
    from rag.models.embedding_model import EmbeddingModel
    from rag.models.fake_embeddings import FAKE_DIMENSION, HashedWordEmbeddings
    from rag.usecases.startup import open_services

    model = EmbeddingModel("a-model-whose-cosines-run-high", FAKE_DIMENSION, HashedWordEmbeddings, min_relevance=0.8)
    for setting, used in ((None, 0.8), (0.3, 0.3)):
        settings = Settings(_env_file=None, storage_dir=tmp_path / f"s{setting}", min_relevance=setting)
        services = open_services(settings, model)
        try:
            assert make_retriever(services).min_relevance == used
        finally:
            services.close()
    assert build_embeddings(_settings(tmp_path)).min_relevance == 0.25  # MiniLM's, measured on bench/qa
