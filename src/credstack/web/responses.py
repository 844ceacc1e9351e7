"""The APIs' JSON answers: one writer (``vc_api.json_bytes``), one media type."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from credstack.web.vc_api import json_bytes

__all__ = ["json_response"]


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``value`` as ``application/json``, serialised once by ``json_bytes``."""
    return Response(json_bytes(value), status, headers, media_type="application/json")
