"""The issuer API's organisation routes: the profile, its signing keys, its status lists.

A platform administrator creates organisations; an organisation's owner changes its profile
and rotates its key. There is no delete: an organisation that has issued credentials must stay
resolvable (its profile page, ``did.json`` and status lists) for as long as they are held, so
removing one is an operator's decision made in the database, not an API call.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from credstack.domain.errors import PermissionDeniedError
from credstack.domain.issuers import Issuer, SigningKeyRecord
from credstack.domain.status import StatusList
from credstack.services.accounts import require
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer, rotate_key, show_issuer, update_issuer
from credstack.services.status import list_status_lists, refresh_status_lists, status_list_url
from credstack.web.auth import Caller, deps_of
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations", tags=["Issuer API: organisations"])

_Text = Annotated[str, Field(max_length=2000)]


class _Fields(BaseModel):
    """What an organisation's profile holds (camelCase on the wire, as the credentials)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    url: _Text | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    image_url: _Text | None = Field(default=None, alias="imageUrl")
    country: Annotated[str, Field(max_length=200)] | None = None
    region: Annotated[str, Field(max_length=200)] | None = None
    locality: Annotated[str, Field(max_length=200)] | None = None
    postal_code: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, alias="postalCode"
    )
    street_address: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, alias="streetAddress"
    )


class OrganisationIn(_Fields):
    """A new organisation. With ``domain`` it signs as ``did:web:<domain>`` (publish
    ``/.well-known/did.json`` there); without, as a ``did:key``."""

    id: Annotated[str, Field(max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=500)]
    country_code: Annotated[str, Field(min_length=2, max_length=2)] = Field(alias="countryCode")
    domain: Annotated[str, Field(max_length=253)] | None = None
    owner: Annotated[str, Field(max_length=254)] | None = Field(
        default=None, description="the e-mail of an existing user who becomes its owner"
    )


class OrganisationChanges(_Fields):
    """Fields to change; a field sent as ``null`` is cleared. Credentials issued before keep
    the profile they were signed with."""

    name: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    country_code: Annotated[str, Field(min_length=2, max_length=2)] | None = Field(
        default=None, alias="countryCode"
    )


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(default=False, description="re-sign every list, not only those due")


def _key_out(record: SigningKeyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "verificationMethod": record.verification_method,
        "controller": record.controller,
        "publicKeyMultibase": record.public_multibase,
        "createdAt": record.created_at.isoformat(),
        "retiredAt": record.retired_at.isoformat() if record.retired_at else None,
        "active": record.active,
    }


def _organisation_out(
    deps: ServiceDeps, issuer: Issuer, keys: list[SigningKeyRecord]
) -> dict[str, Any]:
    address = issuer.address
    return {
        "id": issuer.id,
        "name": issuer.name,
        "did": issuer.did,
        "domain": issuer.domain,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "imageUrl": issuer.image_url,
        "address": {
            "countryCode": address.country_code,
            "country": address.country,
            "region": address.region,
            "locality": address.locality,
            "postalCode": address.postal_code,
            "streetAddress": address.street_address,
        },
        "createdAt": issuer.created_at.isoformat(),
        "profilePage": f"{deps.public_url}/issuers/{issuer.id}",
        "keys": [_key_out(record) for record in keys],
    }


def _status_list_out(deps: ServiceDeps, status_list: StatusList) -> dict[str, Any]:
    def ones(bits: bytearray) -> int:
        return int.from_bytes(bits, "big").bit_count()

    number = status_list.number
    return {
        "number": number,
        "size": status_list.size,
        "used": status_list.next_position,
        "revoked": ones(status_list.revocation_bits),
        "suspended": ones(status_list.suspension_bits),
        "validUntil": status_list.valid_until.isoformat(),
        "updatedAt": status_list.updated_at.isoformat(),
        "urls": {
            purpose: status_list_url(deps, status_list.issuer_id, number, purpose)
            for purpose in ("revocation", "suspension")
        },
    }


def _require_member(caller: Caller, issuer_id: str) -> None:
    """Any token of the organisation may read its profile (it is public on its page)."""
    if caller.issuer_id != issuer_id:
        raise PermissionDeniedError(f"this token is not for organisation '{issuer_id}'")


@router.get("", summary="The organisations the caller may see (all, for a platform admin)")
def organisations(request: Request, caller: Caller) -> Response:
    deps = deps_of(request)
    if caller.platform_admin:
        with deps.uow() as uow:
            found = [(issuer, uow.keys.for_issuer(issuer.id)) for issuer in uow.issuers.list()]
    else:
        details = show_issuer(deps, caller.issuer_id)
        found = [(details.issuer, details.keys)]
    return json_response([_organisation_out(deps, issuer, keys) for issuer, keys in found])


@router.post("", status_code=201, summary="Create an organisation (platform admins)")
def create_organisation(request: Request, caller: Caller, body: OrganisationIn) -> Response:
    if not caller.platform_admin or "organisation:admin" not in caller.scopes:
        raise PermissionDeniedError(
            "only a platform administrator's token with organisation:admin creates organisations"
        )
    deps = deps_of(request)
    fields = body.model_dump()
    if fields["owner"] is None:  # the administrator who made it, unless another is named
        with deps.uow() as uow:
            fields["owner"] = uow.accounts.user(caller.user_id).email
    issuer = create_issuer(deps, **fields)
    details = show_issuer(deps, issuer.id)
    location = f"{request.url.path}/{issuer.id}"
    return json_response(
        _organisation_out(deps, details.issuer, details.keys), 201, {"Location": location}
    )


@router.get("/{issuer_id}", summary="The organisation's profile and keys")
def get_organisation(request: Request, issuer_id: str, caller: Caller) -> Response:
    _require_member(caller, issuer_id)
    deps = deps_of(request)
    details = show_issuer(deps, issuer_id)
    return json_response(_organisation_out(deps, details.issuer, details.keys))


@router.patch("/{issuer_id}", summary="Change the organisation's profile")
def change_organisation(
    request: Request, issuer_id: str, caller: Caller, body: OrganisationChanges
) -> Response:
    require(caller, issuer_id, "organisation:admin")
    deps = deps_of(request)
    update_issuer(deps, issuer_id, body.model_dump(exclude_unset=True))
    details = show_issuer(deps, issuer_id)
    return json_response(_organisation_out(deps, details.issuer, details.keys))


@router.get("/{issuer_id}/keys", summary="The organisation's signing keys, old and current")
def keys(request: Request, issuer_id: str, caller: Caller) -> Response:
    _require_member(caller, issuer_id)
    return json_response([_key_out(k) for k in show_issuer(deps_of(request), issuer_id).keys])


@router.post(
    "/{issuer_id}/keys/rotate",
    status_code=201,
    summary="A new signing key from now on (the old one stays published, retired)",
)
def rotate(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "organisation:admin")
    return json_response(_key_out(rotate_key(deps_of(request), issuer_id)), 201)


@router.get("/{issuer_id}/status-lists", summary="The organisation's status lists")
def status_lists(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    deps = deps_of(request)
    return json_response([_status_list_out(deps, s) for s in list_status_lists(deps, issuer_id)])


@router.post(
    "/{issuer_id}/status-lists/refresh",
    summary="Re-sign the lists whose validity is half gone (all of them with force)",
)
def refresh(request: Request, issuer_id: str, caller: Caller, body: RefreshIn) -> Response:
    require(caller, issuer_id, "status:write")
    deps = deps_of(request)
    count = refresh_status_lists(deps, force=body.force, issuer_id=issuer_id)
    now = deps.clock.now().astimezone(dt.UTC).isoformat()
    return json_response({"resigned": count, "at": now})
