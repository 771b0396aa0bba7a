"""Threads that finish answers nobody waits for: a quotes-first answer's model words, written, checked and stored
while the chat page is already free for the next question.

A thread for each answer, not a queue: the model serialises its own generations (rag/models/chat.py), and the
grounding check and suggestions of one answer can run while the model writes the next.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from rag.errors import DocChatError

log = logging.getLogger(__name__)

# How long closing waits for each answer's thread: a stopped answer ends at the model's next word.
JOIN_SECONDS = 30.0


class AnswerFinisher:
    def __init__(self) -> None:
        # Set when the process closes: each answer's stream ends at the model's next word (ClosingError), storing
        # what it has, so none is finished after the model or the database has gone.
        self.stop = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def finish(self, tokens: Iterator[str]) -> None:
        """Reads an answer's stream to its end on a thread of its own; the stream stores what comes of it."""
        with self._lock:
            if self.stop.is_set():
                return  # closing: the stored answer stays pending, and is counted done once it is old
            thread = threading.Thread(target=self._read, args=(tokens,), name="docchat-answer", daemon=True)
            self._threads.add(thread)
        thread.start()

    def _read(self, tokens: Iterator[str]) -> None:
        try:
            for _ in tokens:
                pass
        except DocChatError as exc:
            # Stored with the answer already: the quotes stay, unchecked words are not shown.
            log.info("an answer finished in the background did not get its check: %s", exc)
        except Exception:
            log.warning("an answer finished in the background failed", exc_info=True)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def close(self) -> None:
        self.stop.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(JOIN_SECONDS)
