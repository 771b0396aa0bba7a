"""The FastAPI application: DocChat's doorway over HTTP, under /api/v1, with OpenAPI at /api/v1/docs.

Mounted inside the Streamlit app's own process by app.py (the embedded store opens once per process), or run
on its own with `uvicorn api.main:app` when QDRANT_URL points at a shared Qdrant server.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api import errors
from api.deps import WRONG_KEYS_PER_MINUTE, RateLimiter
from api.limits import UploadLimit
from api.routes import accounts, conversations, documents, health, jobs, openai_compat, session
from rag.config import Settings, load_settings
from rag.usecases import startup
from rag.usecases.startup import Services

log = logging.getLogger(__name__)
PREFIX = "/api/v1"


class PlainIPv4Client:
    """The caller's address in its IPv4 form. `streamlit run app.py` without --server.address listens on the
    dual-stack "::", where an IPv4 caller, 127.0.0.1 included, arrives as "::ffff:127.0.0.1", which Python 3.11's
    ipaddress does not call loopback: without this, every local request was refused with 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client and str(client[0]).lower().startswith("::ffff:"):
            try:
                mapped = ipaddress.IPv6Address(client[0]).ipv4_mapped
            except ValueError:
                mapped = None
            if mapped is not None:
                scope = {**scope, "client": (str(mapped), client[1])}
        await self.app(scope, receive, send)


class ServedFirst:
    """Hands every request under `prefix` to `api` before the app it wraps (Streamlit's) sees it, as a Mount
    would, prefix moved to root_path. app.py wraps st.App with it: as a Mount among st.App's routes, the API was
    reached only through Streamlit's middleware, whose path check answered an id holding a NUL or a `..\\` with a
    text/plain 400, and Starlette's Mount, whose pattern stops at a newline, let an id with %0A fall through to
    Streamlit's text/plain 404. Streamlit checks paths because it serves files by them; the API's ids are
    database keys, and it answers every odd one itself, in JSON."""

    def __init__(self, app: ASGIApp, api: ASGIApp, prefix: str) -> None:
        self.app, self.api, self.prefix = app, api, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == self.prefix or path.startswith(self.prefix + "/"):
            root = scope.get("root_path", "")
            scope = {**scope, "root_path": root + self.prefix, "app_root_path": scope.get("app_root_path", root)}
            await self.api(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_api(services: Services | None = None, settings: Settings | None = None, *, prefix: str = "") -> FastAPI:
    """The API over `services` (a test's), or over the process's shared services, which the Streamlit pages use
    too. `prefix` is "" when app.py mounts it under /api/v1, and "/api/v1" when it is served on its own."""
    settings = services.settings if services else settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Opened now, not at the first request. A mounted API has no lifespan of its own: app.py opens them.
        await run_in_threadpool(startup.shared_services, settings)
        yield

    app = FastAPI(
        title="DocChat API",
        version="1",
        summary="Upload PDFs, then ask questions answered from them, with the file and page of each source.",
        lifespan=None if services else lifespan,
        docs_url=f"{prefix}/docs",
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.services, app.state.settings = services, settings
    app.state.rate_limiter = RateLimiter(settings.api_rate_per_minute)
    app.state.wrong_keys = RateLimiter(WRONG_KEYS_PER_MINUTE)
    if settings.auth_mode == "none" and not settings.api_keys:
        # With accounts, every request carries a user's own key, and API_KEYS plays no part.
        log.warning("API_KEYS is not set: the DocChat API answers requests from this computer only.")
    routers = (documents, jobs, conversations, accounts, session, health, openai_compat)
    for router in (module.router for module in routers):
        app.include_router(router, prefix=prefix)
    errors.install(app)
    app.openapi = lambda: _openapi(app, settings)  # type: ignore[method-assign]
    app.add_middleware(UploadLimit, max_bytes=settings.max_upload_mb * 1024 * 1024)
    if settings.forwarded_allow_ips:
        # Inside PlainIPv4Client, so a proxy on "::ffff:127.0.0.1" is matched as 127.0.0.1.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(PlainIPv4Client)
    return app


def _openapi(app: FastAPI, settings: Settings) -> dict:
    """FastAPI's schema, with what only the settings know: a question longer than MAX_QUESTION_CHARS is refused
    (422), and a schema without that maxLength called it valid."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        schema["components"]["schemas"]["Question"]["properties"]["question"]["maxLength"] = settings.max_question_chars
    return app.openapi_schema


def __getattr__(name: str) -> FastAPI:
    # `uvicorn api.main:app`: built on first access, so importing this module opens nothing.
    if name == "app":
        return create_api(prefix=PREFIX)
    raise AttributeError(name)
