"""Opening DocChat in a process: the clients, and the start-up work every front end needs done first.

The one `Services` a long-lived process shares between its front ends: the Streamlit pages and the HTTP API
served beside them (app.py) must use the same clients, because the embedded store opens once per process.

This is the process's only registry of open clients, on purpose: Streamlit runs each page on its own thread,
and the API's routes on the event loop, and both must find the store already open rather than open it twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import partial
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from rag.clients import build_services
from rag.config import Settings, load_settings
from rag.errors import ConfigError
from rag.jobs.dispatch import resume_queued, sweep
from rag.jobs.sweeper import Sweeper, sweep_every
from rag.models.embedding_model import EmbeddingModel
from rag.records.repair import open_repaired
from rag.services import Services


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
        services.closers.append(Sweeper(partial(sweep, services), sweep_every(services)).close)
    return services


_lock = threading.Lock()
_open: dict[str, Services] = {}
ADDRESS_FILE = "app-address.json"


def settings_key(settings: Settings) -> str:
    values = {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in settings.model_dump().items()}
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()


def shared_services(settings: Settings | None = None) -> Services:
    """The services for these settings, opened once per process (with the background worker), then shared."""
    settings = settings or load_settings()
    key = settings_key(settings)
    with _lock:
        services = _open.get(key)
        if services is None or services.closed:
            services = _open[key] = open_services(settings, background=True)
        return services


def adopt_shared(services: Services) -> Services:
    """Makes `services` the process's own for its settings (a test's, with a fake model)."""
    with _lock:
        _open[settings_key(services.settings)] = services
    return services


def release_shared(settings: Settings) -> None:
    with _lock:
        services = _open.pop(settings_key(settings), None)
    if services is not None:
        services.close()


def publish_address(settings: Settings, url: str) -> Path:
    """Tells other processes (the CLI) where the running app's API is, while this process holds the store."""
    path = settings.storage_dir / ADDRESS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    os.replace(tmp, path)
    return path


def running_app(settings: Settings) -> str | None:
    """The API address of a live app on the same STORAGE_DIR, or None. With a Qdrant server nothing holds the
    store, so every process works directly (and in containers sharing STORAGE_DIR, the recorded pid 1 would
    name each container's own first process)."""
    if settings.qdrant_url:
        return None
    try:
        recorded = json.loads((settings.storage_dir / ADDRESS_FILE).read_text())
        os.kill(int(recorded["pid"]), 0)  # signal 0: is that process alive?
        return str(recorded["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def withdraw_address(settings: Settings) -> None:
    path = settings.storage_dir / ADDRESS_FILE
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
