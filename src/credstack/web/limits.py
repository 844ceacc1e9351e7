"""Oversized request bodies are refused before they are read whole.

A declared ``Content-Length`` over the limit is answered 413 at once; a body sent without one
(chunked) is counted as it arrives and cut off at the limit. Either way the app never holds
more than the limit in memory for one request. A route that takes larger bodies (a cohort
file) gets its own limit by path; a route that stores what it reads checks
``request.state.body_cut`` (set when a streamed body was cut off) before it stores anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.web.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES

__all__ = ["BodyLimit"]


class BodyLimit:
    """ASGI middleware: at most ``limit`` bytes of request body; ``per_path`` maps a regular
    expression of whole paths to the limit of the routes it matches."""

    def __init__(self, app: ASGIApp, limit: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = limit
        self.per_path = [(re.compile(pattern), size) for pattern, size in (per_path or {}).items()]

    def limit_for(self, path: str) -> int:
        return next((n for pattern, n in self.per_path if pattern.fullmatch(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        seen = 0
        too_large = False
        refused = False

        async def counted() -> Message:
            # past the limit, the app is told the body ended (and gets no more of it)
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    scope.setdefault("state", {})["body_cut"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def watched(message: Message) -> None:
            # whatever the app made of a cut-off body, the client is told it was too large
            nonlocal refused
            if too_large:
                if not refused:
                    refused = True
                    await self._refuse(send, limit)
                return
            await send(message)

        await self.app(scope, counted, watched)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": PROBLEM_TYPES[413],
                "title": "Request too large",
                "status": 413,
                "detail": f"the request body is larger than {limit:,} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
