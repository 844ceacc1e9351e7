"""The real ``Fetcher``: HTTPS GET with a timeout, a size cap and no surprises.

Verifiers fetch documents named by credentials they do not trust (a ``did:web`` document, a
status list), so every request is bounded in time and size, only ``https`` is followed (plain
``http`` only when explicitly allowed, for local tests), and redirects may not leave HTTPS.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from credstack.vc.errors import FetchError

__all__ = ["HttpFetcher"]

_USER_AGENT = "credstack-verifier/0.1 (+https://github.com/credstack)"


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_http: bool) -> None:
        self._allow_http = allow_http

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        if urllib.parse.urlsplit(newurl).scheme != "https" and not self._allow_http:
            raise FetchError(f"{req.full_url} redirects to non-HTTPS {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpFetcher:
    """Fetches over HTTPS with ``urllib`` (no extra dependency)."""

    def __init__(self, *, allow_http: bool = False) -> None:
        self._allow_http = allow_http
        self._opener = urllib.request.build_opener(_NoDowngrade(allow_http))

    def fetch(self, url: str, *, accept: str, timeout: float, max_bytes: int) -> bytes:
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme != "https" and not (self._allow_http and scheme == "http"):
            raise FetchError(f"{url}: only https URLs are fetched")
        # The scheme was checked just above: only https (or http when allowed) gets here.
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": _USER_AGENT})  # noqa: S310
        try:
            with self._opener.open(request, timeout=timeout) as response:
                data: bytes = response.read(max_bytes + 1)
        except urllib.error.HTTPError as error:
            raise FetchError(
                f"{url} answered {error.code} {error.reason}", status=error.code
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise FetchError(f"{url} could not be reached: {reason}") from None
        if len(data) > max_bytes:
            raise FetchError(f"{url} is larger than {max_bytes} bytes")
        return data
