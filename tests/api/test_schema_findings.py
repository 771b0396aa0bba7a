"""What `schemathesis --checks all` found where the OpenAPI schema and the API disagreed, each as the request that
showed it: the schema now says what the route does (tests/api/test_schema.py runs schemathesis itself)."""

from __future__ import annotations

import httpx
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


async def test_what_clashes_with_what_is_there_is_409_not_422(client: httpx.AsyncClient) -> None:
    # Each request is valid by the schema; what refuses it is the state of things, which is a conflict (409):
    # a 422 says the request itself is wrong, and schemathesis rightly took these for valid requests rejected.
    assert (await client.post("/admin/users", json={"username": "bob", "password": "long enough"})).status_code == 201
    refused(await client.post("/admin/users", json={"username": "bob"}), 409, "already a user called bob")
    assert (await client.post("/admin/workspaces", json={"name": "Team"})).status_code == 201
    refused(await client.post("/admin/workspaces", json={"name": "Team"}), 409, "already a shared workspace")
    me = (await client.get("/me")).json()
    refused(await client.post(f"/admin/users/{me['username']}/disable"), 409, "last admin")
    personal = me["workspace"]["id"]
    members = f"/admin/workspaces/{personal}/members/bob"
    refused(await client.put(members, json={"role": "viewer"}), 409, "personal workspace")
    refused(await client.delete(members), 409, "personal workspace")
