"""What every route depends on: the process's services, the caller's identity (an API key, or loopback), and
the caller's share of the request rate."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time
from collections import deque
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag import usecases
from rag.usecases import Services

bearer = HTTPBearer(auto_error=False, description="One of the keys in API_KEYS.")


def get_services(request: Request) -> Services:
    # A plain function, so FastAPI calls it on a worker thread: the first call opens the models and the store.
    state = request.app.state
    return state.services if state.services is not None else usecases.shared_services(state.settings)


ServicesDep = Annotated[Services, Depends(get_services)]


def _loopback(host: str | None) -> bool:
    if host in ("localhost", "testclient"):
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """A sliding window of request times per caller, in this process."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, caller: str) -> float | None:
        """None when the request may go on, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(caller, deque())
            while window and now - window[0] > 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return 60 - (now - window[0])
            window.append(now)
            return None


def caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """Who is asking: a key's fingerprint, or the loopback address when no keys are configured."""
    keys = services.settings.api_keys
    host = request.client.host if request.client else None
    if keys:
        given = credentials.credentials if credentials else ""
        if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
            detail = "Missing API key." if not given else "Wrong API key."
            raise HTTPException(
                401,
                f"{detail} Send one of API_KEYS as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        who = "key " + hashlib.sha256(given.encode()).hexdigest()[:12]
    elif _loopback(host):
        who = f"host {host}"
    else:
        raise HTTPException(403, "This DocChat API answers only this computer: set API_KEYS to let others in.")
    wait = request.app.state.rate_limiter.admit(who)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many requests: at most {services.settings.api_rate_per_minute} a minute. Try again in {wait:.0f} s.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return who


Caller = Depends(caller)
