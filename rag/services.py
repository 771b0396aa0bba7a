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

from rag.accounts.backfill import backfill_workspaces
from rag.background import BackgroundWorker
from rag.cleanup import purge_incomplete
from rag.config import Settings, load_settings
from rag.db import init_db, make_engine
from rag.embeddings import EmbeddingModel, build_embeddings
from rag.errors import ConfigError, DocChatError, LLMError
from rag.llm import build_llm
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
        from rag.queue import build_celery

        return build_celery(self.settings)

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
            raise LLMError(_model_failure(self.settings, exc)) from exc

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


def _model_failure(settings: Settings, exc: Exception) -> str:
    if settings.llm_provider == "openai":
        return f"The language model could not be set up: {exc}"
    where = f"LOCAL_LLM_PATH={settings.local_llm_path}" if settings.local_llm_path else "the bundled model"
    reason = "the file does not exist" if isinstance(exc, FileNotFoundError) else "it is not a usable GGUF model file"
    return (
        f"The local language model cannot be loaded ({where}: {reason}). Point LOCAL_LLM_PATH at a GGUF "
        "model file, or unset it to use the bundled model, then ask again."
    )


def open_services(
    settings: Settings | None = None,
    embedding: EmbeddingModel | None = None,
    *,
    store: bool = True,
    llm: BaseChatModel | None = None,
) -> Services:
    """Opens everything; `embedding` and `llm` let callers that already hold a model (tests) pass it in.
    With `store=False` the vector store waits until something needs it. With the store open, what a crash left
    half-indexed is removed first, so no caller starts on a half-written library."""
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
            purge_incomplete(services)
            backfill_workspaces(services)
        except BaseException:
            services.close()
            raise
    # An embedded store left open at exit loses its last writes and prints a traceback.
    atexit.register(services.close)
    return services
