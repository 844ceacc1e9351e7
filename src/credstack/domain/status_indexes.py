"""Where a credential's bit sits in its issuer's status list: random-looking, never reused.

Bitstring Status List §6.1 (group privacy) asks issuers to assign indexes at random, so that a
list does not reveal issuing order and neighbouring bits do not belong to the same cohort.
Drawing random numbers and retrying on collision would need a lock or a retry loop across
processes; instead each list takes its positions from a counter (0, 1, 2, ...) and maps them
through a keyed pseudo-random permutation of the list's index space. A permutation never maps
two positions to one index, so an index is never given twice however many processes issue at
once, as long as the counter is advanced atomically (storage does that in one UPDATE). The
key is random per list and secret, so the order cannot be recovered from the indexes.

The permutation is a balanced Feistel network with HMAC-SHA-256 as the round function, over
the smallest even bit width that holds the list (18 bits for the minimum 131,072 entries),
with cycle-walking past the values beyond the list's size.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from credstack.domain.errors import InvalidInputError

__all__ = ["index_for_position"]

_ROUNDS = 6
_BLOCK = 64  # SHA-256's block size, in bytes


@functools.lru_cache(maxsize=16)
def _pads(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after the HMAC key's inner and outer pads (RFC 2104), computed once per
    key: each round then hashes only its own nine bytes (a cohort runs twelve rounds per
    credential)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _round(key: bytes, round_no: int, half: int, bits: int) -> int:
    # HMAC-SHA-256(key, round || half), from the precomputed pads: the same bytes as
    # hmac.digest(key, message, "sha256") (tests/unit/test_status_indexes.py)
    inner, outer = _pads(key)
    inner = inner.copy()
    inner.update(bytes([round_no]) + half.to_bytes(8, "big"))
    outer = outer.copy()
    outer.update(inner.digest())
    return int.from_bytes(outer.digest()[:8], "big") & ((1 << bits) - 1)


def _feistel(key: bytes, value: int, half_bits: int) -> int:
    mask = (1 << half_bits) - 1
    left, right = value >> half_bits, value & mask
    rounds = _round_table(key, half_bits) if half_bits <= _TABLE_MAX_HALF_BITS else None
    for round_no in range(_ROUNDS):
        step = rounds[round_no][right] if rounds else _round(key, round_no, right, half_bits)
        left, right = right, left ^ step
    return (left << half_bits) | right


#: A round sees only a half (9 bits for the usual 131,072-entry list), so for lists of up to
#: 2 ** 24 entries every round's output is worked out once per key: 6 x 512 HMACs instead of
#: twelve or more per credential.
_TABLE_MAX_HALF_BITS = 12


@functools.lru_cache(maxsize=8)
def _round_table(key: bytes, half_bits: int) -> tuple[tuple[int, ...], ...]:
    return tuple(
        tuple(_round(key, round_no, half, half_bits) for half in range(1 << half_bits))
        for round_no in range(_ROUNDS)
    )


def index_for_position(key: bytes, position: int, size: int) -> int:
    """The status list index of the ``position``-th credential in a list of ``size`` entries.

    A bijection of ``range(size)`` for each ``key``. Raises ``InvalidInputError`` for a
    position outside the list.
    """
    if not 0 <= position < size:
        raise InvalidInputError(f"position {position} is outside a list of {size} entries")
    half_bits = (max(2, (size - 1).bit_length()) + 1) // 2
    value = position
    while True:  # cycle-walk: a few steps on average, since 4 ** half_bits < 4 * size
        value = _feistel(key, value, half_bits)
        if value < size:
            return value
