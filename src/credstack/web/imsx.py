"""Errors of the 1EdTech APIs as ``Imsx_StatusInfo`` (OB 3.0 §B.3.1), not problem documents.

Every error credstack answers is first a problem document (``web.problems``), however it
arose: a domain error, bad input, an unknown path, a wrong method, a body too large. Under
``/ims/`` this middleware rewrites such an answer into the status object those APIs define,
with the same HTTP status, so there is one way errors are made and the 1EdTech clients still
get their shape. A problem may name its code minor value (``codeMinor`` extension).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.web.problems import PROBLEM_MEDIA_TYPE

__all__ = ["IMS_PREFIX", "ImsxErrors", "status_info"]

IMS_PREFIX = "/ims/"
#: Imsx_CodeMinorFieldValue by HTTP status (OB 3.0 §B.3.6)
_CODE_MINOR = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    421: "misdirected_request",
    422: "invalid_data",
    429: "server_busy",
    500: "internal_server_error",
}


def status_info(status: int, description: str, code_minor: str | None = None) -> dict[str, Any]:
    """The ``Imsx_StatusInfo`` of a failed request answered with ``status``."""
    return {
        "imsx_codeMajor": "failure",
        # §B.3.6: not_found goes with failure/status, every other failure with failure/error
        "imsx_severity": "status" if status == 404 else "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "credstack",
                    "imsx_codeMinorFieldValue": code_minor or _CODE_MINOR.get(status, "unknown"),
                }
            ]
        },
    }


class ImsxErrors:
    """ASGI middleware: problem documents under ``/ims/`` become ``Imsx_StatusInfo``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(IMS_PREFIX):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewriting(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or ())
                if headers.get(b"content-type", b"").startswith(PROBLEM_MEDIA_TYPE.encode()):
                    start = message  # held until the whole problem document is read
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._send_status_info(start, b"".join(chunks), send)
                return
            await send(message)

        await self.app(scope, receive, rewriting)

    @staticmethod
    async def _send_status_info(start: Message, problem_body: bytes, send: Send) -> None:
        status = int(start["status"])
        try:
            problem = json.loads(problem_body)
        except ValueError:
            problem = {}
        detail = str(problem.get("detail") or problem.get("title") or "the request failed")
        minor = problem.get("codeMinor")
        body = json.dumps(status_info(status, detail, minor if isinstance(minor, str) else None))
        encoded = body.encode("utf-8")
        kept = [
            (name, value)
            for name, value in start.get("headers") or ()
            if name.lower() not in (b"content-type", b"content-length")
        ]
        headers = [
            *kept,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(encoded)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": encoded})
