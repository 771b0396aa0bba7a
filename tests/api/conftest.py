from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.main import create_api
from rag.config import Settings
from rag.models.embeddings import EmbeddingModel
from rag.models.fake_chat import FakeChatModel
from rag.services import Services
from rag.usecases.startup import open_services

LOOPBACK = ("127.0.0.1", 50000)


@asynccontextmanager
async def api_client(services: Services, address: tuple[str, int] = LOOPBACK) -> AsyncIterator[httpx.AsyncClient]:
    """The API over `services`, called in-process from `address`. httpx's ASGITransport reads a whole response
    before returning it, so a streamed answer arrives at once: fine for everything but a disconnect."""
    transport = httpx.ASGITransport(app=create_api(services), client=address)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def client(fake_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The API over services with the fake model, called in-process from a loopback address."""
    async with api_client(fake_services) as client:
        yield client


OpenServices = Callable[..., Services]


@pytest.fixture
def open_api_services(tmp_path: Path, embedding: EmbeddingModel) -> Iterator[OpenServices]:
    """Opens services with the fake model (or `llm`) and these settings, each in its own storage dir; all are
    closed after the test."""
    opened: list[Services] = []

    def open_(llm: FakeChatModel | None = None, **settings: Any) -> Services:
        storage = tmp_path / f"s{len(opened)}"
        svc = open_services(
            Settings(_env_file=None, storage_dir=storage, **settings), embedding, llm=llm or FakeChatModel()
        )
        opened.append(svc)
        return svc

    yield open_
    for svc in opened:
        svc.close()


@pytest.fixture
def db_services(open_api_services: OpenServices, db_url: str) -> Services:
    """Services with the fake model over SQLite, then over PostgreSQL; a client polling a document's progress
    must not meet the rate limit."""
    return open_api_services(database_url=db_url, api_rate_per_minute=100_000)


@pytest.fixture
async def db_client(db_services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(db_services) as client:
        yield client
