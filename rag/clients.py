"""Builds a process's clients (`Services`, rag/services.py) from the settings: the one module that knows which
adapter serves each setting, and how each slow client is opened on first use."""

from __future__ import annotations

import atexit
import logging
from functools import partial
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel

from rag.config import Settings, load_settings
from rag.database.engine import init_db, make_engine
from rag.errors import ConfigError, DocChatError, LLMError
from rag.models.capabilities import capabilities_of
from rag.models.chat import build_llm, load_failure
from rag.models.embeddings import EmbeddingModel, build_embeddings
from rag.services import Services
from rag.store import open_store, recorded_model

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)


def _load_llm(settings: Settings) -> BaseChatModel:
    try:
        return build_llm(settings)
    except DocChatError:
        raise
    except Exception as exc:
        log.info("loading the language model failed", exc_info=True)
        raise LLMError(load_failure(settings, exc)) from exc


def _build_queue(settings: Settings) -> Celery:
    # Imported here: the embedded default (no CELERY_BROKER_URL) never imports Celery.
    from rag.runners.broker import build_celery

    return build_celery(settings)


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
    if embedding is None:
        # EMBEDDINGS_MODEL=auto keeps the model the library was built with (a `reindex --model` changed it).
        follow = settings.embeddings_model == "auto" and settings.embeddings_provider == "local"
        embedding = build_embeddings(settings, recorded_model(settings) if follow else None)
    engine = make_engine(settings.db_url)
    try:
        sessions = init_db(engine)
    except BaseException:
        engine.dispose()
        raise
    services = Services(
        settings,
        embedding,
        engine,
        sessions,
        open_store=partial(open_store, settings, embedding),
        load_llm=partial(_load_llm, settings),
        build_queue=partial(_build_queue, settings),
        describe_model=partial(capabilities_of, settings),
        chat_model=llm,
    )
    if store:
        try:
            services.store  # noqa: B018 - opened now, so a refusal comes before any work starts
        except BaseException:
            services.close()
            raise
    # An embedded store left open at exit loses its last writes and prints a traceback.
    atexit.register(services.close)
    return services
