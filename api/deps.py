"""What every route depends on: the process's services, the caller (a user's API key; without accounts, one of
API_KEYS or loopback, standing for the owner), and the caller's share of the request rate."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time
from collections import deque
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from rag.errors import DocChatError, SignInError
from rag.usecases import accounts, startup
from rag.usecases.accounts import KEY_PREFIX, Caller
from rag.usecases.startup import Services

bearer = HTTPBearer(auto_error=False, description="A user's API key (dc_…), or without accounts one of API_KEYS.")


def get_services(request: Request) -> Services:
    # A plain function, so FastAPI calls it on a worker thread: the first call opens the models and the store.
    state = request.app.state
    return state.services if state.services is not None else startup.shared_services(state.settings)


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

    def admit(self, caller: str, *, count: bool = True) -> float | None:
        """None when the request may go on, else the seconds until it may; with `count=False` it only looks."""
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(caller, deque())
            while window and now - window[0] > 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return 60 - (now - window[0])
            if count:
                window.append(now)
            return None


# Wrong API keys one address may send in a minute before its keys are no longer checked: a script with a typo
# sends a few, one guessing keys hundreds (300 were all checked).
WRONG_KEYS_PER_MINUTE = 10


def _identify(request: Request, services: Services, given: str, workspace: str | None) -> tuple[Caller, str]:
    """The caller and the name its requests are counted under; wrong keys are counted per address, and past
    WRONG_KEYS_PER_MINUTE no key from there is checked until the minute is over (429)."""
    wrong_keys: RateLimiter = request.app.state.wrong_keys
    address = request.client.host if request.client else ""
    if given and (wait := wrong_keys.admit(address, count=False)) is not None:
        raise HTTPException(
            429,
            f"Too many wrong API keys from this address. Try again in {wait:.0f} s.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    try:
        return _identify_by_key(request, services, given, workspace)
    except (HTTPException, SignInError) as exc:
        if given and (isinstance(exc, SignInError) or exc.status_code == 401):
            wrong_keys.admit(address)
        raise


def _identify_by_key(request: Request, services: Services, given: str, workspace: str | None) -> tuple[Caller, str]:
    """A user's key (`dc_…`) acts as its user in any AUTH_MODE; without accounts, API_KEYS or loopback stand for
    the owner, as before accounts existed."""
    host = request.client.host if request.client else None
    address = host or ""
    if given.startswith(KEY_PREFIX):
        who = accounts.caller_for_key(services, given, workspace, address)
        return who, f"user {who.user_id}"
    settings = services.settings
    if settings.auth_mode != "none":
        raise HTTPException(
            401,
            "Missing API key. Create one with `python -m rag keys create NAME` or on the Account page, and send "
            "it as 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    keys = settings.api_keys
    if keys:
        if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
            detail = "Missing API key." if not given else "Wrong API key."
            raise HTTPException(
                401,
                f"{detail} Send one of API_KEYS as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        counted = "key " + hashlib.sha256(given.encode()).hexdigest()[:12]
    elif _loopback(host):
        counted = f"host {host}"
    else:
        raise HTTPException(403, "This DocChat API answers only this computer: set API_KEYS to let others in.")
    return accounts.local_caller(services, workspace), counted


def caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    x_workspace: Annotated[
        str | None,
        Header(alias="X-Workspace", description="The workspace to act in (its id); your personal one if omitted."),
    ] = None,
) -> Caller:
    """Who is asking, in which workspace; refused before the route runs, and counted against the rate limit."""
    given = credentials.credentials if credentials else ""
    who, counted = _identify(request, services, given, x_workspace)
    wait = request.app.state.rate_limiter.admit(counted)
    if wait is not None:
        raise HTTPException(
            429,
            f"Too many requests: at most {services.settings.api_rate_per_minute} a minute. Try again in {wait:.0f} s.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return who


def admin_or_none(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller | None:
    """The caller when it is an admin (without accounts: anyone the API answers), else None: for the one open
    route, which shows more to those who run DocChat. Never refused, and not counted against the rate limit."""
    try:
        who, _ = _identify(request, services, credentials.credentials if credentials else "", None)
    except (HTTPException, DocChatError):
        return None
    return who if who.is_admin else None


CallerDep = Annotated[Caller, Depends(caller)]
# On a router: every route is refused before it runs without a caller; routes that act read it as CallerDep
# (FastAPI resolves it once per request).
Authenticated = Depends(caller)
