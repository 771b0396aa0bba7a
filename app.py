"""DocChat's entry point: `streamlit run app.py` serves the pages at / and the HTTP API at /api/v1, from one
process that shares one set of services (the embedded store can be opened by one process only)."""

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from streamlit import config

from api.main import PREFIX, ServedFirst, create_api
from rag.config import Settings, load_settings
from rag.errors import DocChatError
from rag.usecases import startup


def _settings_or_exit() -> Settings:
    """The settings, or the reason they cannot serve, in words, and no start: a page could only repeat it."""
    try:
        settings = load_settings()
    except DocChatError as exc:
        sys.exit(f"error: {exc}")
    if settings.shared_store_problem:
        sys.exit(f"error: {settings.shared_store_problem}")
    return settings


settings = _settings_or_exit()


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    # Opened before the first page or request, so neither waits for the models; shared by both.
    await run_in_threadpool(startup.shared_services, settings)
    # The CLI reads this to work through the API while this process holds the store.
    port = config.get_option("server.port")
    startup.publish_address(settings, f"http://127.0.0.1:{port}{PREFIX}")
    try:
        yield
    finally:
        startup.withdraw_address(settings)
        await run_in_threadpool(startup.release_shared, settings)


# Compressed as Streamlit's own middleware compressed it when the API was one of st.App's routes.
api = GZipMiddleware(create_api(settings=settings))
app = st.App("ui/main.py", middleware=[Middleware(ServedFirst, api=api, prefix=PREFIX)], lifespan=lifespan)
