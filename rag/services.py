"""The long-lived clients DocChat needs, held once per process and passed to service functions.

This module only holds them: rag/clients.py builds them from the settings and hands in how the slower ones
(the store, the chat model, Celery) are opened on first use. So the modules below every library function
(this one, the store's contract, the settings) stay few, and no library module reaches an adapter through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rag.config import Settings
from rag.models.embedding_model import EmbeddingModel
from rag.runners.background import BackgroundWorker
from rag.runners.finisher import AnswerFinisher
from rag.schemas import ModelCapabilities
from rag.store.base import VectorStore

if TYPE_CHECKING:
    from celery import Celery


@dataclass
class Services:
    settings: Settings
    embedding: EmbeddingModel
    engine: Engine
    sessions: sessionmaker[Session]
    # How the clients below are opened, on first use (rag/clients.py).
    open_store: Callable[[], VectorStore] = field(repr=False)
    load_llm: Callable[[], BaseChatModel] = field(repr=False)
    build_queue: Callable[[], Celery] = field(repr=False)
    describe_model: Callable[[], ModelCapabilities] = field(repr=False)
    # A chat model given by the caller (a fake one in the fast tests); None loads the configured one.
    chat_model: BaseChatModel | None = field(default=None, repr=False)
    # Run first at close: threads that use the clients below (the job queue's sweeper).
    closers: list[Callable[[], object]] = field(default_factory=list, repr=False)
    _closed: bool = field(default=False, repr=False)

    @cached_property
    def store(self) -> VectorStore:
        # Opened on first use: listing documents or conversations needs only the database, so it works
        # while another process (the running app) holds the embedded store.
        return self.open_store()

    @cached_property
    def worker(self) -> BackgroundWorker:
        return BackgroundWorker()

    @cached_property
    def finisher(self) -> AnswerFinisher:
        return AnswerFinisher()

    @cached_property
    def queue(self) -> Celery:
        # Built on first use, with CELERY_BROKER_URL only: the embedded default never imports Celery.
        return self.build_queue()

    @property
    def capabilities(self) -> ModelCapabilities:
        # From the settings alone, each time: asking what the model can do never loads it.
        return self.describe_model()

    @cached_property
    def llm(self) -> BaseChatModel:
        # Loaded on first use: ingestion and retrieval-only runs never pay for it. Not cached on failure,
        # so a fixed model file is picked up by the next question without a restart.
        if self.chat_model is not None:
            return self.chat_model
        return self.load_llm()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for closer in self.closers:
            closer()
        if "finisher" in self.__dict__:
            self.finisher.close()  # first: its answers store what they have through the clients below
        if "queue" in self.__dict__:
            self.queue.close()
        if "worker" in self.__dict__:
            self.worker.close()  # before the store: a running job hands its document back through it
        if "store" in self.__dict__:
            self.store.close()
        self.engine.dispose()
