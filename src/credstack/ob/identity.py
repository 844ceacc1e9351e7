"""Recipient identifiers (OB 3.0 ``IdentityObject``) and the salted hashes that hide them.

An OpenBadgeCredential may name its recipient by an ``identifier`` instead of (or beside) a
DID, for example a salted hash of an email address, so that the credential can travel without
exposing the address. This module builds such identifiers and runs the spec's "Verify the
Recipient Using an Identifier" algorithm (OB 3.0, "Verification and Validation") against a
known value.

Case handling: the spec hashes "the identifier" encoded as UTF-8 and says nothing about
normalising it, so nothing here lowercases or trims an email address. Issuer and verifier must
agree on the form; callers that want case-insensitive matching should normalise the address
(``email.strip().lower()``) both when issuing and when checking. Only the hexadecimal digest
is compared case-insensitively, as the spec allows either case.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Annotated, Literal, Self

from pydantic import model_validator

from credstack.ob._common import WireModel, vocabulary

#: OB 3.0 ``IdentifierTypeEnum`` (extensible with ``ext:`` terms).
IDENTIFIER_TYPES: tuple[str, ...] = (
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
)

IdentifierType = Annotated[str, vocabulary("IdentifierTypeEnum", IDENTIFIER_TYPES, extensible=True)]

# IdentityHash: "<algorithm>$<hex digest>"; the spec supports only these two algorithms.
_DIGEST_LENGTHS = {"sha256": 64, "md5": 32}
_IDENTITY_HASH = re.compile(r"(?P<algorithm>sha256|md5)\$(?P<digest>[0-9a-fA-F]+)")


def identity_hash(identifier: str, salt: str | None = None) -> str:
    """The OB ``IdentityHash`` of ``identifier``: ``"sha256$" + hex(sha256(identifier + salt))``.

    Both strings are encoded as UTF-8; no salt means an empty one. The value is hashed as
    given (see the module docstring on case).
    """
    digest = hashlib.sha256((identifier + (salt or "")).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def is_identity_hash(value: str) -> bool:
    """Whether ``value`` has the IdentityHash form ``sha256$<64 hex>`` or ``md5$<32 hex>``."""
    match = _IDENTITY_HASH.fullmatch(value)
    return match is not None and len(match["digest"]) == _DIGEST_LENGTHS[match["algorithm"]]


def identity_hash_matches(expected: str, identifier: str, salt: str | None = None) -> bool:
    """Whether hashing ``identifier`` with ``salt`` gives the IdentityHash ``expected``.

    Accepts the spec's two algorithms (``sha256``, ``md5``) and either case of hex digits.
    Returns False for a malformed ``expected``.
    """
    match = _IDENTITY_HASH.fullmatch(expected)
    if match is None or len(match["digest"]) != _DIGEST_LENGTHS[match["algorithm"]]:
        return False
    data = (identifier + (salt or "")).encode("utf-8")
    # md5 is only ever read here, never produced: the spec still lists it for old issuers.
    computed = hashlib.new(match["algorithm"], data, usedforsecurity=False).hexdigest()
    return hmac.compare_digest(computed, match["digest"].lower())


class IdentityObject(WireModel):
    """OB 3.0 ``IdentityObject``: one identifier of the recipient, plain or hashed.

    When ``hashed`` is true, ``identity_hash`` holds an IdentityHash of the identifier and
    ``salt`` (if any) the salt appended before hashing; when false, it holds the identifier
    itself.
    """

    type: Literal["IdentityObject"]
    hashed: bool
    identity_hash: str
    identity_type: IdentifierType
    salt: str | None = None

    @model_validator(mode="after")
    def _check_hash_form(self) -> Self:
        if self.hashed and not is_identity_hash(self.identity_hash):
            raise ValueError(
                "identityHash must be 'sha256$<64 hex digits>' or 'md5$<32 hex digits>' "
                "when hashed is true"
            )
        return self

    @classmethod
    def for_email(cls, email: str, salt: str | None = None) -> IdentityObject:
        """A hashed ``emailAddress`` identifier for ``email``.

        ``salt`` defaults to 32 random hex characters (``secrets.token_hex(16)``); pass one
        to get a reproducible result. The address is hashed exactly as given.
        """
        salt = secrets.token_hex(16) if salt is None else salt
        return cls(
            type="IdentityObject",
            hashed=True,
            identity_hash=identity_hash(email, salt),
            identity_type="emailAddress",
            salt=salt,
        )

    @classmethod
    def plain(cls, value: str, identity_type: str = "emailAddress") -> IdentityObject:
        """An unhashed identifier: ``identityHash`` holds ``value`` itself."""
        return cls(
            type="IdentityObject",
            hashed=False,
            identity_hash=value,
            identity_type=identity_type,
        )

    def matches(self, email: str) -> bool:
        """Whether this identifier names the recipient with email address ``email``."""
        return self.matches_identifier(email, "emailAddress")

    def matches_identifier(self, known: str, known_type: str) -> bool:
        """OB 3.0 "Verify the Recipient Using an Identifier", for one identifier.

        1. If ``identityType`` is not ``known_type``, there is no match.
        2. If ``hashed``, hash ``known`` with ``salt`` and compare with ``identityHash``.
        3. Otherwise compare ``known`` with ``identityHash`` directly.
        """
        if self.identity_type != known_type:
            return False
        if self.hashed:
            return identity_hash_matches(self.identity_hash, known, self.salt)
        return hmac.compare_digest(self.identity_hash.encode(), known.encode())
