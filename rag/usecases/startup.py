"""Opening DocChat in a process: the clients, and the start-up work every front end needs done first."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from rag.config import Settings, load_settings
from rag.errors import ConfigError
from rag.jobs.sweeper import Sweeper, sweep_every
from rag.models.embeddings import EmbeddingModel
from rag.records.repair import open_repaired
from rag.services import Services, build_services
from rag.usecases.documents import resume_queued


def open_services(
    settings: Settings | None = None,
    embedding: EmbeddingModel | None = None,
    *,
    store: bool = True,
    background: bool = False,
    llm: BaseChatModel | None = None,
) -> Services:
    """Opens the models, the database and (unless `store=False`) the store, after removing what a crash left
    half-written. A long-lived process (the app, the API) passes `background=True`: uploads an earlier run
    accepted but did not index are indexed now, in the background, and a sweeper hands the scheduler, every few
    seconds, what waits in the database but not in its queue (rag/jobs/sweeper.py)."""
    settings = settings or load_settings()
    if background and store and settings.shared_store_problem:
        # The app answers from the store; workers beside it need a store that several processes share.
        raise ConfigError(settings.shared_store_problem)
    services = build_services(settings, embedding, store=store, llm=llm)
    if store:
        open_repaired(services)
    if background and store:
        # The embedding model loads now, on this one thread, not on first use: an upload's job and a page's
        # question loading it at once on two threads raced in transformers' lazy imports, and the job failed
        # with "Could not import module 'PreTrainedModel'" (seen once in the browser upload test).
        services.embedding.embeddings  # noqa: B018
        resume_queued(services)
        services.closers.append(Sweeper(services, sweep_every(services)).close)
    return services
