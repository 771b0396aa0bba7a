"""The API against its own OpenAPI schema, with schemathesis: generated requests, valid and not, never get a 5xx,
and every response keeps to what the schema says of it (status, content type, body). In-process (ASGI), bounded,
no network.

Each operation is driven by hand, with Hypothesis, rather than with `schemathesis.pytest.from_fixture` (the app
needs the services of a fixture): on pytest 9.2 that fails with "'Function' object has no attribute '_nodeid'"
before any request is made.
"""

from __future__ import annotations

from collections.abc import Iterator

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
