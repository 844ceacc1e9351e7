"""Private keys at rest: AES-256-GCM under a key-encryption key (KEK).

The KEK comes from settings (``CREDSTACK_KEY_ENCRYPTION_KEY``) or, for an embedded
installation, from a generated file that only its owner may read. Each sealed key is bound to
its key id (GCM associated data), so a sealed secret copied onto another key's row fails to
open instead of signing under the wrong name.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from credstack.domain.errors import InvalidInputError

__all__ = ["AesGcmKeyVault", "load_or_create_key_file", "parse_kek"]

_VERSION = b"\x01"
_NONCE = 12


def parse_kek(text: str) -> bytes:
    """32 bytes from base64 or base64url text; anything else is refused with a reason."""
    value = text.strip().rstrip("=").replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("the key-encryption key is not base64") from None
    if len(key) != 32:
        raise InvalidInputError(
            f"the key-encryption key must be 32 bytes (base64), got {len(key)} bytes"
        )
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """The KEK in ``path``, generating one (mode 0600) when the file does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    except OSError as error:
        raise InvalidInputError(f"cannot create key file {path}: {error.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode())
        handle.write("\n")
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InvalidInputError(
                f"key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
                f"run: chmod 600 {path}"
            )
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not a key file"
        raise InvalidInputError(f"cannot read key file {path}: {reason}") from None
    try:
        return parse_kek(text)
    except InvalidInputError as error:
        raise InvalidInputError(f"key file {path}: {error}") from None


class AesGcmKeyVault:
    """Seals and opens private keys with one KEK."""

    def __init__(self, kek: bytes) -> None:
        self._aead = AESGCM(kek)

    def __repr__(self) -> str:
        return "AesGcmKeyVault(<key hidden>)"

    def seal(self, key_id: str, secret: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, secret, key_id.encode("utf-8"))

    def open(self, key_id: str, sealed: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + 16:
            raise InvalidInputError(f"signing key {key_id} is not in a format this credstack reads")
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        try:
            return self._aead.decrypt(nonce, body, key_id.encode("utf-8"))
        except InvalidTag:
            raise InvalidInputError(
                f"cannot decrypt signing key {key_id}: the key-encryption key is not the one "
                "it was sealed with (check CREDSTACK_KEY_ENCRYPTION_KEY or the key file)"
            ) from None
