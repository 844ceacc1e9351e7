"""The real ``WebhookSender``: one HTTP POST, bounded, to an address that may be reached.

A webhook URL is chosen by an organisation's admin, so the server would otherwise POST
wherever it is told (server-side request forgery). Before each attempt the host is resolved
and every address it resolves to must be public (not private, loopback, link-local: cloud
metadata services live there), unless the installation allows local receivers
(``CREDSTACK_WEBHOOKS_ALLOW_LOCAL``). Redirects are not followed (a 3xx is a failure, as the
Standard Webhooks specification recommends); the request is time-limited and at most
``max_response`` bytes of the answer are read.

What remains: a host whose DNS answer changes between the check and the connection (DNS
rebinding) could still reach an internal address; an installation that must rule that out
sends through an egress proxy that filters internal addresses (decision 0019).
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from credstack.domain.errors import InvalidInputError
from credstack.domain.webhooks import SendResult, check_url, is_public_address

__all__ = ["HttpWebhookSender"]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        return None  # the 3xx comes back as an HTTPError: a failed attempt


def _retry_after(headers: Message | None) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is not None and value.strip().isdigit():
        return float(value.strip())
    return None


class HttpWebhookSender:
    """POSTs with ``urllib`` (no extra dependency); never raises: every failure is a
    ``SendResult`` with a status (or none) and a short reason."""

    def __init__(
        self, *, allow_local: bool = False, timeout: float = 15.0, max_response: int = 4096
    ) -> None:
        self._allow_local = allow_local
        self._timeout = timeout
        self._max_response = max_response
        self._opener = urllib.request.build_opener(_NoRedirects())

    def _reachable(self, url: str) -> str | None:
        """Why events may not go to ``url`` now, or ``None``."""
        try:
            check_url(url, allow_local=self._allow_local)
        except InvalidInputError as error:
            return str(error)
        if self._allow_local:
            return None
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as error:
            return f"cannot resolve {host}: {error.strerror or error}"
        addresses = {str(info[4][0]) for info in infos}
        private = sorted(a for a in addresses if not is_public_address(a.split("%")[0]))
        if private:
            return f"{host} resolves to a non-public address ({private[0]}): not sent"
        return None

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult:
        refused = self._reachable(url)
        if refused is not None:
            return SendResult(None, refused)
        # the scheme was checked above (https, or http to localhost when allowed)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(self._max_response)
                return SendResult(response.status)
        except urllib.error.HTTPError as error:
            excerpt = error.read(200).decode("utf-8", errors="replace").strip()
            reason = f"{error.code} {error.reason}" + (f": {excerpt}" if excerpt else "")
            return SendResult(error.code, reason, _retry_after(error.headers))
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            cause = getattr(error, "reason", None) or error
            return SendResult(None, f"no response: {cause}")
