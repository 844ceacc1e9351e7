"""Standard Webhooks signing and verification, URL rules and the retry schedule (pure)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest

from credstack.domain.errors import InvalidInputError
from credstack.domain.webhooks import (
    RETRY_DELAYS,
    SealedSecrets,
    WebhookSignatureError,
    check_events,
    check_url,
    decode_secret,
    encode_secret,
    is_public_address,
    next_attempt,
    sign,
    signature_header,
    verify_signature,
)

KEY = bytes(range(32))
SECRET = encode_secret(KEY)
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
STAMP = int(NOW.timestamp())
BODY = b'{"type":"credential.issued","timestamp":"2026-12-01T12:00:00Z","data":{}}'
MSG = "msg_0123456789abcdef0123456789abcdef"


def headers(signature: str, *, msg: str = MSG, stamp: int = STAMP) -> dict[str, str]:
    return {"Webhook-Id": msg, "Webhook-Timestamp": str(stamp), "Webhook-Signature": signature}


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body_in_base64() -> None:
    content = f"{MSG}.{STAMP}.".encode() + BODY
    expected = base64.b64encode(hmac.new(KEY, content, hashlib.sha256).digest()).decode()
    assert sign(KEY, MSG, STAMP, BODY) == f"v1,{expected}"
    assert SECRET.startswith("whsec_")
    assert decode_secret(SECRET) == KEY
    assert decode_secret(SECRET.removeprefix("whsec_")) == KEY


def test_a_genuine_delivery_verifies_whichever_of_several_signatures_matches() -> None:
    other = bytes(32)
    both = signature_header([other, KEY], MSG, STAMP, BODY)
    assert len(both.split(" ")) == 2
    assert verify_signature(SECRET, headers(both), BODY, now=NOW) == MSG
    assert verify_signature(SECRET, headers(both), BODY, now=NOW + dt.timedelta(seconds=299)) == MSG


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("tampered body", "no signature matches"),
        ("wrong secret", "no signature matches"),
        ("another id", "no signature matches"),
        ("old timestamp", "too far"),
        ("future timestamp", "too far"),
        ("no signature header", "missing header webhook-signature"),
        ("timestamp not a number", "Unix seconds"),
        ("v1a only", "no signature matches"),
    ],
)
def test_every_bad_delivery_is_refused(case: str, message: str) -> None:
    good = sign(KEY, MSG, STAMP, BODY)
    body, secret, given, now = BODY, SECRET, headers(good), NOW
    if case == "tampered body":
        body = BODY.replace(b"issued", b"revoked")
    elif case == "wrong secret":
        secret = encode_secret(bytes(32))
    elif case == "another id":
        given = headers(good, msg="msg_ffffffffffffffffffffffffffffffff")
    elif case == "old timestamp":
        now = NOW + dt.timedelta(seconds=301)
    elif case == "future timestamp":
        now = NOW - dt.timedelta(seconds=301)
    elif case == "no signature header":
        del given["Webhook-Signature"]
    elif case == "timestamp not a number":
        given["Webhook-Timestamp"] = "2026-12-01"
    elif case == "v1a only":
        given = headers("v1a," + good.removeprefix("v1,"))
    with pytest.raises(WebhookSignatureError, match=message):
        verify_signature(secret, given, body, now=now)


def test_ids_with_the_delimiter_are_not_signed() -> None:
    with pytest.raises(ValueError, match=r"'\.'"):
        sign(KEY, "msg.1", STAMP, BODY)


def test_a_previous_secret_signs_only_until_its_end() -> None:
    secrets = SealedSecrets(b"new", b"old", NOW)
    assert secrets.valid(NOW - dt.timedelta(seconds=1)) == [b"new", b"old"]
    assert secrets.valid(NOW) == [b"new"]
    assert SealedSecrets(b"only").valid(NOW) == [b"only"]


@pytest.mark.parametrize(
    ("url", "allow_local", "problem"),
    [
        ("https://hooks.example.org/credstack", False, None),
        ("https://hooks.example.org:8443/in?x=1", False, None),
        ("https://8.8.8.8/in", False, None),
        ("http://localhost:9000/in", True, None),
        ("http://127.0.0.1:9000/in", True, None),
        ("https://10.1.2.3/in", True, None),
        ("http://localhost:9000/in", False, "must be https"),
        ("http://hooks.example.org/in", True, "must be https"),
        ("ftp://hooks.example.org/in", False, "must be https"),
        ("https://10.1.2.3/in", False, "not a public address"),
        ("https://169.254.169.254/latest", False, "not a public address"),
        ("https://[::1]/in", False, "not a public address"),
        ("https://127.0.0.1/in", False, "not a public address"),
        ("https://user:pw@hooks.example.org/in", False, "user name"),
        ("https://hooks.example.org/in#frag", False, "fragment"),
        ("https:///in", False, "no host"),
        ("https://hooks.example.org:port/in", False, "not a URL"),
        ("https://hooks.example.org/" + "x" * 2000, False, "longer"),
    ],
)
def test_which_urls_events_may_go_to(url: str, allow_local: bool, problem: str | None) -> None:
    if problem is None:
        assert check_url(url, allow_local=allow_local) == url
    else:
        with pytest.raises(InvalidInputError, match=problem):
            check_url(url, allow_local=allow_local)


def test_public_addresses() -> None:
    assert is_public_address("8.8.8.8")
    assert is_public_address("2606:4700:4700::1111")
    private = ["10.0.0.1", "192.168.1.1", "172.16.0.1", "127.0.0.1", "169.254.169.254", "::1"]
    private += ["fe80::1", "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1"]
    for address in private:
        assert not is_public_address(address), address


def test_event_types_are_checked() -> None:
    assert check_events(["credential.issued", "credential.issued"]) == {"credential.issued"}
    with pytest.raises(InvalidInputError, match=r"unknown event type credential\.eaten"):
        check_events(["credential.eaten"])
    with pytest.raises(InvalidInputError, match="choose an event"):
        check_events([])
    with pytest.raises(InvalidInputError, match="unknown"):
        check_events(["ping"])  # sent on request, never subscribed to


def test_the_retry_schedule_with_jitter_and_retry_after() -> None:
    waits = [next_attempt(n, NOW, 0.5) for n in range(1, 7)]
    assert [w - NOW for w in waits if w] == list(RETRY_DELAYS)
    assert [d.total_seconds() for d in RETRY_DELAYS] == [30, 120, 600, 3600, 21600, 86400]
    assert next_attempt(7, NOW, 0.5) is None  # the seventh failure: give up
    assert next_attempt(0, NOW, 0.5) is None
    assert next_attempt(1, NOW, 0.0) == NOW + dt.timedelta(seconds=27)
    early, late = next_attempt(1, NOW, 0.0), next_attempt(1, NOW, 0.99)
    assert early
    assert late
    assert dt.timedelta(seconds=27) <= late - NOW <= dt.timedelta(seconds=33)
    assert next_attempt(1, NOW, 0.5, retry_after=600) == NOW + dt.timedelta(seconds=600)
    assert next_attempt(1, NOW, 0.5, retry_after=5) == NOW + dt.timedelta(seconds=30)
    assert next_attempt(1, NOW, 0.5, retry_after=10**9) == NOW + dt.timedelta(hours=24)
