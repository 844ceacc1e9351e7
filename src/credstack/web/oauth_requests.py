"""What Authlib reads of an HTTP request, made from a Starlette request the route has read.

Authlib's server core is synchronous and framework-agnostic: it asks for an ``OAuth2Request``
(query and form values) or a ``JsonRequest`` (a registration's JSON body). Starlette reads
bodies asynchronously, so a route reads the body first and builds one of these from it.
"""

from __future__ import annotations

import base64
import binascii
import collections
from collections.abc import Mapping, Sequence
from typing import Any

from authlib.oauth2.rfc6749 import JsonPayload, JsonRequest, OAuth2Payload, OAuth2Request
from starlette.datastructures import Headers

__all__ = ["FormRequest", "JsonBodyRequest", "basic_auth_ok"]


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: Mapping[str, Sequence[str]]) -> None:
        self._datalist = collections.defaultdict(list, {k: list(v) for k, v in values.items()})

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._datalist.items() if values}

    @property
    def datalist(self) -> collections.defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth request (authorise, token, revoke): ``query`` and ``form`` already parsed.

    ``uri`` is the installation's public URL of the endpoint, not the URL the server saw:
    behind a TLS proxy the server sees plain HTTP, and Authlib refuses non-HTTPS requests
    (except on localhost) to keep tokens off the wire in clear.
    """

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Headers,
        query: Mapping[str, Sequence[str]],
        form: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(method, uri, headers=headers)
        form = form or {}
        self._args = {key: values[0] for key, values in query.items() if values}
        self._form = {key: values[0] for key, values in form.items() if values}
        merged = {key: list(values) for key, values in query.items()}
        for key, values in form.items():
            merged.setdefault(key, []).extend(values)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _JsonPayload(JsonPayload):  # type: ignore[misc]
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


class JsonBodyRequest(JsonRequest):  # type: ignore[misc]
    """A registration request: its JSON body, parsed (``{}`` when it is not an object)."""

    def __init__(self, uri: str, headers: Headers, data: Any) -> None:
        super().__init__("POST", uri, headers)
        self.payload = _JsonPayload(data if isinstance(data, dict) else {})


def basic_auth_ok(headers: Headers) -> bool:
    """Whether an ``Authorization: Basic`` header (if any) decodes to text, as Authlib
    assumes (it would fail on other bytes rather than refuse them)."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return True
    try:
        base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return True
