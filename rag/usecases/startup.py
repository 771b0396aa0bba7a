"""Opening DocChat in a process: the clients, and the start-up work every front end needs done first."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from rag.config import Settings, load_settings
from rag.embeddings import EmbeddingModel
from rag.services import Services
from rag.services import open_services as _open_services
from rag.usecases.documents import resume_queued


def open_services(
    settings: Settings | None = None,
    *,
    store: bool = True,
    background: bool = False,
    embedding: EmbeddingModel | None = None,
    llm: BaseChatModel | None = None,
) -> Services:
    """Opens the models, the database and (unless `store=False`) the store, after removing what a crash left
    half-written. A long-lived process (the app, the API) passes `background=True`: uploads an earlier run
    accepted but did not index are indexed now, in the background."""
    services = _open_services(settings or load_settings(), embedding, store=store, llm=llm)
    if background and store:
        resume_queued(services)
    return services
