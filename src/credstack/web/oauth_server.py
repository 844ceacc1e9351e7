"""Authlib's OAuth 2.0 authorisation server, wired to credstack's storage and to Starlette.

Authlib has no Starlette/FastAPI server integration, so this module is that integration
(with the request adapters of ``web.oauth_requests``): the response adapter
(``handle_response``), the models Authlib asks for (``Client``, ``Code``, ``Token``) over
credstack's domain objects, and the grants and endpoints with their storage hooks
(``services.oauth``). What is allowed is the OB 3.0 profile of OAuth (§7): authorisation
code with PKCE S256 only, client secret basic or post, refresh with rotation, RFC 7009
revocation, RFC 7591 registration with the fields OB requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    JsonRequest,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientMetadataClaims, ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from joserfc.errors import InvalidClaimError, MissingClaimError
from starlette.responses import JSONResponse, Response

from credstack.domain.accounts import User
from credstack.domain.oauth import AuthorizationCode, OAuthClient, OAuthToken
from credstack.services import oauth
from credstack.services.deps import ServiceDeps
from credstack.services.learner_api import learner

__all__ = ["Client", "Code", "CredstackAuthorizationServer", "Token"]

_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


# --- models ----------------------------------------------------------------------------------


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, record: OAuthClient) -> None:
        self.record = record
        #: the secret, in the registration response only (it is not stored)
        self.issued_secret: str | None = None

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OB 3.0 requires redirect_uri in every authorisation request

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes this app registered for; ``None`` (invalid_scope) when that
        leaves none, or none were asked for (OB 3.0 requires the scope parameter)."""
        if not scope:
            return None
        allowed = set(str(self.record.metadata.get("scope", "")).split())
        granted = [s for s in dict.fromkeys(scope.split()) if s in allowed]
        return " ".join(granted) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.metadata.get("redirect_uris", [])

    def check_client_secret(self, client_secret: str) -> bool:
        return oauth.check_client_secret(self.record, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in _AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        granted = self.record.metadata.get("grant_types") or ["authorization_code"]
        return grant_type in granted


class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, record: AuthorizationCode) -> None:
        self.record = record
        self.code_challenge = record.code_challenge
        self.code_challenge_method = record.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class Token(TokenMixin):  # type: ignore[misc]
    def __init__(self, record: OAuthToken, deps: ServiceDeps) -> None:
        self.record = record
        self._deps = deps

    def check_client(self, client: Client) -> bool:
        return bool(client.get_client_id() == self.record.client_id)

    def get_scope(self) -> str:
        return self.record.scope

    def get_expires_in(self) -> int:
        return int((self.record.access_expires_at - self.record.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.record.access_expires_at <= self._deps.clock.now()

    def is_revoked(self) -> bool:
        return self.record.revoked_at is not None

    def get_user(self) -> str:
        return self.record.user_id

    def get_client(self) -> None:
        return None


# --- grants and endpoints --------------------------------------------------------------------


class _S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE as OB 3.0 §7.1.2.1 requires it: a ``code_challenge`` with method S256, always."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant: AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: code_challenge with method S256")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        if not self.request.payload.state:
            raise InvalidRequestError("state is required", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        oauth.save_code(
            self.server.deps,
            code,
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        record = oauth.redeem_code(self.server.deps, code, client.get_client_id())
        return None if record is None else Code(record)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing: the code was spent when it was redeemed (``query_authorization_code``)."""

    def authenticate_user(self, authorization_code: Code) -> User:
        return learner(self.server.deps, authorization_code.record.user_id)


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = _AUTH_METHODS
    #: rotation: each refresh gives a new refresh token and revokes the old one
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        record = oauth.refresh_token(self.server.deps, refresh_token)
        return None if record is None else Token(record, self.server.deps)

    def authenticate_user(self, refresh_token: Token) -> User:
        return learner(self.server.deps, refresh_token.record.user_id)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing: ``save_token`` revoked it in the transaction that stored its successor."""


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = _AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        deps = self.server.deps
        finders = [oauth.access_token, oauth.refresh_token]
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint's name, no secret
            finders.reverse()
        for find in finders:
            record = find(deps, token_string)
            if record is not None:
                return Token(record, deps)
        return None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        oauth.revoke_token(self.server.deps, token.record)


class ObClientMetadata(ClientMetadataClaims):  # type: ignore[misc]
    """RFC 7591 metadata as OB 3.0 §7.1.1 profiles it: these fields are required, every URL
    is HTTPS on one host name, only the code and refresh grants and the code response."""

    REQUIRED = (
        "client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
        "software_version", "redirect_uris", "scope",
    )  # fmt: skip

    def validate(self, now: Any = None, leeway: int = 0) -> None:
        for name in self.REQUIRED:
            if not self.get(name):
                raise MissingClaimError(name)
        for name in ("client_name", "software_id", "software_version", "scope"):
            if not isinstance(self.get(name), str) or len(self[name]) > 1000:
                raise InvalidClaimError(name)
        uris = self.get("redirect_uris")
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise InvalidClaimError("redirect_uris")
        urls = [self[n] for n in ("client_uri", "logo_uri", "tos_uri", "policy_uri")] + uris
        hosts = set()
        for url in urls:
            parts = urlsplit(url) if isinstance(url, str) and len(url) <= 2000 else None
            if parts is None or parts.scheme != "https" or not parts.hostname:
                raise InvalidClaimError("redirect_uris" if url in uris else "client_uri")
            hosts.add(parts.hostname)
        if len(hosts) > 1:
            raise InvalidClaimError("client_uri")  # OB: all URLs MUST have the same hostname
        for name, allowed in (
            ("grant_types", {"authorization_code", "refresh_token"}),
            ("response_types", {"code"}),
        ):
            value = self.get(name)
            if value is not None and (not isinstance(value, list) or not set(value) <= allowed):
                raise InvalidClaimError(name)
        method = self.get("token_endpoint_auth_method")
        if method is not None and method not in _AUTH_METHODS:
            raise InvalidClaimError("token_endpoint_auth_method")
        super().validate(now, leeway)


class _Registration(ClientRegistrationEndpoint):  # type: ignore[misc]
    def authenticate_token(self, request: JsonRequest) -> bool:
        return True  # OB 3.0: registration MUST NOT require an initial access token

    def get_server_metadata(self) -> dict[str, Any]:
        return {
            "scopes_supported": self.server.scopes_supported,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
        }

    def generate_client_info(self, request: JsonRequest) -> dict[str, Any]:
        return {}  # made by ``save_client``, which knows the clock and keeps only the hash

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: JsonRequest
    ) -> Client:
        record, secret = oauth.register_client(self.server.deps, client_metadata)
        client = Client(record)
        client.issued_secret = secret
        return client

    def generate_client_registration_info(
        self, client: Client, request: JsonRequest
    ) -> dict[str, Any]:
        """What RFC 7591 §3.2.1 adds to the metadata: the credentials (the secret only now)."""
        return {
            "client_id": client.record.client_id,
            "client_secret": client.issued_secret,
            "client_id_issued_at": int(client.record.issued_at.timestamp()),
            "client_secret_expires_at": 0,
        }


class CredstackAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """The authorisation server of the learner APIs, over ``deps``."""

    def __init__(self, deps: ServiceDeps, scopes: Sequence[str]) -> None:
        super().__init__(scopes_supported=list(scopes))
        self.deps = deps
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: oauth.new_secret(),
                refresh_token_generator=lambda **_: oauth.new_secret(),
                expires_generator=oauth.ACCESS_TOKEN_SECONDS,
            ),
        )
        self.register_grant(_CodeGrant, [_S256Challenge(required=True)])
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_Revocation)
        self.register_endpoint(_Registration(self, claims_classes=[ObClientMetadata]))

    def query_client(self, client_id: str) -> Client | None:
        record = oauth.find_client(self.deps, client_id)
        return None if record is None else Client(record)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        previous: Token | None = request.refresh_token
        code: Code | None = request.authorization_code
        oauth.save_tokens(
            self.deps,
            token,
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            code_hash=code.record.code_hash if code else previous.record.code_hash if previous
            else None,
            replacing=previous.record.id if previous else None,
        )  # fmt: skip

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: JsonRequest) -> JsonRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        if isinstance(body, dict):
            response: Response = JSONResponse(body, status_code=status)
        else:
            response = Response(body or b"", status_code=status)
        for name, value in headers:
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: credstack has no listeners for them."""
