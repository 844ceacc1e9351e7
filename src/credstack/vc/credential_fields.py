"""Reading the two credential fields every check needs, the same way everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["issuer_id", "parse_instant"]


def issuer_id(credential: Mapping[str, Any]) -> str:
    """The issuer's id, whether ``issuer`` is a string or a Profile object; ``""`` if none."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def parse_instant(value: Any) -> dt.datetime | None:
    """An XSD date-time as an aware datetime (UTC when it names no zone); ``None`` when it is
    not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
