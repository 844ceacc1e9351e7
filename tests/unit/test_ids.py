"""Batch-made award ids are ordinary random UUIDs."""

from __future__ import annotations

import uuid

from credstack.services.ids import random_uuids


def test_they_are_version_4_uuids_in_canonical_form_and_all_different() -> None:
    ids = random_uuids(2_000)
    assert len(set(ids)) == 2_000
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text


def test_the_random_bits_vary_in_every_position() -> None:
    # 122 random bits: over many ids, each hex digit outside the fixed ones takes many values
    ids = [text.replace("-", "") for text in random_uuids(500)]
    for position in range(32):
        seen = {text[position] for text in ids}
        if position == 12:
            assert seen == {"4"}
        elif position == 16:
            assert seen == set("89ab")
        else:
            assert len(seen) >= 12


def test_none_asked_none_given() -> None:
    assert random_uuids(0) == []
