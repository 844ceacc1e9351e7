"""OAuth 2.0 for an organisation's machines: the client credentials grant over API tokens.

Test suites and integration platforms (the W3C VC API suites among them, through
``vc-test-suite-implementations``) fetch a bearer token from a token endpoint with a client id
and secret rather than holding one fixed token. Here the client is an API token: its id is
the ``client_id`` and the part after the dot its ``client_secret``. Authlib runs the grant;
the access token it hands out is ``services.accounts.access_token`` (an hour long, signed,
limited to the token's scopes or fewer). Nothing new is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidScopeError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from credstack.domain.accounts import SCOPES, ApiToken
from credstack.services.accounts import access_token, live_token, token_secret_matches
from credstack.services.deps import ServiceDeps
from credstack.web.auth import deps_of
from credstack.web.oauth_requests import FormRequest, basic_auth_ok

__all__ = ["MACHINE_TOKEN_PATH", "machine_token_key", "router"]

MACHINE_TOKEN_PATH = "/api/v1/oauth/token"  # noqa: S105 - a path, no secret
ACCESS_TOKEN_SECONDS = 3600

router = APIRouter(tags=["OAuth 2.0 (machines)"])


def machine_token_key(session_key: bytes) -> bytes:
    """The key that signs machine access tokens: derived from the installation's session key,
    so every server worker and restart shares it, and distinct from what signs cookies."""
    return hmac.new(session_key, b"credstack machine access tokens", hashlib.sha256).digest()


class _TokenClient(ClientMixin):  # type: ignore[misc]
    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def get_client_id(self) -> str:
        return self.token.id

    def check_client_secret(self, client_secret: str) -> bool:
        return token_secret_matches(self.token, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def get_allowed_scope(self, scope: str | None) -> str:
        """What was asked (all the token holds when nothing was); more than it holds is an
        error rather than quietly less, so that the caller learns why a route says 403."""
        held = self.token.scopes
        asked = frozenset(scope.split()) if scope else held
        if not asked <= held:
            raise InvalidScopeError(f"the token does not hold {' '.join(sorted(asked - held))}")
        return " ".join(sorted(asked))


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    #: the W3C suites' client sends the secret in the form; others use HTTP Basic
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, deps: ServiceDeps, key: bytes) -> None:
        super().__init__(scopes_supported=sorted(SCOPES))
        self.deps = deps
        self.key = key
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=self._access_token,
                expires_generator=ACCESS_TOKEN_SECONDS,
            ),
        )
        self.register_grant(_ClientCredentials)

    def _access_token(
        self, client: _TokenClient, grant_type: str, user: Any, scope: str | None
    ) -> str:
        expires = int(self.deps.clock.now().timestamp()) + ACCESS_TOKEN_SECONDS
        return access_token(self.key, client.token, frozenset((scope or "").split()), expires)

    def query_client(self, client_id: str) -> _TokenClient | None:
        token = live_token(self.deps, client_id)
        return None if token is None else _TokenClient(token)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing to keep: the access token is signed, and checked against its API token."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        response = JSONResponse(body, status_code=status)
        for name, value in headers:
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: credstack has no listeners for them."""


def _server(request: Request) -> _Server:
    """The application's machine token server (made on first use)."""
    state = request.app.state
    server: _Server | None = getattr(state, "machine_oauth_server", None)
    if server is None:
        server = _Server(deps_of(request), state.machine_token_key)
        state.machine_oauth_server = server
    return server


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


@router.post(
    MACHINE_TOKEN_PATH,
    summary="An access token for an API token's machine (client credentials, RFC 6749 §4.4)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "grant_type", "scope", "client_id", "client_secret", "audience"
                            )
                        },
                    }
                }
            },
        }
    },
)  # fmt: skip
async def machine_token(request: Request) -> Response:
    """``client_id`` is the API token's id, ``client_secret`` the part of ``cst_<id>.<secret>``
    after the dot (HTTP Basic or in the form); ``scope`` may narrow what the token holds.
    ``audience``, which some clients send, is ignored: the token is for this installation."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return _error(400, "invalid_request", "send application/x-www-form-urlencoded")
    try:
        form = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return _error(400, "invalid_request", "the form is not readable")
    if not basic_auth_ok(request.headers):
        return _error(401, "invalid_client", "the Basic credentials are not readable")
    url = f"{deps_of(request).public_url}{MACHINE_TOKEN_PATH}"
    oauth_request = FormRequest("POST", url, request.headers, {}, form)
    response: Response = await run_in_threadpool(
        _server(request).create_token_response, oauth_request
    )
    return response
