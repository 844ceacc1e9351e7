"""The port through which the standards core reads anything remote.

The core does no I/O of its own: resolving ``did:web``, an HTTPS verification method or a
status list goes through a ``Fetcher`` the caller passes in. The web adapter supplies one
with real HTTP, a timeout and a size cap; tests and offline verifiers supply a
``MappingFetcher``; and passing none means "offline", which the verification report shows as
checks it could not make.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from credstack.vc.errors import FetchError

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "Fetcher", "MappingFetcher", "fetch_json"]

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 1_000_000


class Fetcher(Protocol):
    """Gets the bytes at an HTTPS URL.

    Implementations must give up after ``timeout`` seconds, refuse bodies over ``max_bytes``,
    and raise ``FetchError`` (with ``status`` set for an HTTP error status) on any failure.
    """

    def fetch(self, url: str, *, accept: str, timeout: float, max_bytes: int) -> bytes: ...


class MappingFetcher:
    """A fetcher that serves fixed documents by URL: for tests and for offline bundles.

    A URL that is not in the mapping answers like a server would: 404.
    """

    def __init__(self, documents: Mapping[str, bytes | str | Mapping[str, Any]]) -> None:
        self._documents = dict(documents)
        self.requests: list[str] = []

    def fetch(self, url: str, *, accept: str, timeout: float, max_bytes: int) -> bytes:
        self.requests.append(url)
        if url not in self._documents:
            raise FetchError(f"{url} answered 404 Not Found", status=404)
        body = self._documents[url]
        if isinstance(body, str):
            data = body.encode("utf-8")
        elif isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode("utf-8")
        if len(data) > max_bytes:
            raise FetchError(f"{url} is larger than {max_bytes} bytes")
        return data


def fetch_json(
    fetcher: Fetcher,
    url: str,
    *,
    accept: str = "application/json",
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """Fetch ``url`` and parse it as JSON; any failure is a ``FetchError`` naming the URL."""
    data = fetcher.fetch(url, accept=accept, timeout=timeout, max_bytes=max_bytes)
    if len(data) > max_bytes:
        raise FetchError(f"{url} is larger than {max_bytes} bytes")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise FetchError(f"{url} did not return JSON: {error}") from None
