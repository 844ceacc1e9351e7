"""Use cases for issuers: create one with its first key, rotate keys, publish its DID."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from credstack.domain.accounts import Membership, Role
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.issuers import Address, Issuer, SigningKeyRecord, check_slug
from credstack.services.deps import ServiceDeps
from credstack.services.ports import KeyVault, UnitOfWork
from credstack.vc import Ed25519KeyPair, did_key_for, did_web_for
from credstack.vc.dids import did_web_document_for
from credstack.vc.errors import DIDResolutionError

__all__ = [
    "IssuerDetails",
    "create_issuer",
    "did_document",
    "list_issuers",
    "rotate_key",
    "show_issuer",
    "signing_key",
    "update_issuer",
]

#: the profile fields an organisation may change after creation (not its id, DID or domain:
#: those name it in every credential it has issued)
PROFILE_FIELDS = frozenset({"name", "url", "email", "description", "image_url"})
ADDRESS_FIELDS = frozenset(
    {"country_code", "country", "region", "locality", "postal_code", "street_address"}
)


@dataclasses.dataclass(frozen=True, slots=True)
class IssuerDetails:
    issuer: Issuer
    keys: list[SigningKeyRecord]


def _new_key(issuer_id: str, domain: str | None, deps: ServiceDeps) -> tuple[str, Ed25519KeyPair]:
    key = Ed25519KeyPair.generate()
    if domain is None:
        did = did_key_for(key.public_key)
    else:
        try:
            did = did_web_for(domain)
        except DIDResolutionError as error:
            raise InvalidInputError(f"domain: {error}") from None
    return did, key.with_id(f"{did}#{key.public_multibase}", did)


def _store_key(
    uow: UnitOfWork, vault: KeyVault, issuer_id: str, key: Ed25519KeyPair, deps: ServiceDeps
) -> SigningKeyRecord:
    record = SigningKeyRecord(
        id=str(uuid.uuid4()),
        issuer_id=issuer_id,
        verification_method=key.id,
        controller=key.controller,
        public_multibase=key.public_multibase,
        created_at=deps.clock.now(),
    )
    uow.keys.add(record, vault.seal(record.id, key.seed))
    return record


def create_issuer(
    deps: ServiceDeps,
    *,
    id: str,
    name: str,
    country_code: str,
    country: str | None = None,
    region: str | None = None,
    locality: str | None = None,
    postal_code: str | None = None,
    street_address: str | None = None,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image_url: str | None = None,
    domain: str | None = None,
    owner: str | None = None,
) -> Issuer:
    """A new issuer with a fresh Ed25519 key: ``did:key`` by default, ``did:web`` with a domain;
    ``owner`` (an e-mail) names an existing user who becomes its owner, in the same transaction.

    Raises ``InvalidInputError`` for a bad field, ``ConflictError`` when the id is taken,
    ``NotFoundError`` for an unknown owner.
    """
    check_slug(id, "issuer")
    did, key = _new_key(id, domain, deps)
    issuer = Issuer(
        id=id,
        name=name.strip(),
        did=did,
        address=Address(
            country_code=country_code.upper(),
            country=country,
            region=region,
            locality=locality,
            postal_code=postal_code,
            street_address=street_address,
        ),
        created_at=deps.clock.now(),
        url=url,
        email=email,
        description=description,
        image_url=image_url,
        domain=domain.lower() if domain else None,
    )
    with deps.uow() as uow:
        if uow.issuers.find(id) is not None:
            raise ConflictError(f"issuer '{id}' exists already")
        uow.issuers.add(issuer)
        _store_key(uow, deps.vault, id, key, deps)
        if owner is not None:
            user = uow.accounts.user_by_email(owner)
            if user is None:
                raise NotFoundError(f"owner: no user {owner}")
            uow.accounts.set_membership(Membership(user.id, id, Role.OWNER))
        uow.commit()
    return issuer


def rotate_key(deps: ServiceDeps, issuer_id: str) -> SigningKeyRecord:
    """A new key signs from now on; the old one is retired but stays published.

    For ``did:web`` the DID stays and its document lists every key; for ``did:key`` the DID
    is the key, so the issuer's DID changes and old credentials keep their (still valid) one.
    """
    with deps.uow() as uow:
        issuer = uow.issuers.get(issuer_id)
        old, _ = uow.keys.active(issuer_id)
        did, key = _new_key(issuer_id, issuer.domain, deps)
        uow.keys.retire(old.id, deps.clock.now())
        record = _store_key(uow, deps.vault, issuer_id, key, deps)
        if did != issuer.did:
            uow.issuers.update(dataclasses.replace(issuer, did=did))
        uow.commit()
    return record


def update_issuer(deps: ServiceDeps, issuer_id: str, changes: dict[str, Any]) -> Issuer:
    """The issuer with ``changes`` (profile and address fields; ``None`` clears an optional
    one). Credentials issued before keep the profile they were signed with: only credentials
    issued from now on carry the new one.

    Raises ``InvalidInputError`` for a field that cannot change or a bad value.
    """
    fixed = sorted(set(changes) - PROFILE_FIELDS - ADDRESS_FIELDS)
    if fixed:
        raise InvalidInputError(f"{', '.join(fixed)}: cannot be changed")
    if "name" in changes and not isinstance(changes["name"], str):
        raise InvalidInputError("name: an organisation needs a name")
    if "country_code" in changes and not isinstance(changes["country_code"], str):
        raise InvalidInputError("country_code: an organisation needs a country")
    with deps.uow() as uow:
        issuer = uow.issuers.get(issuer_id)
        address_changes = {k: v for k, v in changes.items() if k in ADDRESS_FIELDS}
        if "country_code" in address_changes:
            address_changes["country_code"] = address_changes["country_code"].upper()
        profile_changes = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
        if isinstance(profile_changes.get("name"), str):
            profile_changes["name"] = profile_changes["name"].strip()
        updated = dataclasses.replace(
            issuer,
            address=dataclasses.replace(issuer.address, **address_changes),
            **profile_changes,
        )
        uow.issuers.update(updated)
        uow.commit()
    return updated


def signing_key(
    uow: UnitOfWork, vault: KeyVault, issuer_id: str, key_id: str | None = None
) -> tuple[SigningKeyRecord, Ed25519KeyPair]:
    """The issuer's active key (or ``key_id``), unsealed, for signing within ``uow``."""
    record, sealed = uow.keys.get(key_id) if key_id else uow.keys.active(issuer_id)
    seed = vault.open(record.id, sealed)
    key = Ed25519KeyPair.from_seed(
        seed, id=record.verification_method, controller=record.controller
    )
    if key.public_multibase != record.public_multibase:
        raise InvalidInputError(f"signing key {record.id} does not match its public key")
    return record, key


def list_issuers(deps: ServiceDeps) -> list[Issuer]:
    with deps.uow() as uow:
        return uow.issuers.list()


def show_issuer(deps: ServiceDeps, issuer_id: str) -> IssuerDetails:
    with deps.uow() as uow:
        return IssuerDetails(uow.issuers.get(issuer_id), uow.keys.for_issuer(issuer_id))


def did_document(deps: ServiceDeps, issuer_id: str) -> dict[str, Any]:
    """The ``did.json`` to publish at the issuer's domain: every key it ever had.

    Raises ``InvalidInputError`` for a ``did:key`` issuer, whose DID needs no document.
    """
    details = show_issuer(deps, issuer_id)
    if details.issuer.domain is None:
        raise InvalidInputError(
            f"issuer '{issuer_id}' uses did:key, which needs no published document"
        )
    methods = [(record.verification_method, record.public_multibase) for record in details.keys]
    return did_web_document_for(details.issuer.did, methods)
