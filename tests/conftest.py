"""What every test shares: settings in a temporary folder, services, PostgreSQL, and the two tiers.

The fast tier (`pytest -m "not slow"`) embeds with the hashed bag of words of rag/models/fake_embeddings.py: each
of its tests runs with EMBEDDINGS_PROVIDER=fake (children started with tests/robustness/procs.py's cli_env too),
and loading MiniLM in it fails. A test marked slow runs as DocChat does, on the real MiniLM: mark slow what needs
real meaning (a paraphrase retrieved, a quote chosen by sense, a grounding threshold), the real SmolLM2, OCR or a
browser. What the tests need and a developer's machine may lack (the shared corpus, PostgreSQL, Chromium) skips
there, but fails under CI (`missing`).
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from rag.accounts import passwords
from rag.config import Settings
from rag.database import engine as database_engine
from rag.models import embeddings as embeddings_module
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


def missing(reason: str, *, module: bool = False) -> NoReturn:
    """Something a test needs is not on this machine: a skip for a developer, a failure under CI, which has
    everything and must never pass by skipping. `module`: called while a test module is imported, for all of it."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=module)


def need_module(name: str) -> ModuleType:
    """A module that only requirements-dev.txt installs (Playwright...), imported, or `missing` for the test module."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"{name} is not installed (pip install -r requirements-dev.txt)", module=True)


def need_corpus(*names: str) -> Path:
    """The shared corpus beside the checkout (with these files of it, if named), or `missing`."""
    absent = [name for name in names if not (CORPUS / name).exists()]
    if not CORPUS.is_dir() or absent:
        missing(f"{CORPUS} is not beside the checkout" + (f" with {', '.join(absent)}" if absent else ""))
    return CORPUS


FAST_TIER = "not slow"


@pytest.hookimpl(tryfirst=True)  # before xdist reads its options
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The fast tier runs on two processes unless told otherwise (`-n 0`): 64 s became 40 s on 2 cores. The full
    suite stays on one: its slow tests time real models, PDF readers and workers, which a second process beside
    them would slow past their limits. Tests that share a Redis database are one xdist group (tests/workers.py)."""
    worker = hasattr(config, "workerinput")  # a process xdist started: it runs what it is given
    if config.option.markexpr == FAST_TIER and config.option.numprocesses is None and not worker:
        config.option.numprocesses = 2
        config.option.dist = "loadgroup"


@pytest.hookimpl(tryfirst=True)  # before the test's fixtures, which may read the corpus
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("corpus"):
        need_corpus(*mark.args)


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests slow
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast tier never loads MiniLM: a test that asks for it by name must be marked slow."""
    fast = [
        item.nodeid for item in items if "real_embedding" in item.fixturenames and not item.get_closest_marker("slow")
    ]
    if fast:
        raise pytest.UsageError("real_embedding (MiniLM) in a test not marked slow: " + ", ".join(fast))


def _minilm_in_the_fast_tier(precision: str) -> NoReturn:
    pytest.fail("MiniLM was loaded by a test of the fast tier: mark it slow, or let it embed with the fake")


@pytest.fixture(autouse=True)
def tier_embeddings(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast test configures DocChat with the fake embedder, so that whatever builds the model from the settings
    (open_services without a model, reindex, the pages of the UI, a worker, a child CLI) agrees with `embedding`;
    and it may not load MiniLM at all."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("EMBEDDINGS_PROVIDER", "fake")
        monkeypatch.setattr(embeddings_module, "_local", _minilm_in_the_fast_tier)


@pytest.fixture(autouse=True, scope="session")
def cheap_passwords() -> Iterator[None]:
    """argon2id at its cheapest: the real parameters cost 0.25 s a hash here, and the tests hash hundreds. What is
    stored is still an argon2id hash, checked by argon2."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", hasher)
        patch.setattr(passwords, "_DUMMY", hasher.hash("not a password of anyone"))
        yield


@pytest.fixture(autouse=True, scope="session")
def new_databases_from_a_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new SQLite database starts as a copy of one migrated this session, where migrating each anew took 70 ms
    in hundreds of tests; `migrate` then finds the copy at head. The migrations still run from empty (for the
    copy, and on PostgreSQL for every test of it) and from older revisions (tests/records/test_transcripts.py)."""
    template = tmp_path_factory.mktemp("migrated") / "docchat.db"
    real = database_engine.migrate

    def migrate(engine: Engine, revision: str = "head") -> None:
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        if revision == "head" and path and path != ":memory:" and not Path(path).exists():
            if not template.exists():
                made = database_engine.make_engine(f"sqlite:///{template}")
                real(made)
                made.dispose()
            shutil.copyfile(template, path)
        real(engine, revision)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database_engine, "migrate", migrate)
        yield


@pytest.fixture(autouse=True, scope="session")
def components_scanned_once() -> Iterator[None]:
    """Every AppTest scans the metadata of all ~500 installed packages for Streamlit components (0.4 s here);
    nothing is installed during a run, so the first scan serves the session. Only when a collected test module
    brought Streamlit in: a run without the pages does not pay for importing it."""
    if "streamlit" not in sys.modules:
        yield
        return
    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests", cache(manifest_scanner.scan_component_manifests))
        yield


@pytest.fixture(scope="session")
def fake_embedding() -> EmbeddingModel:
    """The hashed bag of words (rag/models/fake_embeddings.py): instant, and alike only where the words are."""
    return build_embeddings(Settings(_env_file=None, embeddings_provider="fake"))


@pytest.fixture(scope="session")
def real_embedding() -> EmbeddingModel:
    """The real MiniLM, loaded once for the session: only slow tests may ask for it by name."""
    return build_embeddings(Settings(_env_file=None, embeddings_provider="local"))


@pytest.fixture
def embedding(request: pytest.FixtureRequest) -> EmbeddingModel:
    """The model a test's services embed with: MiniLM for a slow test, the fake for the fast tier (see the module's
    docstring). A module- or session-scoped fixture cannot see its tests' marks: it asks for `fake_embedding` or
    `real_embedding` by name."""
    slow = request.node.get_closest_marker("slow") is not None
    return request.getfixturevalue("real_embedding" if slow else "fake_embedding")


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
def unreachable_llm(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """UNREACHABLE_LLM, and the OpenAI client's one retry of a refused connection made at once rather than after
    its 0.4-0.5 s backoff: the retry still happens, and still fails."""
    from openai import _base_client

    monkeypatch.setattr(_base_client, "INITIAL_RETRY_DELAY", 0.0)
    return dict(UNREACHABLE_LLM)


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
        missing(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# Every test of a database runs on both in the slow tier, on SQLite alone in the fast one: PostgreSQL's schema and
# migrations per test cost 0.3-0.5 s, 14 s of the fast tier. Tests of PostgreSQL itself take `postgres_url`.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'docchat.db'}"
    return request.getfixturevalue("postgres_url")


def record(session, doc_id: str):  # type: ignore[no-untyped-def]
    """The library record of a document (its only one, in the owner's workspace, in these tests)."""
    from sqlalchemy import select

    from rag.database.tables import Document

    return session.scalar(select(Document).where(Document.doc_id == doc_id))
