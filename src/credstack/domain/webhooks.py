"""Webhooks: an organisation's URLs that receive signed events about its credentials.

Follows the Standard Webhooks specification (1.0.0, standardwebhooks.com) so that receivers
can use its verifier libraries: each request carries ``webhook-id`` (the event's id, the same
on every retry: the receiver's idempotency key), ``webhook-timestamp`` (Unix seconds of the
attempt) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``, space
separated when more than one secret is valid during a rotation); the secret is shown to the
organisation as ``whsec_<base64>``.

Pure: no I/O, no clock, no randomness (the caller passes ``now``, secrets and jitter).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

from credstack.domain.errors import InvalidInputError

__all__ = [
    "EVENT_TYPES",
    "JITTER",
    "LOCAL_HOSTS",
    "PING",
    "RETRY_DELAYS",
    "SECRET_PREFIX",
    "SIGNATURE_TOLERANCE",
    "Delivery",
    "DeliveryState",
    "Event",
    "SealedSecrets",
    "SendResult",
    "Subscription",
    "WebhookSignatureError",
    "check_events",
    "check_url",
    "decode_secret",
    "encode_secret",
    "is_public_address",
    "next_attempt",
    "sign",
    "signature_header",
    "verify_signature",
]

#: what an organisation can subscribe to
EVENT_TYPES = (
    "credential.issued",
    "credential.revoked",
    "credential.suspended",
    "credential.unsuspended",
    "credential.claimed",
)
#: the event ``POST .../webhooks/{id}/test`` sends; never subscribed to, sent on request
PING = "ping"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the marker of a Standard Webhooks secret, no secret
#: hosts a plain-http URL may name when local delivery is allowed (development and tests)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: seconds a receiver should accept a ``webhook-timestamp`` away from its clock
SIGNATURE_TOLERANCE = 300
#: the wait after the first, second, ... failed attempt; after the last, delivery gives up.
#: Seven attempts over about 31 hours: a receiver down for a day still gets its events.
RETRY_DELAYS = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(hours=24),
)
#: each wait is stretched or shrunk by up to this fraction, so receivers that failed
#: together (an outage) are not all retried in the same second
JITTER = 0.1
_MAX_URL = 2000


class WebhookSignatureError(ValueError):
    """A delivery whose headers or signature do not check out."""


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True, slots=True)
class Subscription:
    """A URL of an organisation and the event types it receives (its secret is kept apart,
    sealed: ``SealedSecrets``). ``disabled_at`` is set when the receiver answered 410 Gone."""

    id: str
    issuer_id: str
    url: str
    events: frozenset[str]
    description: str | None
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None
    disabled_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclasses.dataclass(frozen=True, slots=True)
class SealedSecrets:
    """A subscription's HMAC keys, sealed by the key vault. After a rotation the previous key
    signs too until ``previous_until`` (zero-downtime rotation, as the specification
    describes: the receiver accepts either signature while it switches)."""

    current: bytes
    previous: bytes | None = None
    previous_until: dt.datetime | None = None

    def valid(self, now: dt.datetime) -> list[bytes]:
        """The sealed keys that sign at ``now``, the current one first."""
        keys = [self.current]
        if self.previous is not None and self.previous_until and now < self.previous_until:
            keys.append(self.previous)
        return keys


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, as the exact bytes every receiver gets (``body``: compact
    JSON with ``type``, ``timestamp`` and ``data``). ``id`` is the ``webhook-id``."""

    id: str
    issuer_id: str
    type: str
    occurred_at: dt.datetime
    body: str


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """One event on its way to one subscription, and how its attempts went so far."""

    id: str
    event_id: str
    subscription_id: str
    event_type: str
    created_at: dt.datetime
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SendResult:
    """What one HTTP attempt gave: the status code (``None``: no response, ``error`` says
    why), and the seconds the receiver asked to wait (``Retry-After``), if it did."""

    status: int | None
    error: str | None = None
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def check_events(events: Collection[str]) -> frozenset[str]:
    """The subscribed types; ``InvalidInputError`` for none or an unknown one."""
    chosen = frozenset(events)
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown or not chosen:
        problem = f"unknown event type {', '.join(unknown)}" if unknown else "choose an event"
        raise InvalidInputError(f"events: {problem} (types: {', '.join(EVENT_TYPES)})")
    return chosen


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local
    (cloud metadata services live there), multicast, reserved or unspecified)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_local: bool) -> str:
    """The URL, if events may be sent there; ``InvalidInputError`` says why not.

    ``https`` only; plain ``http`` only to ``localhost``/``127.0.0.1``/``::1`` and only with
    ``allow_local``. A host given as an IP address must be public unless ``allow_local``
    (host names are resolved and checked again at each delivery, by the sender).
    """
    url = url.strip()
    if len(url) > _MAX_URL:
        raise InvalidInputError(f"url: longer than {_MAX_URL} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidInputError(f"url: '{url}' is not a URL") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidInputError(f"url: '{url}' names no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError("url: no user name or password in the URL (events are signed)")
    if parts.fragment:
        raise InvalidInputError("url: no #fragment")
    if parts.scheme == "http":
        if not (allow_local and host in LOCAL_HOSTS):
            raise InvalidInputError(
                "url: must be https (plain http only to localhost, when the installation "
                "allows local webhooks: CREDSTACK_WEBHOOKS_ALLOW_LOCAL)"
            )
    elif parts.scheme != "https":
        raise InvalidInputError("url: must be https")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not allow_local and not is_public_address(host):
        raise InvalidInputError(f"url: {host} is not a public address")
    return url


def encode_secret(key: bytes) -> str:
    """The secret as shown to the organisation: ``whsec_`` + base64."""
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_...`` secret (the prefix is optional, as libraries allow)."""
    text = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSignatureError("the secret is not base64 (whsec_...)") from None


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1`` signature: HMAC-SHA256 over ``{id}.{timestamp}.{body}``, base64."""
    if "." in message_id:
        # the specification: ids must not hold the delimiter, or two messages could sign alike
        raise ValueError("a webhook id may not contain '.'")
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(keys: Collection[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per valid key, space separated."""
    return " ".join(sign(key, message_id, timestamp, body) for key in keys)


def verify_signature(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: dt.datetime
) -> str:
    """Check a delivery as a receiver must; the ``webhook-id`` when it is authentic.

    Steps (Standard Webhooks, "Verifying signatures"): (1) the three headers are present;
    (2) the timestamp is within ``SIGNATURE_TOLERANCE`` of ``now`` (replays); (3) the HMAC of
    ``id.timestamp.body`` under the secret's key equals one ``v1`` signature of the header,
    compared in constant time. Raises ``WebhookSignatureError``.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        stamp = lowered["webhook-timestamp"]
        presented = lowered["webhook-signature"]
    except KeyError as missing:
        raise WebhookSignatureError(f"missing header {missing.args[0]}") from None
    if not stamp.isdigit():
        raise WebhookSignatureError("webhook-timestamp is not Unix seconds")
    timestamp = int(stamp)
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE:
        raise WebhookSignatureError("webhook-timestamp is too far from now (a replay?)")
    expected = sign(decode_secret(secret), message_id, timestamp, body)
    for candidate in presented.split(" "):
        if candidate.startswith("v1,") and hmac.compare_digest(candidate, expected):
            return message_id
    raise WebhookSignatureError("no signature matches")


def next_attempt(
    attempts: int, now: dt.datetime, jitter: float, retry_after: float | None = None
) -> dt.datetime | None:
    """When to try again after ``attempts`` failed attempts (1 after the first), or ``None``:
    give up. ``jitter`` in [0, 1) moves the wait by up to ±``JITTER`` (0.5: exactly the
    schedule). A receiver's ``Retry-After`` (seconds) is honoured when it asks for longer,
    up to the longest wait of the schedule."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts - 1]
    wait = base * (1 + JITTER * (2 * jitter - 1))
    if retry_after is not None and retry_after > wait.total_seconds():
        wait = min(dt.timedelta(seconds=retry_after), RETRY_DELAYS[-1])
    return now + wait
