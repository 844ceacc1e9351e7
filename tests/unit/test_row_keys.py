"""The compact table of row keys behaves as a dict of digests to first lines."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credstack.services.row_keys import RowKeys


def _digest(n: int) -> bytes:
    return hashlib.blake2b(str(n).encode(), digest_size=16).digest()


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 10**6)), max_size=300))
def test_it_answers_as_a_dict_would(operations: list[tuple[int, int]]) -> None:
    table, reference = RowKeys(capacity=4), {}
    for key, line in operations:
        assert table.setdefault(_digest(key), line) == reference.setdefault(key, line)
    assert len(table) == len(reference)


def test_it_grows_and_keeps_every_key() -> None:
    table = RowKeys(capacity=1)
    for n in range(1, 5001):
        assert table.setdefault(_digest(n), n) == n
    assert all(table.setdefault(_digest(n), 99) == n for n in range(1, 5001))
    assert len(table) == 5000


def test_digests_in_the_same_slot_are_told_apart() -> None:
    table = RowKeys(capacity=4)
    # equal high ^ low, so the same first slot; different digests
    first = (1).to_bytes(8, "big") + (1).to_bytes(8, "big")
    second = (2).to_bytes(8, "big") + (2).to_bytes(8, "big")
    assert table.setdefault(first, 5) == 5
    assert table.setdefault(second, 6) == 6
    assert table.setdefault(first, 7) == 5


def test_a_line_number_it_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        RowKeys().setdefault(_digest(1), 0)
