"""Multibase and multicodec encodings used by Multikey, did:key and proof values.

Multibase (draft-multiformats-multibase) prefixes an encoding with one character: ``z`` for
base58btc (the Bitcoin alphabet) and ``u`` for unpadded base64url are the two that Data
Integrity and Bitstring Status List use. Multicodec prefixes raw key bytes with a varint that
names the key type.
"""

from __future__ import annotations

import base64

from credstack.vc.errors import KeyFormatError

__all__ = [
    "ED25519_PRIV",
    "ED25519_PUB",
    "P256_PUB",
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "multibase_decode",
    "multibase_encode",
    "multicodec_unwrap",
    "multicodec_wrap",
]

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

# Multicodec table entries (varint-encoded): ed25519-pub 0xed, ed25519-priv 0x1300,
# p256-pub 0x1200.
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"


# Two base58 digits at a time: half the big-number divisions (a proof value is 88 digits).
_B58_PAIRS = [high + low for high in _B58_ALPHABET for low in _B58_ALPHABET]


def b58encode(data: bytes) -> str:
    """Base58btc: leading zero bytes become leading '1's, the rest is a big-endian number."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    pairs = []
    while number:
        number, rem = divmod(number, 58 * 58)
        pairs.append(_B58_PAIRS[rem])
    # the most significant pair may start with a zero digit ('1'), which is not written
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def b58decode(text: str) -> bytes:
    """Inverse of ``b58encode``; raises ``KeyFormatError`` for a character outside the alphabet."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _B58_INDEX[char]
        except KeyError:
            raise KeyFormatError(f"'{char}' is not a base58btc character") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 4648 §5), as JOSE and multibase 'u' use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) base64url; raises ``KeyFormatError`` when malformed."""
    if not all(c.isalnum() or c in "-_=" for c in text) or not text.isascii():
        raise KeyFormatError("value is not base64url")
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        return base64.urlsafe_b64decode(padded)
    except ValueError as error:
        raise KeyFormatError(f"value is not base64url: {error}") from None


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Multibase string with prefix ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise KeyFormatError(f"unsupported multibase prefix '{base}'")


def multibase_decode(text: str) -> bytes:
    """Decode a ``z`` or ``u`` multibase string; raises ``KeyFormatError`` otherwise."""
    if not isinstance(text, str) or len(text) < 2:
        raise KeyFormatError("multibase value is empty")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise KeyFormatError(f"unsupported multibase prefix '{text[0]}'")


def multicodec_wrap(codec: bytes, raw: bytes) -> bytes:
    """Prefix raw key bytes with their multicodec varint."""
    return codec + raw


def multicodec_unwrap(data: bytes, codec: bytes, length: int) -> bytes:
    """Strip ``codec`` from ``data`` and check the raw key has ``length`` bytes."""
    if not data.startswith(codec):
        raise KeyFormatError(f"expected multicodec prefix {codec.hex()}, got {data[:2].hex()}")
    raw = data[len(codec) :]
    if len(raw) != length:
        raise KeyFormatError(f"expected a {length}-byte key, got {len(raw)} bytes")
    return raw
