"""The long-lived clients DocChat needs, built once per process and passed to service functions."""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from functools import cached_property

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rag.config import Settings
from rag.db import init_db, make_engine
from rag.embeddings import EmbeddingModel, build_embeddings
from rag.llm import build_llm
from rag.vectorstore import VectorStore, open_store


@dataclass
class Services:
    settings: Settings
    embedding: EmbeddingModel
    store: VectorStore
    engine: Engine
    sessions: sessionmaker[Session]
    _closed: bool = field(default=False, repr=False)

    @cached_property
    def llm(self) -> BaseChatModel:
        # Loaded on first use: ingestion and retrieval-only runs never pay for it.
        return build_llm(self.settings)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.store.close()
        self.engine.dispose()


def open_services(settings: Settings | None = None, embedding: EmbeddingModel | None = None) -> Services:
    """Opens everything; `embedding` lets callers that already hold the model (tests) share it."""
    settings = settings or Settings()
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    embedding = embedding or build_embeddings(settings)
    store = open_store(settings, embedding)
    engine = make_engine(settings.db_url)
    try:
        sessions = init_db(engine)
    except Exception:
        store.close()
        raise
    services = Services(settings, embedding, store, engine, sessions)
    # An embedded store left open at exit loses its last writes and prints a traceback.
    atexit.register(services.close)
    return services
