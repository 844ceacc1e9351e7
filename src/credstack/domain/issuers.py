"""Issuers: the organisations that award micro-credentials, and their signing keys.

An issuer is identified by a DID. With no domain it is ``did:key`` (the DID *is* the current
public key, so rotating the key gives a new DID; credentials signed earlier keep naming the old
one, which still resolves offline). With a domain it is ``did:web``: one DID whose document
lists every key the issuer ever had, so rotation keeps the DID and old credentials verify.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from credstack.domain.errors import InvalidInputError

__all__ = ["Address", "Issuer", "SigningKeyRecord", "check_slug"]

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def check_slug(value: str, what: str) -> str:
    """``value`` when it is a usable identifier (lower-case letters, digits, inner hyphens)."""
    if not _SLUG.fullmatch(value):
        raise InvalidInputError(
            f"{what} id '{value}' must be 1-64 lower-case letters, digits or inner hyphens"
        )
    return value


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; the country is required because the EU standard elements need it."""

    country_code: str
    country: str | None = None
    region: str | None = None
    locality: str | None = None
    postal_code: str | None = None
    street_address: str | None = None

    def __post_init__(self) -> None:
        if not _COUNTRY_CODE.fullmatch(self.country_code):
            raise InvalidInputError(
                f"country '{self.country_code}' must be an ISO 3166-1 alpha-2 code such as DE"
            )


@dataclass(frozen=True, slots=True)
class Issuer:
    """An organisation's public profile (what goes into the credential's ``issuer``)."""

    id: str
    name: str
    did: str
    address: Address
    created_at: dt.datetime
    url: str | None = None
    email: str | None = None
    description: str | None = None
    image_url: str | None = None
    domain: str | None = None

    def __post_init__(self) -> None:
        check_slug(self.id, "issuer")
        if not self.name.strip():
            raise InvalidInputError("issuer name is empty")
        if self.url is not None and not self.url.startswith(("https://", "http://")):
            raise InvalidInputError(f"issuer url '{self.url}' must start with https://")
        if self.image_url is not None and not self.image_url.startswith(("https://", "http://")):
            raise InvalidInputError(f"issuer image url '{self.image_url}' must start with https://")
        if self.email is not None and not _EMAIL.fullmatch(self.email):
            raise InvalidInputError(f"issuer email '{self.email}' is not an e-mail address")

    @property
    def uses_did_web(self) -> bool:
        return self.domain is not None


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A signing key's public half and history; the private half stays sealed in storage."""

    id: str
    issuer_id: str
    verification_method: str
    controller: str
    public_multibase: str
    created_at: dt.datetime
    retired_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None
