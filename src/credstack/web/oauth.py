"""The OAuth 2.0 endpoints of the learner APIs: register an app (RFC 7591), the learner's
consent (authorisation code with PKCE), tokens and refresh (RFC 6749), revocation (RFC 7009).

One authorisation server for the OB 3.0 and the CLR 2.0 API (their discovery documents name
these same URLs, each with its own scopes). The protocol is Authlib's
(``web.oauth_server``); these routes read the request, call it, and write what it answers.
The consent page is for a signed-in person: others are sent to /login and brought back.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from credstack.domain.errors import AuthenticationError
from credstack.domain.oauth import CLR_SCOPES, OB_SCOPES
from credstack.services.learner_api import learner
from credstack.web.auth import deps_of
from credstack.web.oauth_requests import FormRequest, JsonBodyRequest, basic_auth_ok
from credstack.web.oauth_server import CredstackAuthorizationServer
from credstack.web.public import TEMPLATES
from credstack.web.sessions import SessionCookies

__all__ = ["AUTHORIZE_PATH", "REGISTER_PATH", "REVOKE_PATH", "TOKEN_PATH", "router"]

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, no secret
REVOKE_PATH = "/oauth/revoke"
REGISTER_PATH = "/oauth/register"

router = APIRouter(tags=["OAuth 2.0 (learner APIs)"])

_WHAT = {
    "credential.readonly": "see your credentials",
    "credential.upsert": "add credentials to your collection here, or replace them",
    "profile.readonly": "see your name and e-mail address",
    "profile.update": "change your name",
}
SCOPE_TEXT = {
    **{uri: f"{_WHAT[op]} (Open Badges 3.0)" for op, uri in OB_SCOPES.items()},
    **{uri: f"{_WHAT[op]} (Comprehensive Learner Record 2.0)" for op, uri in CLR_SCOPES.items()},
}


def authorization_server(request: Request) -> CredstackAuthorizationServer:
    """The application's authorisation server (made on first use)."""
    state = request.app.state
    server: CredstackAuthorizationServer | None = getattr(state, "oauth_server", None)
    if server is None:
        server = CredstackAuthorizationServer(deps_of(request), list(SCOPE_TEXT))
        state.oauth_server = server
    return server


def _public(request: Request, path: str) -> str:
    return f"{deps_of(request).public_url}{path}"


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def _form_of(request: Request) -> dict[str, list[str]] | None:
    """The url-encoded body, every value of every field; ``None`` when it is not one."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    try:
        return parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None


def _form_body(*fields: str) -> dict[str, object]:
    """The OpenAPI description of a url-encoded body (the route reads it itself)."""
    schema = {"type": "object", "properties": {name: {"type": "string"} for name in fields}}
    content = {"application/x-www-form-urlencoded": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


_JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    REGISTER_PATH,
    summary="Register an app (RFC 7591, as OB 3.0 profiles it)",
    openapi_extra=_JSON_BODY,
)
async def register(request: Request) -> Response:
    try:
        data = json.loads(await request.body())
    except (ValueError, RecursionError):
        data = None
    oauth_request = JsonBodyRequest(_public(request, REGISTER_PATH), request.headers, data)
    server = authorization_server(request)
    response: Response = await run_in_threadpool(
        server.create_endpoint_response, "client_registration", oauth_request
    )
    return response


@router.post(
    TOKEN_PATH,
    summary="Exchange a code, or refresh (RFC 6749 §4.1.3, §6)",
    openapi_extra=_form_body(
        "grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope",
        "client_id", "client_secret",
    ),
)  # fmt: skip
async def token(request: Request) -> Response:
    form = await _form_of(request)
    if form is None:
        return _oauth_error(400, "invalid_request", "send application/x-www-form-urlencoded")
    if not basic_auth_ok(request.headers):
        return _oauth_error(401, "invalid_client", "the Basic credentials are not readable")
    oauth_request = FormRequest("POST", _public(request, TOKEN_PATH), request.headers, {}, form)
    server = authorization_server(request)
    response: Response = await run_in_threadpool(server.create_token_response, oauth_request)
    return response


@router.post(
    REVOKE_PATH,
    summary="Revoke a token (RFC 7009)",
    openapi_extra=_form_body("token", "token_type_hint", "client_id", "client_secret"),
)
async def revoke(request: Request) -> Response:
    form = await _form_of(request)
    if form is None:
        return _oauth_error(400, "invalid_request", "send application/x-www-form-urlencoded")
    if not basic_auth_ok(request.headers):
        return _oauth_error(401, "invalid_client", "the Basic credentials are not readable")
    oauth_request = FormRequest("POST", _public(request, REVOKE_PATH), request.headers, {}, form)
    server = authorization_server(request)
    response: Response = await run_in_threadpool(
        server.create_endpoint_response, "revocation", oauth_request
    )
    return response


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _error_page(message: str) -> HTMLResponse:
    html = TEMPLATES.get_template("oauth_error.html").render(message=message)
    return HTMLResponse(html, status_code=400)


def _consent_or_error(
    request: Request, query: dict[str, list[str]], user_id: str, decision: str | None
) -> Response:
    """Validate the authorisation request; then the consent page (``decision`` None) or the
    redirect back to the app with a code (``allow``) or ``access_denied``."""
    server = authorization_server(request)
    oauth_request = FormRequest("GET", _public(request, AUTHORIZE_PATH), request.headers, query)
    user = learner(deps_of(request), user_id)
    try:
        grant = server.get_consent_grant(oauth_request, end_user=user)
    except OAuth2Error as error:
        if error.redirect_uri:
            response: Response = server.handle_error_response(oauth_request, error)
            return response
        # RFC 6749 §4.1.2.1: no redirect to an unknown client or an unregistered URI
        return _error_page(error.description or error.error)
    if decision is None:
        client = grant.client.record.metadata
        scopes = [SCOPE_TEXT.get(scope, scope) for scope in grant.request.scope.split()]
        html = TEMPLATES.get_template("consent.html").render(
            client=client,
            scopes=scopes,
            csrf=_cookies(request).signed_in(request).csrf,
            request_query=urlencode(query, doseq=True),
            user=user,
        )
        return HTMLResponse(html, headers={"X-Frame-Options": "DENY"})
    granted = user if decision == "allow" else None
    answer: Response = server.create_authorization_response(
        oauth_request, grant_user=granted, grant=grant
    )
    return answer


@router.get(AUTHORIZE_PATH, summary="Ask the learner to let an app in (the consent page)")
def authorize_page(request: Request) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(back, safe='')}", status_code=303)
    query = parse_qs(request.url.query, keep_blank_values=True)
    return _consent_or_error(request, query, session.user_id, None)


@router.post(AUTHORIZE_PATH, summary="The learner's answer on the consent page")
def authorize(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)],
    request_query: Annotated[str, Form(max_length=8000)],
    decision: Annotated[str, Form(max_length=10)],
) -> Response:
    cookies = _cookies(request)
    session = cookies.read(request)
    if session is None:
        raise AuthenticationError("sign in first (/login)")
    cookies.check_csrf(session, csrf)
    query = parse_qs(request_query, keep_blank_values=True)
    return _consent_or_error(
        request, query, session.user_id, "allow" if decision == "allow" else "deny"
    )
