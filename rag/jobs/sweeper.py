"""The sweeper: hands the scheduler every job the database says is waiting but the queue may not hold.

The records are the truth (rag/indexing/job_state.py), the queue only a way to wake a worker, so whatever the queue
lost is found here: jobs never sent because the broker was down, every queued job when the broker restarted
without its data (Redis with `--save ""`), and jobs whose worker died with its message unacknowledged. A job
sent twice costs one refused claim. Without a broker it offers the app's worker what another process (the
CLI's `ingest --queue`) queued meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from rag.errors import DocChatError

if TYPE_CHECKING:
    from rag.services import Services

log = logging.getLogger(__name__)


class Sweeper:
    """Sweeps now, then every `every` seconds, on a daemon thread, until closed. The sweep itself is given
    (rag/jobs/dispatch.py `sweep`): this module knows when to look, not how a job is sent."""

    def __init__(self, sweep: Callable[[], object], every: float) -> None:
        self._sweep = sweep
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="docchat-sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self._sweep()
            except DocChatError as exc:  # the database is down: the next round tries again
                log.warning("sweeping the job queue failed: %s", exc)
            except Exception:
                log.exception("sweeping the job queue failed")
            if self._stop.wait(self._every):
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def sweep_every(services: Services) -> float:
    # Often enough that a dead worker's job moves within a heartbeat timeout; at most every 10 s otherwise.
    return min(10.0, services.settings.job_heartbeat_timeout_s)
