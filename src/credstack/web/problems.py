"""Errors as RFC 9457 problem documents: every 4xx and 5xx the service sends is one.

A client gets ``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail``
(one sentence it can show), never a stack trace; a bug becomes a bare 500 problem and the
trace goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credstack.domain.errors import (
    AuthenticationError,
    ConflictError,
    CredstackError,
    InvalidInputError,
    MailError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
)

__all__ = ["PROBLEM_TYPES", "Problem", "install_problem_handlers", "problem_response"]

log = logging.getLogger("credstack.web")

PROBLEM_MEDIA_TYPE = "application/problem+json"
_BASE = "https://w3id.org/credstack/problems#"
#: problem ``type`` URIs by status; ``about:blank`` (RFC 9457 §4.2.1) is not used, so that a
#: client can tell credstack's problems apart
PROBLEM_TYPES = {
    400: f"{_BASE}invalid-request",
    401: f"{_BASE}unauthenticated",
    403: f"{_BASE}forbidden",
    404: f"{_BASE}not-found",
    405: f"{_BASE}method-not-allowed",
    406: f"{_BASE}not-acceptable",
    409: f"{_BASE}conflict",
    413: f"{_BASE}too-large",
    415: f"{_BASE}unsupported-media-type",
    422: f"{_BASE}unprocessable",
    429: f"{_BASE}too-many-requests",
    503: f"{_BASE}unavailable",
    500: f"{_BASE}internal",
}
_TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class Problem(Exception):  # noqa: N818 - it is the problem document, raised
    """Raise to answer with a problem document."""

    def __init__(self, status: int, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extensions = extensions


def problem_response(status: int, detail: str, **extensions: Any) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPES.get(status, f"{_BASE}http-{status}"),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _validation_detail(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        parts.append(f"{where or 'body'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"


_STATUS_OF: tuple[tuple[type[CredstackError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InvalidInputError, 400),
    (StorageError, 503),
    (MailError, 503),
)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app can meet, answered as a problem document."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.detail, **error.extensions)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return problem_response(400, _validation_detail(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code)
        return problem_response(error.status_code, str(detail or "error"))

    @app.exception_handler(CredstackError)
    async def _domain(_: Request, error: CredstackError) -> JSONResponse:
        status = next((code for kind, code in _STATUS_OF if isinstance(error, kind)), 400)
        response = problem_response(status, str(error))
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="credstack"'
        return response

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "the server met an error it did not expect")
