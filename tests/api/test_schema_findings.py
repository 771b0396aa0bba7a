"""What `schemathesis --checks all` found where the OpenAPI schema and the API disagreed, each as the request that
showed it: the schema now says what the route does (tests/api/test_schema.py runs schemathesis itself)."""

from __future__ import annotations

import pytest

from api.main import create_api
from tests.api.conftest import OpenServices, api_client
from tests.api.test_bad_requests import refused

pytestmark = pytest.mark.anyio


async def test_health_takes_a_key_but_needs_none(open_api_services: OpenServices) -> None:
    # The schema listed the bearer key as /health's one requirement, so a request without it, answered 200 as
    # a load balancer's must be, was "a missing required header accepted".
    services = open_api_services(api_keys=["k1"])
    security = create_api(services).openapi()["paths"]["/health"]["get"]["security"]
    assert {} in security and {"HTTPBearer": []} in security
    async with api_client(services, ("203.0.113.5", 1)) as client:
        assert (await client.get("/health")).status_code == 200
        refused(await client.get("/documents"), 401)
