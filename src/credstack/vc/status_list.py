"""Reading a credential's status from a W3C Bitstring Status List (the verifier's side).

A ``BitstringStatusListEntry`` points at bit ``statusListIndex`` of the list held by the
``statusListCredential``; a set bit means the credential is revoked (or suspended, by
``statusPurpose``). The list credential is itself a signed credential from the same issuer, so
it is verified before it is believed. ``check_status`` is a ``StatusChecker`` for
``credstack.vc.verification.verify``; publishing lists is a separate concern.
"""

from __future__ import annotations

import datetime as dt
import gzip
import threading
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from credstack.vc.credential_fields import issuer_id, parse_instant
from credstack.vc.data_integrity import verify_proofs
from credstack.vc.errors import FetchError, KeyFormatError, VCError
from credstack.vc.fetching import Fetcher, fetch_json
from credstack.vc.multibase import multibase_decode, multibase_encode
from credstack.vc.verification import Outcome

__all__ = [
    "MAX_LIST_BYTES",
    "MIN_LIST_BITS",
    "CachingStatusChecker",
    "bit_is_set",
    "check_status",
    "decode_list",
    "encode_list",
    "set_bit",
    "status_list_credential",
]

MAX_LIST_BYTES = 16 * 1024 * 1024  # decompressed; the spec's minimum list is 16 KiB
#: §3.1: "the bitstring MUST be a minimum of 16KB in size" (131,072 entries) for group privacy.
MIN_LIST_BITS = 131_072
_LIST_TYPES = ("BitstringStatusListCredential",)


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (Bitstring Status List §3.1: multibase base64url of
    GZIP); raises ``VCError`` when it is not one, or decompresses past ``MAX_LIST_BYTES``."""
    try:
        compressed = multibase_decode(encoded if encoded[:1] == "u" else "u" + encoded)
    except KeyFormatError as error:
        raise VCError(f"encodedList is not base64url: {error}") from None
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
        data = decompressor.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error as error:
        raise VCError(f"encodedList is not GZIP data: {error}") from None
    if len(data) > MAX_LIST_BYTES:
        raise VCError("encodedList decompresses to more than the allowed size")
    return data


def encode_list(bitstring: bytes) -> str:
    """§3.1 "Generate Algorithm" steps 2-3: GZIP the bitstring, then multibase base64url
    (``u`` prefix, no padding). ``mtime=0`` keeps the output a function of the bits alone."""
    if len(bitstring) * 8 < MIN_LIST_BITS:
        raise VCError(f"a status list has at least {MIN_LIST_BITS} bits")
    # Level 6 (zlib's default): level 9 costs ~15x the time for ~10% smaller lists, and a
    # revocation re-compresses the whole list.
    compressed = gzip.compress(bitstring, compresslevel=6, mtime=0)
    return multibase_encode(compressed, "u")


def status_list_credential(
    *,
    url: str,
    issuer: str,
    purpose: str,
    bitstring: bytes,
    valid_from: str,
    valid_until: str | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (§2.2) published at ``url``.

    Times are XSD date-time strings; the issuer signs the result like any credential.
    """
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(bitstring),
        },
    }
    if valid_until is not None:
        document["validUntil"] = valid_until
    return document


def set_bit(bitstring: bytearray, index: int, value: bool) -> None:
    """Set or clear bit ``index`` (bit 0 is the left-most bit of byte 0, as ``bit_is_set``)."""
    if not 0 <= index < len(bitstring) * 8:
        raise VCError(f"index {index} is outside the list ({len(bitstring) * 8} bits)")
    mask = 0x80 >> (index % 8)
    if value:
        bitstring[index // 8] |= mask
    else:
        bitstring[index // 8] &= ~mask & 0xFF


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """§3.2 "Validate Algorithm": bit 0 is the left-most (most significant) bit of byte 0."""
    if not 0 <= index < len(bitstring) * 8:
        raise VCError(f"statusListIndex {index} is outside the list ({len(bitstring) * 8} bits)")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def check_status(
    entry: Mapping[str, Any], credential: Mapping[str, Any], fetcher: Fetcher | None
) -> tuple[Outcome, str]:
    """Decide one ``credentialStatus`` entry; other entry types are "not checked"."""
    return _check(entry, credential, fetcher, _fetch_verified_bits)


#: Loads the verified bitstring of a list: ``(url, credential, purpose, fetcher) -> bits``.
_Loader = Callable[[str, Mapping[str, Any], Any, Fetcher], bytes]


def _check(
    entry: Mapping[str, Any],
    credential: Mapping[str, Any],
    fetcher: Fetcher | None,
    load: _Loader,
) -> tuple[Outcome, str]:
    kind = entry.get("type")
    if kind != "BitstringStatusListEntry":
        return Outcome.NOT_CHECKED, f"status type {kind!r} is not supported"
    url = entry.get("statusListCredential")
    purpose = entry.get("statusPurpose", "revocation")
    try:
        index = int(entry.get("statusListIndex", ""))
    except (TypeError, ValueError):
        return Outcome.FAILED, "statusListIndex is not an integer"
    if not isinstance(url, str):
        return Outcome.FAILED, "the status entry names no statusListCredential"
    if fetcher is None:
        return Outcome.NOT_CHECKED, f"status list {url} not fetched (offline)"
    try:
        bitstring = load(url, credential, purpose, fetcher)
        revoked = bit_is_set(bitstring, index)
    except _StaleListError as error:
        return Outcome.WARNING, f"status list {url} {error}, so the status may be out of date"
    except FetchError as error:
        if error.status is not None:
            return Outcome.FAILED, f"status list {url}: {error}"
        # Unreachable is not "fine": the holder may be hiding a revocation behind it.
        return (
            Outcome.WARNING,
            f"status list {url} could not be read, so the status is unknown: {error}",
        )
    except VCError as error:
        return Outcome.FAILED, f"status list {url}: {error}"
    if revoked:
        return Outcome.FAILED, f"{_past(purpose)}: the issuer set {purpose} bit {index} of {url}"
    return Outcome.PASSED, f"not {_past(purpose)} ({url} #{index})"


def _fetch_verified_bits(
    url: str, credential: Mapping[str, Any], purpose: Any, fetcher: Fetcher
) -> bytes:
    listing = fetch_json(fetcher, url, max_bytes=MAX_LIST_BYTES)
    return _verified_bits(listing, credential, purpose, fetcher)


class CachingStatusChecker:
    """``check_status`` that keeps each verified list until its ``validUntil`` (and at most
    ``max_age``), so checking many credentials against one list costs one fetch and one
    signature check. Time comes from ``clock`` (the core reads no clock of its own)."""

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime],
        max_age: dt.timedelta = dt.timedelta(minutes=10),
        max_lists: int = 512,
    ) -> None:
        self._clock = clock
        self._max_age = max_age
        self._max_lists = max_lists
        self._lists: dict[tuple[str, Any, Any], tuple[bytes, dt.datetime]] = {}
        self._lock = threading.Lock()

    def __call__(
        self, entry: Mapping[str, Any], credential: Mapping[str, Any], fetcher: Fetcher | None
    ) -> tuple[Outcome, str]:
        return _check(entry, credential, fetcher, self._load)

    def _load(
        self, url: str, credential: Mapping[str, Any], purpose: Any, fetcher: Fetcher
    ) -> bytes:
        key = (url, issuer_id(credential), purpose)
        now = self._clock()
        with self._lock:
            cached = self._lists.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        listing = fetch_json(fetcher, url, max_bytes=MAX_LIST_BYTES)
        bits = _verified_bits(listing, credential, purpose, fetcher)
        valid_until = parse_instant(listing.get("validUntil"))
        if valid_until is not None and valid_until <= now:
            raise _StaleListError(f"expired on {listing.get('validUntil')}")
        expires = min(now + self._max_age, valid_until or now + self._max_age)
        with self._lock:
            if len(self._lists) >= self._max_lists:
                self._lists.pop(next(iter(self._lists)))
            self._lists[key] = (bits, expires)
        return bits


class _StaleListError(VCError):
    """A list whose own validity has ended: the issuer has not re-published it."""


def _past(purpose: Any) -> str:
    return {"revocation": "revoked", "suspension": "suspended"}.get(str(purpose), str(purpose))


def _verified_bits(
    listing: Any, credential: Mapping[str, Any], purpose: Any, fetcher: Fetcher
) -> bytes:
    if not isinstance(listing, Mapping):
        raise VCError("is not a credential")
    types = listing.get("type", [])
    if not any(t in _LIST_TYPES for t in (types if isinstance(types, list) else [types])):
        raise VCError("is not a BitstringStatusListCredential")
    results = verify_proofs(listing, fetcher=fetcher)
    if not results or not all(r.verified for r in results):
        reason = results[0].message if results else "it has no proof"
        raise VCError(f"its signature does not verify ({reason})")
    if issuer_id(listing) != issuer_id(credential):
        raise VCError("it was issued by someone other than the credential's issuer")
    subject = listing.get("credentialSubject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("encodedList"), str):
        raise VCError("it has no encodedList")
    if subject.get("statusPurpose", purpose) != purpose:
        raise VCError(f"its purpose is {subject.get('statusPurpose')!r}, not {purpose!r}")
    return decode_list(subject["encodedList"])
