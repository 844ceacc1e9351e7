"""Ed25519 key pairs and their Multikey form (Controlled Identifiers 1.0 §2.2.2 "Multikey").

A Multikey public key is ``z`` + base58btc(0xed01 || 32 raw bytes) (so it starts ``z6Mk``); a
secret key is ``z`` + base58btc(0x8026 || 32-byte seed). The same encoding names the key in
``did:key``, so one function serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nacl.bindings as sodium
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nacl.exceptions import BadSignatureError

from credstack.vc.errors import KeyFormatError
from credstack.vc.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    multibase_decode,
    multibase_encode,
    multicodec_unwrap,
    multicodec_wrap,
)

__all__ = [
    "Ed25519KeyPair",
    "public_key_from_multibase",
    "public_key_to_multibase",
    "verify_ed25519",
]


def public_key_to_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 public key."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return multibase_encode(multicodec_wrap(ED25519_PUB, raw))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Parse a Multikey ``publicKeyMultibase``; raises ``KeyFormatError`` if it is not Ed25519."""
    raw = multicodec_unwrap(multibase_decode(value), ED25519_PUB, 32)
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_ed25519(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` (RFC 8032).

    libsodium (PyNaCl) checks first: it verifies in about 60% of OpenSSL's time, and
    verification is most of what checking a credential costs. It is the stricter of the two
    (it also refuses small-order points), so what it accepts OpenSSL accepts; what it refuses
    is asked of OpenSSL (``cryptography``), whose answer is final. The result is OpenSSL's.
    """
    if len(signature) != 64:
        return False
    try:
        sodium.crypto_sign_open(signature + data, key.public_bytes_raw())
    except (BadSignatureError, ValueError, TypeError):
        pass
    else:
        return True
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class Ed25519KeyPair:
    """An Ed25519 signing key with the identifier of its verification method.

    ``id`` is the verification method URL that proofs name (``did:key:z6Mk...#z6Mk...``,
    ``did:web:example.org#key-1`` or an HTTPS URL); ``controller`` is the DID or URL that
    controls it. The private key never leaves this object except through ``secret_multibase``
    or ``seed``, which callers must only hand to encrypted storage.
    """

    private_key: Ed25519PrivateKey
    id: str = ""
    controller: str = ""
    # libsodium's form of the same secret (seed || public key), for signing
    _sodium_secret: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sodium_secret", sodium.crypto_sign_seed_keypair(self.seed)[1])

    @classmethod
    def generate(cls, *, id: str = "", controller: str = "") -> Ed25519KeyPair:
        """A fresh key pair from the operating system's random source."""
        return cls(Ed25519PrivateKey.generate(), id=id, controller=controller)

    @classmethod
    def from_seed(cls, seed: bytes, *, id: str = "", controller: str = "") -> Ed25519KeyPair:
        """The key pair whose 32-byte private seed is ``seed``."""
        if len(seed) != 32:
            raise KeyFormatError(f"an Ed25519 seed has 32 bytes, got {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed), id=id, controller=controller)

    @classmethod
    def from_multikey(
        cls,
        secret_key_multibase: str,
        *,
        id: str = "",
        controller: str = "",
    ) -> Ed25519KeyPair:
        """Parse a Multikey ``secretKeyMultibase`` (``z3u2...``)."""
        seed = multicodec_unwrap(multibase_decode(secret_key_multibase), ED25519_PRIV, 32)
        return cls.from_seed(seed, id=id, controller=controller)

    def with_id(self, id: str, controller: str) -> Ed25519KeyPair:
        """The same key under another verification method id."""
        return Ed25519KeyPair(self.private_key, id=id, controller=controller)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_multibase(self) -> str:
        return public_key_to_multibase(self.public_key)

    @property
    def seed(self) -> bytes:
        return self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def secret_multibase(self) -> str:
        return multibase_encode(multicodec_wrap(ED25519_PRIV, self.seed))

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature of ``data`` (RFC 8032: deterministic, so libsodium, used for
        speed, gives the very bytes OpenSSL would)."""
        return bytes(sodium.crypto_sign(data, self._sodium_secret)[:64])

    def verification_method(self) -> dict[str, Any]:
        """This key as a Multikey verification method object (for DID documents)."""
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_multibase,
        }

    def __repr__(self) -> str:
        # Never print key material: objects end up in logs and tracebacks.
        return f"Ed25519KeyPair(id={self.id!r}, public={self.public_multibase})"
