"""An exclusive OS lock on the embedded store, taken before Qdrant Edge touches a single file of it.

Qdrant Edge has a lock of its own, but `EdgeShard.load` repairs the shard's files before it checks that
lock: a second process opening a live store deleted its `vector_storage-bm25/store/tracker_journal.dat`
and broke the first one's next flush ("Tracker journal … is shorter than expected"; reproduced 5 times,
CLI against CLI and CLI against the app). A `flock` on a file beside the store is checked first, so a
refused process has touched nothing. The OS drops it when the process dies, so a crash never leaves it held.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from rag.errors import StoreBusyError


def busy_message(path: Path) -> str:
    return (
        f"The document store in {path} is open in another DocChat process (probably the running app). "
        "Stop that process first, or set QDRANT_URL to share a Qdrant server between processes. "
        "Listing documents and conversations works meanwhile."
    )


class StoreLock:
    def __init__(self, store_path: Path) -> None:
        self.path = store_path.with_name(store_path.name + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise StoreBusyError(busy_message(store_path)) from None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
