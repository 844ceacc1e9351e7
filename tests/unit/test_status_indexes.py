"""The keyed permutation behind status list indexes must never change: indexes already handed
out were computed with it, so a new implementation must give the very same numbers."""

from __future__ import annotations

import hashlib
import hmac
import os
import random

import pytest

from credstack.domain.errors import InvalidInputError
from credstack.domain.status_indexes import index_for_position


def _reference(key: bytes, position: int, size: int) -> int:
    """The permutation as first written (decision 0013), with the standard library's HMAC."""
    half_bits = (max(2, (size - 1).bit_length()) + 1) // 2
    mask = (1 << half_bits) - 1
    value = position
    while True:
        left, right = value >> half_bits, value & mask
        for round_no in range(6):
            message = bytes([round_no]) + right.to_bytes(8, "big")
            digest = hmac.new(key, message, hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
        value = (left << half_bits) | right
        if value < size:
            return value


def test_pinned_indexes_stay_the_same() -> None:
    # computed with the first implementation; lists in use depend on these
    key = bytes(range(32))
    assert [index_for_position(key, p, 131072) for p in range(6)] == [
        40893, 110392, 2810, 51873, 21512, 48023,
    ]  # fmt: skip
    assert [index_for_position(b"k" * 80, p, 200000) for p in (0, 199999)] == [126832, 194866]


def test_it_agrees_with_the_reference_for_any_key_length_and_size() -> None:
    # sizes up to 2 ** 24 use the per-key round tables, larger ones the rounds themselves
    rng = random.Random(5)
    for _ in range(120):
        key = os.urandom(rng.choice([1, 16, 32, 64, 65, 100]))
        size = rng.choice([4, 16, 1000, 131072, 262144, 500000, 1 << 24, (1 << 24) + 1])
        for position in (rng.randrange(size) for _ in range(5)):
            assert index_for_position(key, position, size) == _reference(key, position, size)


def test_it_is_a_permutation_of_a_small_list() -> None:
    key = os.urandom(32)
    assert sorted(index_for_position(key, p, 1000) for p in range(1000)) == list(range(1000))


def test_a_position_outside_the_list_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="outside a list of 16"):
        index_for_position(b"k", 16, 16)
