"""The long-lived clients DocChat needs, built once per process and passed to service functions."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rag.config import Settings, load_settings
from rag.database.engine import init_db, make_engine
from rag.errors import ConfigError, DocChatError, LLMError
from rag.models.capabilities import capabilities_of
from rag.models.chat import build_llm, load_failure
from rag.models.embeddings import EmbeddingModel, build_embeddings
from rag.runners.background import BackgroundWorker
from rag.schemas import ModelCapabilities
from rag.store import VectorStore, open_store

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    embedding: EmbeddingModel
    engine: Engine
    sessions: sessionmaker[Session]
    # A chat model given by the caller (a fake one in the fast tests); None builds the configured one.
    chat_model: BaseChatModel | None = field(default=None, repr=False)
    # Run first at close: threads that use the clients below (the job queue's sweeper).
    closers: list[Callable[[], object]] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)

    @cached_property
    def store(self) -> VectorStore:
        # Opened on first use: listing documents or conversations needs only the database, so it works
        # while another process (the running app) holds the embedded store.
        return open_store(self.settings, self.embedding)

    @cached_property
    def worker(self) -> BackgroundWorker:
        return BackgroundWorker()

    @cached_property
    def queue(self) -> Celery:
        # Built on first use, with CELERY_BROKER_URL only: the embedded default never imports Celery.
        from rag.runners.broker import build_celery

        return build_celery(self.settings)

    @property
    def capabilities(self) -> ModelCapabilities:
        # From the settings alone, each time: asking what the model can do never loads it, and follows the settings.
        return capabilities_of(self.settings)

    @cached_property
    def llm(self) -> BaseChatModel:
        # Loaded on first use: ingestion and retrieval-only runs never pay for it. Not cached on failure,
        # so a fixed model file is picked up by the next question without a restart.
        if self.chat_model is not None:
            return self.chat_model
        try:
            return build_llm(self.settings)
        except DocChatError:
            raise
        except Exception as exc:
            log.info("loading the language model failed", exc_info=True)
            raise LLMError(load_failure(self.settings, exc)) from exc

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for closer in self.closers:
            closer()
        if "queue" in self.__dict__:
            self.queue.close()
        if "worker" in self.__dict__:
            self.worker.close()  # before the store: a running job hands its document back through it
        if "store" in self.__dict__:
            self.store.close()
        self.engine.dispose()


def build_services(
    settings: Settings | None = None,
    embedding: EmbeddingModel | None = None,
    *,
    store: bool = True,
    llm: BaseChatModel | None = None,
) -> Services:
    """Builds the clients; `embedding` and `llm` let callers that already hold a model (tests) pass it in.
    With `store=False` the vector store waits until something needs it. Nothing is repaired here: a process
    opens DocChat through rag/usecases/startup.py (or a worker through rag/records/repair.py), which removes
    what a crash left half-written before any work starts."""
    settings = settings or load_settings()
    if store and settings.shared_store_problem and not settings.edge_worker:
        raise ConfigError(settings.shared_store_problem)  # before Edge's lock could say it less clearly
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    embedding = embedding or build_embeddings(settings)
    engine = make_engine(settings.db_url)
    try:
        sessions = init_db(engine)
    except BaseException:
        engine.dispose()
        raise
    services = Services(settings, embedding, engine, sessions, llm)
    if store:
        try:
            services.store  # noqa: B018 - opened now, so a refusal comes before any work starts
        except BaseException:
            services.close()
            raise
    # An embedded store left open at exit loses its last writes and prints a traceback.
    atexit.register(services.close)
    return services
