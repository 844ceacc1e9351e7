"""External completions: another system (an LMS) reports that a learner completed something.

An organisation registers each system it trusts as an *integration*, by name (a slug such as
``moodle``); the name is what a requirement's ``external`` leaf refers to. The integration
signs its reports with a shared secret (``csi_...``): ``X-Credstack-Signature: v1=<hex>``,
the HMAC-SHA256 of ``{timestamp}.{body}`` under the secret's text (docs/completions.md).
A completion is recorded once per system and external id (the system's own id of it), so a
report sent again changes nothing.

Pure: no I/O, no clock, no randomness (the caller passes ``now`` and secrets).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import hmac
import re
from collections.abc import Collection
from urllib.parse import urlsplit

from credstack.domain.errors import InvalidInputError

__all__ = [
    "SECRET_PREFIX",
    "SIGNATURE_TOLERANCE",
    "Completion",
    "CompletionEvent",
    "CompletionRejectedError",
    "Integration",
    "RowError",
    "check_completed_at",
    "check_grade",
    "check_integration_name",
    "check_record_url",
    "check_score",
    "check_timestamp",
    "same_report",
    "signature",
    "signature_matches",
]

SECRET_PREFIX = "csi_"  # noqa: S105 - the marker of an integration secret, no secret
#: seconds a report's ``X-Credstack-Timestamp`` may be away from the server's clock
SIGNATURE_TOLERANCE = 300
_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_MAX_URL = 2000
_MAX_TEXT = 64


@dataclasses.dataclass(frozen=True, slots=True)
class Integration:
    """A system an organisation lets report completions (its secret is kept apart, sealed:
    ``domain.webhooks.SealedSecrets``). ``disabled_at``: it may report no more."""

    issuer_id: str
    name: str
    created_at: dt.datetime
    rotated_at: dt.datetime | None = None
    disabled_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclasses.dataclass(frozen=True, slots=True)
class Completion:
    """PERSONAL DATA: a learner completed a requirement, as ``system`` reported it.

    ``reported_by``: ``token:<id>``, ``integration:<name>`` or ``csv:<who>``. ``score`` is a
    decimal as written (``"87.5"``), ``grade`` a text (``"B+"``)."""

    id: str
    issuer_id: str
    offering_id: str
    requirement_id: str
    user_id: str
    system: str
    external_id: str
    completed_at: dt.datetime
    reported_by: str
    recorded_at: dt.datetime
    score: str | None = None
    grade: str | None = None
    url: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionEvent:
    """One entry of the append-only log: a completion recorded, an integration registered,
    its secret rotated, it disabled. ``actor`` as ``Completion.reported_by``."""

    at: dt.datetime
    issuer_id: str
    actor: str
    action: str
    system: str
    completion_id: str | None = None
    detail: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one line of a completions CSV, and in which column."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class CompletionRejectedError(InvalidInputError):
    """A report that is well formed but cannot be recorded (no such requirement, a CSV with
    bad rows): the web answers 422. ``errors`` lists every bad row of a CSV."""

    def __init__(self, message: str, errors: Collection[RowError] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


def check_integration_name(name: str) -> str:
    """The name, if it is a slug (what a requirement's ``external`` names); else
    ``InvalidInputError``."""
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            "name: must be 1-64 lower-case letters, digits or inner hyphens (e.g. moodle)"
        )
    return name


def check_record_url(url: str) -> str:
    """The link to the completion's record in the other system: http or https, with a host."""
    url = url.strip()
    if len(url) > _MAX_URL:
        raise InvalidInputError(f"url: longer than {_MAX_URL} characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInputError(f"url: '{url}' is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("url: must be an http or https link with a host")
    return url


def check_score(score: str) -> str:
    """A score as a plain decimal (``87.5``); ``InvalidInputError`` for anything else."""
    text = score.strip()
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise InvalidInputError(f"score: '{score}' is not a number") from None
    if not value.is_finite() or len(text) > 32:
        raise InvalidInputError(f"score: '{score}' is not a number")
    return text


def check_grade(grade: str) -> str:
    text = grade.strip()
    if not text or len(text) > _MAX_TEXT:
        raise InvalidInputError(f"grade: must be 1-{_MAX_TEXT} characters")
    return text


def check_completed_at(at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When it was completed, in UTC; not after ``now`` (beyond the clock tolerance)."""
    if at.tzinfo is None:
        raise InvalidInputError("completed_at: give a time zone (e.g. 2026-05-01T10:00:00Z)")
    if at > now + dt.timedelta(seconds=SIGNATURE_TOLERANCE):
        raise InvalidInputError("completed_at: is in the future")
    return at.astimezone(dt.UTC)


def same_report(stored: Completion, other: Completion, *, completed_at_given: bool) -> bool:
    """Whether ``other`` reports what ``stored`` recorded (a repeat, not a change). A repeat
    that leaves out ``completed_at`` got "now" for it, so the time is compared only when given."""
    fields = ("offering_id", "requirement_id", "user_id", "score", "grade", "url")
    if any(getattr(stored, name) != getattr(other, name) for name in fields):
        return False
    return not completed_at_given or stored.completed_at == other.completed_at


def check_timestamp(stamp: str, now: dt.datetime) -> int:
    """The ``X-Credstack-Timestamp`` as Unix seconds, if within ``SIGNATURE_TOLERANCE`` of
    ``now`` (a captured request replayed later is refused); else ``InvalidInputError``."""
    if not stamp.strip().isdigit():
        raise InvalidInputError("X-Credstack-Timestamp: must be Unix seconds")
    timestamp = int(stamp)
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE:
        raise InvalidInputError(
            f"X-Credstack-Timestamp: more than {SIGNATURE_TOLERANCE // 60} minutes from the "
            "server's clock"
        )
    return timestamp


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Credstack-Signature`` value: ``v1=`` + the hex HMAC-SHA256, keyed by the
    secret's text (``csi_...``, as UTF-8), of ``{timestamp}.`` followed by the raw body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def signature_matches(secrets: Collection[str], header: str, timestamp: int, body: bytes) -> bool:
    """Whether one ``v1=`` signature of ``header`` (comma separated when several) is the
    signature of the body under one of ``secrets``. Every comparison runs in constant time
    and all are made, so the time taken tells nothing about which part differed."""
    presented = [part.strip() for part in header.split(",") if part.strip().startswith("v1=")]
    found = False
    for secret in secrets:
        expected = signature(secret, timestamp, body)
        for candidate in presented:
            found |= hmac.compare_digest(candidate.encode(), expected.encode())
    return found
