"""OAuth 2.0 client credentials over API tokens (``web.machine_oauth``): what the W3C VC API
test suites' client does to get a bearer token, and what the token may then do."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.services.accounts import revoke_token
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.integration.test_issuer_api import UNSECURED, World

TOKEN_URL = "/api/v1/oauth/token"
AWARDS = "/api/v1/organisations/acme/awards"


@pytest.fixture
def world(deps: object) -> World:
    return World(deps)  # type: ignore[arg-type]


@pytest.fixture
def client(world: World, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(world.deps, clock=clock.now, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _id_and_secret(text: str) -> tuple[str, str]:
    token_id, _, secret = text.removeprefix("cst_").partition(".")
    return token_id, secret


def _form(text: str, **extra: str) -> dict[str, str]:
    token_id, secret = _id_and_secret(text)
    return {"grant_type": "client_credentials", "client_id": token_id, "client_secret": secret,
            **extra}  # fmt: skip


def _bearer(access: str) -> dict[str, str]:
    return {"authorization": f"Bearer {access}"}


def test_the_suites_request_gets_a_token_that_issues(client: TestClient, world: World) -> None:
    """As vc-test-suite-implementations sends it: a form with the secret and an audience."""
    form = _form(world.tokens["owner"], audience="https://suite.example")
    answer = client.post(TOKEN_URL, data=form)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("csta_")
    assert answer.headers["cache-control"] == "no-store"
    issued = client.post(
        "/credentials/issue", json={"credential": UNSECURED}, headers=_bearer(body["access_token"])
    )
    assert issued.status_code == 201, issued.text
    listed = client.get(AWARDS, headers=_bearer(body["access_token"]))
    assert listed.status_code == 200


def test_basic_authentication_and_a_narrower_scope(client: TestClient, world: World) -> None:
    token_id, secret = _id_and_secret(world.tokens["owner"])
    answer = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "awards:read"},
        auth=(token_id, secret),
    )
    assert answer.status_code == 200, answer.text
    access = answer.json()["access_token"]
    assert client.get(AWARDS, headers=_bearer(access)).status_code == 200
    body = {"achievement": "acme-101", "recipient": {"email": "n@acme.example"}}
    refused = client.post(AWARDS, json=body, headers=_bearer(access))
    assert refused.status_code == 403  # the token holds awards:write; this access token not


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"scope": "awards:write"}, 400, "invalid_scope"),  # the read-only token lacks it
        ({"scope": "everything"}, 400, "invalid_scope"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "0" * 32}, 400, "invalid_client"),  # Authlib: no such client, 400
        ({"client_id": "\x00"}, 400, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_what_the_token_endpoint_refuses(
    client: TestClient, world: World, form: dict[str, str], status: int, error: str
) -> None:
    answer = client.post(TOKEN_URL, data={**_form(world.tokens["read only"]), **form})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error


def test_a_body_that_is_no_form_is_refused(client: TestClient, world: World) -> None:
    answer = client.post(TOKEN_URL, json=_form(world.tokens["owner"]))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_an_access_token_dies_with_its_api_token_or_its_hour(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    token_id, _ = _id_and_secret(world.tokens["owner"])
    first = client.post(TOKEN_URL, data=_form(world.tokens["owner"])).json()["access_token"]
    assert client.get(AWARDS, headers=_bearer(first)).status_code == 200
    clock.advance(seconds=3601)
    assert client.get(AWARDS, headers=_bearer(first)).status_code == 401
    second = client.post(TOKEN_URL, data=_form(world.tokens["owner"])).json()["access_token"]
    revoke_token(world.deps, "acme", token_id)
    assert client.get(AWARDS, headers=_bearer(second)).status_code == 401
    again = client.post(TOKEN_URL, data=_form(world.tokens["owner"]))
    assert again.json()["error"] == "invalid_client"  # a revoked token is no client


def test_a_changed_access_token_is_refused(client: TestClient, world: World) -> None:
    access = client.post(TOKEN_URL, data=_form(world.tokens["read only"])).json()["access_token"]
    body, _, mac = access.partition(".")
    for forged in (f"{body}.{mac[:-2]}AA", f"{body}x.{mac}", "csta_", "csta_.", "csta_%%%.%%%"):
        response: httpx.Response = client.get(AWARDS, headers=_bearer(forged))
        assert response.status_code == 401, forged
