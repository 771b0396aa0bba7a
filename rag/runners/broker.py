"""The job queue when CELERY_BROKER_URL is set: Celery over Redis, configured from the settings.

Only this module and the worker's (rag/jobs/celery_worker.py) know Celery; the rest sees "send this document's job".
"""

from __future__ import annotations

from celery import Celery
from kombu.exceptions import KombuError, OperationalError
from redis import Redis
from redis.exceptions import RedisError

from rag.config import Settings, secret

INDEX_TASK = "docchat.index"
REINDEX_TASK = "docchat.reindex"
# Set in the broker by the first process that finds it missing: a broker that lost it (Redis restarted without
# its data) lost its queue too, and the finder hands the queue every job the database says is waiting.
EPOCH_KEY = "docchat:queue-epoch"
# What sending may raise when the broker is down.
BROKER_DOWN = (OperationalError, KombuError, RedisError, OSError)


def build_celery(settings: Settings) -> Celery:
    app = Celery("docchat", broker=secret(settings.celery_broker_url))
    app.conf.update(
        # Acknowledged when the job ends, not when it starts: a worker killed mid-document leaves its message
        # to be given to another. Redis gives an unacknowledged message again after the visibility timeout,
        # which must therefore exceed the longest job, or a live job would be started twice (harmless, as the
        # database lets one holder write, but wasted).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        broker_transport_options={"visibility_timeout": settings.job_visibility_seconds},
        # A worker reserves only the job it runs: the next ones stay in the queue for the other workers.
        worker_prefetch_multiplier=1,
        # Results live in the database (the document records); a result backend would hold a second copy.
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        # An upload must not wait on a broker that is down: its job waits in the database instead.
        broker_connection_timeout=2.0,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


def send(app: Celery, doc_id: str) -> None:
    """Hands a document's job to the queue now, or raises one of BROKER_DOWN."""
    app.send_task(INDEX_TASK, args=[doc_id], retry=False)


def client(settings: Settings) -> Redis:
    url = secret(settings.celery_broker_url) or ""
    return Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0)


def reachable(settings: Settings) -> bool:
    try:
        with client(settings) as redis:
            return bool(redis.ping())
    except (RedisError, OSError, ValueError):
        return False


def lost_its_queue(settings: Settings) -> bool:
    """Whether the broker restarted without its data since a DocChat process last looked (the first caller to
    find out is told, once); raises RedisError when it cannot be reached."""
    with client(settings) as redis:
        return bool(redis.set(EPOCH_KEY, "1", nx=True))
