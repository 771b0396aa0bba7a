"""A re-index on the workers: one task per document, each embedding it into the collection being built, and
its outcome written to a Redis hash that `reindex` (the command) waits on. Only with a Qdrant server, which
the workers and the command share."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

from sqlalchemy import select

from rag.config import Settings
from rag.database.tables import Document
from rag.errors import StoreError
from rag.indexing.index import reindex_document
from rag.runners import broker
from rag.services import Services

# A run's outcomes outlive a command that was stopped, for a day, then Redis drops them.
OUTCOMES_TTL_S = 24 * 3600
WAIT_POLL_S = 1.0
# The longest a re-index waits without any worker finishing a document: a large manual takes minutes.
SILENCE_S = 30 * 60


def outcomes_key(run_id: str) -> str:
    return f"docchat:reindex:{run_id}"


def reembed_on_workers(
    services: Services, doc_ids: list[str], progress: Callable[[str, int, int], None]
) -> dict[str, int | str]:
    """Sends the documents to the workers and waits for each one's outcome: its passages, or why it failed."""
    run_id = uuid.uuid4().hex
    collection = services.settings.qdrant_collection
    for doc_id in doc_ids:
        services.queue.send_task(broker.REINDEX_TASK, args=[doc_id, collection, run_id], retry=False)
    outcomes: dict[str, int | str] = {}
    heard = time.monotonic()
    with broker.client(services.settings) as redis:
        while len(outcomes) < len(doc_ids):
            for doc_id, raw in redis.hgetall(outcomes_key(run_id)).items():
                name = doc_id.decode()
                if name not in outcomes:
                    outcomes[name] = json.loads(raw)
                    heard = time.monotonic()
                    progress(name[:12], len(outcomes), len(doc_ids))
            if time.monotonic() - heard > SILENCE_S:
                raise StoreError(
                    f"No worker has finished a document of the re-index for {SILENCE_S // 60} minutes: are workers "
                    "running (`celery -A rag.jobs.celery_worker worker`)? The live collection is untouched; run "
                    "`python -m rag reindex` again once they are."
                )
            time.sleep(WAIT_POLL_S)
    return outcomes


def reembed_one(services: Services, settings: Settings, doc_id: str, run_id: str) -> int | str:
    """On a worker: embeds one document into the collection `services` writes to, and reports the outcome."""
    with services.sessions() as session:
        document = session.scalar(select(Document).where(Document.doc_id == doc_id).limit(1))
    if document is None:
        outcome: int | str = "it was deleted during the re-index"
    else:
        try:
            outcome = reindex_document(services, document)
        except FileNotFoundError:
            outcome = f"its stored file {document.stored_path} is missing"
        except Exception as exc:  # noqa: BLE001 - reported to the command, which names the file
            outcome = str(exc) or exc.__class__.__name__
    with broker.client(settings) as redis:
        redis.hset(outcomes_key(run_id), doc_id, json.dumps(outcome))
        redis.expire(outcomes_key(run_id), OUTCOMES_TTL_S)
    return outcome
