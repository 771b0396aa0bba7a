from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from rag.config import Settings
from rag.models.embeddings import EmbeddingModel, build_embeddings
from rag.models.fake_chat import FakeChatModel
from rag.services import Services
from rag.usecases.startup import open_services

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PG_URL = os.environ.get("DOCCHAT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")

# The Qdrant server tests run against QDRANT_URL when it is set; nothing else may see it.
QDRANT_SERVER_URL = os.environ.get("QDRANT_URL")
# Tests must never reach a configured cloud service or server by accident.
for name in (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "QDRANT_URL",
    "DATABASE_URL",
    "LLM_PROVIDER",
    "EMBEDDINGS_PROVIDER",
    "STORAGE_DIR",
):
    os.environ.pop(name, None)
os.environ["HF_HUB_OFFLINE"] = "1"

# An OpenAI-compatible model server that is not there: port 9 on loopback refuses at once.
UNREACHABLE_LLM = {
    "llm_provider": "openai",
    "openai_api_key": "k",
    "openai_base_url": "http://127.0.0.1:9/v1",
    "llm_timeout_s": 5,
}


@pytest.fixture(scope="session")
def embedding() -> EmbeddingModel:
    return build_embeddings(Settings(_env_file=None))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, storage_dir=tmp_path / "storage")


@pytest.fixture
def services(settings: Settings, embedding: EmbeddingModel) -> Iterator[Services]:
    svc = open_services(settings, embedding)
    yield svc
    svc.close()


@pytest.fixture
def fake_llm() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture
def fake_services(settings: Settings, embedding: EmbeddingModel, fake_llm: FakeChatModel) -> Iterator[Services]:
    """Services with the instant fake chat model (rag/models/fake_chat.py): for the fast tier."""
    svc = open_services(settings, embedding, llm=fake_llm)
    yield svc
    svc.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL server, dropped afterwards."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'docchat.db'}"
    return request.getfixturevalue("postgres_url")


def record(session, doc_id: str):  # type: ignore[no-untyped-def]
    """The library record of a document (its only one, in the owner's workspace, in these tests)."""
    from sqlalchemy import select

    from rag.database.tables import Document

    return session.scalar(select(Document).where(Document.doc_id == doc_id))
