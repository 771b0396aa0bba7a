"""One background thread for slow work a request must not wait for: indexing an upload.

One thread, not a pool: embedding already uses every core, and two documents embedded side by side
finish no sooner than one after the other. Until a broker is configured (rag/jobs/dispatch.py), this is the app's
worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class BackgroundWorker:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docchat-worker")
        # Set when the process stops: a running job checks it between steps and hands its work back.
        self.stop = threading.Event()
        self._pending = 0
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def submit(
        self, job: Callable[[], object], then: Callable[[], object] | None = None, key: str | None = None
    ) -> Future | None:
        """Runs `job` after those already queued; `then` runs once the queue is empty (e.g. one index build
        after a batch of uploads, not one per file). A job whose `key` waits or runs already is not added twice
        (None is returned): the sweeper offers every queued document again."""
        with self._lock:
            if key is not None and key in self._keys:
                return None
            if key is not None:
                self._keys.add(key)
            self._pending += 1

        def run() -> object:
            try:
                return job()
            except Exception:
                log.exception("a background job failed")
                raise
            finally:
                with self._lock:
                    self._pending -= 1
                    self._keys.discard(key)  # type: ignore[arg-type]
                    last = self._pending == 0
                if last and then is not None and not self.stop.is_set():
                    try:
                        then()
                    except Exception:
                        log.exception("the job after a batch failed")

        return self._executor.submit(run)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def close(self) -> None:
        self.stop.set()
        # Waits for the running job to hand its document back to the queue; the waiting ones stay queued.
        self._executor.shutdown(wait=True, cancel_futures=True)
