"""The 1EdTech Open Badges 3.0 API (§6) and its twin, the CLR 2.0 API, for learners' apps.

``/ims/ob/v3p0`` and ``/ims/clr/v2p0``, one implementation made twice (``Flavour``):
discovery (the Service Description Document, open to all), getCredentials (paged with
``limit``/``offset``/``since``, ``X-Total-Count`` and ``Link``), upsertCredential (JSON or a
compact JWS, kept as sent: 201 stored, 200 replaced), getProfile and putProfile. Every route
but discovery needs an OAuth access token (``web.oauth``) with that operation's scope; what
it sees is the learner's who granted the token, never anyone else's. Errors are
``Imsx_StatusInfo`` documents (``web.imsx``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from credstack.domain.errors import AuthenticationError, CredstackError, PermissionDeniedError
from credstack.domain.oauth import LearnerApi, api_scopes
from credstack.ob.learner_profile import learner_profile, profile_name
from credstack.services import learner_api
from credstack.services.deps import ServiceDeps
from credstack.services.oauth import access_token
from credstack.web.auth import deps_of
from credstack.web.oauth import AUTHORIZE_PATH, REGISTER_PATH, REVOKE_PATH, SCOPE_TEXT, TOKEN_PATH
from credstack.web.oauth_server import Token
from credstack.web.problems import Problem, problem_response

__all__ = ["CLR", "OB", "Flavour", "clr_router", "discovery_document", "ob_router"]

log = logging.getLogger("credstack.web")

#: a page holds this many credentials unless ``limit`` asks for fewer (or more, up to MAX)
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_JSON_TYPES = ("application/json", "application/vc+ld+json", "application/ld+json")


@dataclasses.dataclass(frozen=True, slots=True)
class Flavour:
    """What differs between the OB 3.0 and the CLR 2.0 API: path, scopes, JSON-LD context."""

    api: LearnerApi
    base: str
    title: str
    version: str
    context: str

    def scope(self, operation: str) -> str:
        return api_scopes(self.api)[operation]


OB = Flavour(
    LearnerApi.OB, "/ims/ob/v3p0", "Open Badges", "3.0",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)  # fmt: skip
CLR = Flavour(
    LearnerApi.CLR, "/ims/clr/v2p0", "Comprehensive Learner Record", "2.0",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
)  # fmt: skip


class _ImsRoute(APIRoute):
    """A route whose unexpected failure is still a 500 status document (the app's catch-all
    answers outside the middleware that makes them)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (CredstackError, Problem) as error:
                raise error
            except Exception as error:
                if type(error).__module__.startswith(("fastapi", "starlette")):
                    raise  # validation and HTTP errors: the problem handlers answer them
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return problem_response(500, "the server met an error it did not expect")

        return guarded


# --- who is asking ---------------------------------------------------------------------------


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, deps: ServiceDeps) -> None:
        super().__init__(realm="credstack")
        self._deps = deps

    def authenticate_token(self, token_string: str) -> Token | None:
        record = access_token(self._deps, token_string)
        return None if record is None else Token(record, self._deps)


@dataclasses.dataclass(frozen=True, slots=True)
class _Headers:
    headers: Headers


def _learner(request: Request, scope: str) -> str:
    """The learner an access token with ``scope`` acts for (401 without a valid token, 403
    for a token not granted that scope)."""
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(deps_of(request)))
    try:
        token: Token = protector.validate_request([scope], _Headers(request.headers))
    except InsufficientScopeError:
        raise PermissionDeniedError(f"this access token was not granted {scope}") from None
    except OAuth2Error:
        raise AuthenticationError(
            "send a valid access token: Authorization: Bearer <token> (see /oauth/token)"
        ) from None
    return token.record.user_id


# --- paging ----------------------------------------------------------------------------------


def _query_int(request: Request, name: str, default: int, least: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < least:
        raise Problem(
            400, f"{name} must be a whole number from {least} to 999999999",
            codeMinor="invalid_query_parameter",
        )  # fmt: skip
    return int(raw)


def _since(request: Request) -> dt.datetime | None:
    raw = request.query_params.get("since")
    if raw is None:
        return None
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Problem(
            400, "since must be a date and time with its zone, e.g. 2026-01-01T00:00:00Z",
            codeMinor="invalid_query_parameter",
        )  # fmt: skip
    return when


def _link_header(url: str, total: int, offset: int, limit: int, since: str | None) -> str:
    """OB 3.0 §6.4: first and last always, next while incomplete, prev past offset 0."""

    def page(at: int) -> str:
        query = {"limit": limit, "offset": at, **({"since": since} if since else {})}
        return f"{url}?{urlencode(query)}"

    last = max(0, (total - 1) // limit * limit)
    links = []
    if offset + limit < total:
        links.append((page(offset + limit), "next"))
    links.append((page(last), "last"))
    links.append((page(0), "first"))
    if offset > 0:
        links.append((page(max(0, offset - limit)), "prev"))
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)


# --- the routes ------------------------------------------------------------------------------

_PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
]
_CREDENTIAL_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}
_PROFILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _router(flavour: Flavour) -> APIRouter:
    router = APIRouter(
        prefix=flavour.base, tags=[f"{flavour.title} {flavour.version} API"], route_class=_ImsRoute
    )
    name = flavour.api.value

    @router.get("/discovery", name=f"{name}_discovery", summary="The Service Description Document")
    def discovery(request: Request) -> JSONResponse:
        deps = deps_of(request)
        document = discovery_document(
            flavour,
            deps.public_url,
            request.app.state.privacy_policy_url or f"{deps.public_url}/privacy",
            request.app.state.terms_of_service_url or f"{deps.public_url}/terms",
        )
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})

    @router.get(
        "/credentials", name=f"{name}_get_credentials", summary="getCredentials",
        openapi_extra={"parameters": _PAGING},
    )  # fmt: skip
    def get_credentials(request: Request) -> Response:
        user_id = _learner(request, flavour.scope("credential.readonly"))
        limit = min(_query_int(request, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
        offset = _query_int(request, "offset", 0, 0)
        since = _since(request)
        page = learner_api.learner_credentials(
            deps_of(request), user_id, flavour.api, since=since, offset=offset, limit=limit
        )
        # each credential's own bytes, as issued or as sent, inside the response
        documents = [item.content for item in page.items if not item.jws]
        tokens = [json.dumps(item.content) for item in page.items if item.jws]
        body = f'{{"credential":[{",".join(documents)}],"compactJwsString":[{",".join(tokens)}]}}'
        url = f"{deps_of(request).public_url}{flavour.base}/credentials"
        headers = {
            "X-Total-Count": str(page.total),
            "Link": _link_header(url, page.total, offset, limit, request.query_params.get("since")),
        }
        return Response(body, media_type="application/json", headers=headers)

    @router.post(
        "/credentials", name=f"{name}_upsert_credential", summary="upsertCredential",
        openapi_extra=_CREDENTIAL_BODY,
    )  # fmt: skip
    async def upsert_credential(request: Request) -> Response:
        user_id = await run_in_threadpool(_learner, request, flavour.scope("credential.upsert"))
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in (*_JSON_TYPES, "text/plain"):
            raise Problem(400, "send the credential as application/json, or as text/plain JWS")
        jws = media_type == "text/plain"
        body = (await request.body()).strip() if jws else await request.body()
        created, held = await run_in_threadpool(
            learner_api.upsert_credential, deps_of(request), user_id, flavour.api, body, jws=jws
        )
        return Response(
            held.content,
            status_code=201 if created else 200,
            media_type="text/plain" if jws else "application/json",
        )

    @router.get("/profile", name=f"{name}_get_profile", summary="getProfile")
    def get_profile(request: Request) -> JSONResponse:
        user_id = _learner(request, flavour.scope("profile.readonly"))
        user = learner_api.learner(deps_of(request), user_id)
        return JSONResponse(learner_profile(user, flavour.context))

    @router.put(
        "/profile", name=f"{name}_put_profile", summary="putProfile", openapi_extra=_PROFILE_BODY
    )
    async def put_profile(request: Request) -> JSONResponse:
        user_id = await run_in_threadpool(_learner, request, flavour.scope("profile.update"))
        try:
            document = json.loads(await request.body())
        except (ValueError, RecursionError):
            raise Problem(400, "the body is not JSON") from None
        if not isinstance(document, dict):
            raise Problem(400, "the body must be the whole Profile, a JSON object")
        deps = deps_of(request)
        user = await run_in_threadpool(learner_api.learner, deps, user_id)
        name = profile_name(document, user)
        user = await run_in_threadpool(learner_api.rename_learner, deps, user_id, name)
        return JSONResponse(learner_profile(user, flavour.context))

    return router


def discovery_document(
    flavour: Flavour, public_url: str, privacy_url: str, terms_url: str
) -> dict[str, Any]:
    """The Service Description Document (OB 3.0 §B.4): an OpenAPI 3.0 document naming the
    operations, the OAuth endpoints and this API's scopes."""
    scopes = {uri: SCOPE_TEXT[uri] for uri in api_scopes(flavour.api).values()}

    def operation(operation_id: str, scope: str | None, **extra: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"operationId": operation_id, **extra}
        if scope:
            found["security"] = [{"OAuth2ACG": [flavour.scope(scope)]}]
        found["responses"] = {"default": {"description": "Imsx_StatusInfo on failure"}}
        return found

    return {
        "openapi": "3.0.1",
        "info": {
            "title": f"credstack: {flavour.title} {flavour.version} API",
            "version": flavour.version,
            "termsOfService": terms_url,
            "x-imssf-privacyPolicyUrl": privacy_url,
            "description": f"Revoke tokens at {public_url}{REVOKE_PATH} (RFC 7009).",
        },
        "servers": [{"url": f"{public_url}{flavour.base}"}],
        "paths": {
            "/credentials": {
                "get": operation("getCredentials", "credential.readonly", parameters=_PAGING),
                "post": operation("upsertCredential", "credential.upsert"),
            },
            "/profile": {
                "get": operation("getProfile", "profile.readonly"),
                "put": operation("putProfile", "profile.update"),
            },
            "/discovery": {"get": operation("getServiceDescription", None)},
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization",
                    "x-imssf-name": "credstack",
                    "x-imssf-privacyPolicyUrl": privacy_url,
                    "x-imssf-registrationUrl": f"{public_url}{REGISTER_PATH}",
                    "x-imssf-termsOfServiceUrl": terms_url,
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": f"{public_url}{AUTHORIZE_PATH}",
                            "tokenUrl": f"{public_url}{TOKEN_PATH}",
                            "refreshUrl": f"{public_url}{TOKEN_PATH}",
                            "scopes": scopes,
                        }
                    },
                }
            },
            "schemas": {},
        },
    }


ob_router = _router(OB)
clr_router = _router(CLR)
