"""A minimal, bounded CBOR (RFC 8949) decoder for selective-disclosure proof values.

An ``ecdsa-sd-2023`` derived proof value is a CBOR array of byte strings, an array of byte
strings, a map of unsigned integers to byte strings and an array of unsigned integers (VC-DI-ECDSA
§3.5 "parseDerivedProofValue"). That is the whole subset decoded here: unsigned integers (major
type 0), byte strings (2), arrays (4) and maps with unsigned-integer keys (5), all of definite
length. Everything else (text, negative numbers, tags, floats, indefinite lengths) is refused:
the spec forbids tags and uses none of the rest, and a proof value is attacker-controlled input,
so a general-purpose decoder would only widen what must be trusted.

Limits keep hostile input cheap: the input size, the nesting depth, and every declared length
is checked against the bytes actually left before anything is allocated.
"""

from __future__ import annotations

from typing import TypeAlias

from credstack.vc.errors import ProofError

__all__ = ["MAX_DEPTH", "MAX_INPUT", "CBORError", "CBORValue", "decode"]

CBORValue: TypeAlias = "int | bytes | list[CBORValue] | dict[int, CBORValue]"

MAX_INPUT = 1 << 20  # 1 MiB: a derived proof of thousands of statements is far smaller.
MAX_DEPTH = 4  # the derived proof value nests two levels deep

_UINT, _BYTES, _ARRAY, _MAP = 0, 2, 4, 5
_MAJOR_NAMES = {1: "negative integer", 3: "text string", 6: "tag", 7: "simple value or float"}


class CBORError(ProofError):
    """The bytes are not CBOR of the subset a selective-disclosure proof value uses."""


class _Reader:
    """A cursor over the input that never reads past its end."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, count: int) -> bytes:
        if count > self.remaining():
            raise CBORError("CBOR data ends in the middle of an item")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk


def _head(reader: _Reader) -> tuple[int, int]:
    """RFC 8949 §3: the initial byte's major type and the argument that follows it."""
    initial = reader.take(1)[0]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info
    if info <= 27:
        return major, int.from_bytes(reader.take(1 << (info - 24)), "big")
    if info == 31:
        raise CBORError("indefinite-length CBOR items are not allowed in a proof value")
    raise CBORError(f"reserved CBOR additional information {info}")


def _count(reader: _Reader, declared: int, what: str) -> int:
    # Every element takes at least one byte, so a length beyond the bytes left is a lie
    # that must be refused before it sizes any allocation or loop.
    if declared > reader.remaining():
        raise CBORError(f"CBOR {what} declares {declared} items but the data is shorter")
    return declared


def _item(reader: _Reader, depth: int) -> CBORValue:
    major, argument = _head(reader)
    if major == _UINT:
        return argument
    if major == _BYTES:
        return reader.take(argument)
    if major in (_ARRAY, _MAP) and depth >= MAX_DEPTH:
        raise CBORError(f"CBOR nesting deeper than {MAX_DEPTH} levels")
    if major == _ARRAY:
        return [_item(reader, depth + 1) for _ in range(_count(reader, argument, "array"))]
    if major == _MAP:
        return _map(reader, _count(reader, argument, "map"), depth)
    raise CBORError(f"a CBOR {_MAJOR_NAMES[major]} is not allowed in a proof value")


def _map(reader: _Reader, size: int, depth: int) -> dict[int, CBORValue]:
    result: dict[int, CBORValue] = {}
    for _ in range(size):
        key = _item(reader, depth + 1)
        if not isinstance(key, int):
            raise CBORError("CBOR map keys must be unsigned integers")
        if key in result:
            raise CBORError(f"CBOR map repeats the key {key}")
        result[key] = _item(reader, depth + 1)
    return result


def decode(data: bytes) -> CBORValue:
    """Decode exactly one CBOR item that spans all of ``data``.

    Raises ``CBORError`` (a ``ProofError``) for input over ``MAX_INPUT`` bytes, nesting over
    ``MAX_DEPTH``, truncated or trailing bytes, and any construct outside the subset above.
    """
    if len(data) > MAX_INPUT:
        raise CBORError(f"CBOR data is larger than {MAX_INPUT} bytes")
    reader = _Reader(bytes(data))
    value = _item(reader, 0)
    if reader.remaining():
        raise CBORError(f"{reader.remaining()} bytes follow the CBOR item")
    return value
