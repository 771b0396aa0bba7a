"""Rebuilds the search index from the stored PDFs, e.g. after a change of embedding model or of passage size.

Nothing the user added is lost on the way: the files and the library records stay where they are.
- Qdrant Edge: the store folder is moved aside, not deleted, until every document is in the new one. The app
  must be stopped (it holds the folder), so nothing is uploaded meanwhile.
- A Qdrant server: a new collection is built beside the live one, which goes on answering, then the alias the
  app searches is switched to it in one step (rag/store/server.py ServerRebuild). With a broker, the workers
  embed the documents. Uploads that arrive meanwhile are indexed into the live collection as usual, and are
  embedded into the new one too: before the switch by the passes below, and, for those still being indexed at
  the switch, right after it, when they are missing from searches for the seconds that takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from rag.clients import build_services
from rag.config import Settings
from rag.database.tables import Document
from rag.errors import ConfigError
from rag.indexing.index import reindex_document
from rag.models.embeddings import chosen_local_model
from rag.records.cleanup import holders, sync_workspaces
from rag.records.repair import open_repaired
from rag.services import Services
from rag.store import begin_rebuild, recorded_model

# (document file name, position, total)
ReindexProgress = Callable[[str, int, int], None]
# How long the switch waits for uploads being indexed at that moment, before embedding them again.
SETTLE_SECONDS = 600


@dataclass
class ReindexResult:
    documents: int = 0
    chunks: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # file name -> reason


def _held(services: Services) -> list[Document]:
    """Each content once, whichever workspaces hold it (its passages carry them all), trash included."""
    held = select(Document).where(Document.status.in_(("indexed", "trashed"))).order_by(Document.created_at)
    with services.sessions() as session:
        return list({d.doc_id: d for d in session.scalars(held)}.values())


def _reembed(services: Services, documents: list[Document], result: ReindexResult, progress: ReindexProgress) -> None:
    if services.settings.celery_broker_url and services.settings.qdrant_url:
        from rag.indexing.reindex_workers import reembed_on_workers

        outcomes = reembed_on_workers(services, [d.doc_id for d in documents], progress)
    else:
        outcomes = {}
        for position, document in enumerate(documents, 1):
            progress(document.filename, position, len(documents))
            try:
                outcomes[document.doc_id] = reindex_document(services, document)
            except FileNotFoundError:
                outcomes[document.doc_id] = f"its stored file {document.stored_path} is missing"
            except Exception as exc:  # noqa: BLE001 - reported per file; the others go on
                outcomes[document.doc_id] = str(exc) or exc.__class__.__name__
    for document in documents:
        outcome = outcomes.get(document.doc_id, "no worker reported it")
        if isinstance(outcome, int):
            result.documents += 1
            result.chunks += outcome
        else:
            result.failed[document.filename] = outcome


def _with_model(settings: Settings, model: str | None) -> Settings:
    """The settings a re-index embeds with: `model` in place of EMBEDDINGS_MODEL, checked before anything moves."""
    if model is None:
        if settings.embeddings_provider != "local" or settings.embeddings_model != "auto":
            return settings
        # Read now: the new index records nothing yet, and "auto" would take MiniLM for it.
        model = chosen_local_model(settings, recorded_model(settings))
    if model not in ("minilm", "multilingual"):
        raise ConfigError(f"There is no embedding model called “{model}”: choose minilm or multilingual.")
    if settings.embeddings_provider != "local":
        raise ConfigError(
            f"--model chooses between DocChat's own local models, but EMBEDDINGS_PROVIDER is "
            f"{settings.embeddings_provider}: set OPENAI_EMBEDDINGS_MODEL instead, or unset the provider."
        )
    if settings.embeddings_model not in ("auto", model):
        # The app would refuse the library the moment it opened it.
        raise ConfigError(
            f"EMBEDDINGS_MODEL is set to {settings.embeddings_model} in your settings: set it to {model}, "
            "or remove it (auto keeps the model the library was indexed with), then run this again."
        )
    return settings.model_copy(update={"embeddings_model": model})


def reindex(settings: Settings, progress: ReindexProgress | None = None, model: str | None = None) -> ReindexResult:
    settings = _with_model(settings, model)
    # Refuses, touching nothing, while the app holds the embedded store.
    rebuild = begin_rebuild(settings)
    target = settings.model_copy(update={"qdrant_collection": rebuild.target}) if rebuild.target else settings
    services = open_repaired(build_services(target))
    result, done = ReindexResult(), set()
    report = progress or (lambda _name, _position, _total: None)
    try:
        # Again until a pass finds nothing new: uploads indexed into the live collection meanwhile.
        while todo := [d for d in _held(services) if d.doc_id not in done]:
            _reembed(services, todo, result, report)
            done |= {d.doc_id for d in todo}
            if rebuild.target is None:
                break  # Edge: nothing else can have been added
        services.store.optimize()  # one index build for the whole batch, not one per document
    finally:
        services.close()
    # Reached only without an exception: the old index stays until every document is in the new one.
    rebuild.finish(ok=not result.failed)
    if rebuild.target is not None and not result.failed:
        _after_switch(settings, done, result, report)
    return result


def _after_switch(settings: Settings, done: set[str], result: ReindexResult, progress: ReindexProgress) -> None:
    """What changed in the live collection during the last pass: uploads being indexed at the switch, documents
    deleted, workspaces that joined or left a document."""
    services = open_repaired(build_services(settings))
    try:
        deadline = time.monotonic() + SETTLE_SECONDS
        while _indexing(services) and time.monotonic() < deadline:
            time.sleep(1.0)
        _reembed(services, [d for d in _held(services) if d.doc_id not in done], result, progress)
        for doc_id in done:
            if holders(services, doc_id):
                sync_workspaces(services, doc_id)
            else:
                services.store.delete_document(doc_id)
    finally:
        services.close()


def _indexing(services: Services) -> bool:
    with services.sessions() as session:
        return session.scalar(select(Document.doc_id).where(Document.status == "indexing").limit(1)) is not None
