"""The API against its own OpenAPI schema, with schemathesis: generated requests, valid and not, never get a 5xx,
and every response keeps to what the schema says of it (status, content type, body). In-process (ASGI), bounded,
no network.

Each operation is driven by hand, with Hypothesis, rather than with `schemathesis.pytest.from_fixture` (the app
needs the services of a fixture): on pytest 9.2 that fails with "'Function' object has no attribute '_nodeid'"
before any request is made. The slow tier also runs schemathesis's own engine over the whole schema, every check and
phase, as `st run --checks all` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import BaseSchema, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.engine import events

from api.deps import RateLimiter
from api.main import create_api
from rag.config import Settings
from rag.models.embeddings import EmbeddingModel
from rag.models.fake_chat import FakeChatModel
from rag.usecases.startup import open_services

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Building the schema opens nothing: services are opened by the first request.
SPEC = create_api(settings=Settings(_env_file=None)).openapi()


def negatable(op: dict) -> bool:
    """A negative request needs something to break: a parameter, a body, or a key the operation requires (the
    optional key of /health, `security: [{...}, {}]`, has no wrong form)."""
    return bool({"parameters", "requestBody"} & set(op)) or (bool(op.get("security")) and {} not in op["security"])


# (method, path, generation mode)
CASES = [
    pytest.param(method.upper(), path, mode, id=f"{method.upper()} {path} {mode.value}")
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or negatable(op)
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, fake_embedding: EmbeddingModel) -> Iterator[BaseSchema]:
    """One app for every operation, its library and conversations growing as schemathesis calls it."""
    # No rate limit worth the name: schemathesis sends all its requests from one caller.
    settings = Settings(_env_file=None, storage_dir=tmp_path_factory.mktemp("schema"), api_rate_per_minute=10**6)
    services = open_services(settings, fake_embedding, llm=FakeChatModel())
    yield schemathesis.openapi.from_asgi("/openapi.json", create_api(services))
    services.close()


# Two generated requests per operation and mode in the fast tier, ten in the slow one: generating and sending them
# is all of the time (0.25 s an operation and mode with ten).
@pytest.mark.parametrize("examples", [pytest.param(2, id="few"), pytest.param(10, id="ten", marks=pytest.mark.slow)])
@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_the_api_keeps_to_its_schema(
    api_schema: BaseSchema, method: str, path: str, mode: GenerationMode, examples: int
) -> None:
    operation = api_schema[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        statuses.append(case.call_and_validate(checks=CHECKS).status_code)

    run()
    assert statuses and max(statuses) < 500


KEY = "schemathesis-key"
# Seed and examples fixed, and no example database (Hypothesis's default replays the failures of earlier runs from
# .hypothesis/): the same requests each run, about 20 s a database on 2 quiet cores.
ALL_CHECKS = {
    "seed": 20261206,
    "workers": 1,
    "headers": {"Authorization": f"Bearer {KEY}"},
    "generation": {"max-examples": 40, "database": "none"},
    "checks": {"enabled": True},
    "operations": [
        {
            # A file part is bytes, whatever was generated for it: a "file" negated into null or an array is sent
            # as a file holding the text "null" or "[…]", a valid upload (a failed record: not a PDF). Nothing on the
            # wire tells them apart, so this check cannot hold here.
            "include-path": "/documents",
            "include-method": "POST",
            "checks": {"negative_data_rejection": {"enabled": False}},
        }
    ],
}


@pytest.mark.slow
def test_every_check_of_schemathesis_passes(tmp_path: Path, db_url: str, fake_embedding: EmbeddingModel) -> None:
    """`st run --checks all` in-process: examples, coverage, fuzzing and stateful phases, on SQLite and PostgreSQL."""
    settings = Settings(
        _env_file=None,
        storage_dir=tmp_path / "storage",
        database_url=db_url,
        api_keys=[KEY],
        api_rate_per_minute=10**6,
    )
    services = open_services(settings, fake_embedding, llm=FakeChatModel())
    app = create_api(services)
    # The ignored_auth check sends its wrong keys from the one address, which is refused any key past ten a minute.
    app.state.wrong_keys = RateLimiter(10**6)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict(ALL_CHECKS))
    failures: list[str] = []
    statuses: list[int] = []
    finished = None
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                for case_id, checks in event.recorder.checks.items():
                    failures += [
                        f"{event.recorder.label}: {check.failure_info.failure.title}\n"
                        f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}"
                        for check in checks
                        if check.failure_info is not None
                    ]
                    interaction = event.recorder.interactions.get(case_id)
                    if interaction is not None and interaction.response is not None:
                        statuses.append(interaction.response.status_code)
            elif isinstance(event, (events.NonFatalError, events.FatalError)):
                failures.append(f"error: {event}")
            elif isinstance(event, events.EngineFinished):
                finished = event
    finally:
        services.close()
    assert finished is not None and finished.stop_reason == "completed", finished
    assert not failures, "\n\n".join(failures)
    assert len(statuses) > 1000 and max(statuses) < 500
