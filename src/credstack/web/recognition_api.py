"""Recognition settings of the issuer API: an organisation's recognised issuers and its
equivalence table, under ``/api/v1/organisations/{issuer_id}``.

Reads need ``achievements:read``, changes ``achievements:write`` (owner and staff), as for
definitions; another organisation's entry is 404. Every change is in the organisation's
``recognition_changes`` log (``services.recognition``).
"""

from __future__ import annotations

import decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from credstack.domain.accounts import Principal
from credstack.domain.errors import InvalidInputError
from credstack.domain.holdings import Credit, CreditUnit
from credstack.domain.recognition import Equivalence, RecognisedIssuer
from credstack.services.accounts import require
from credstack.services.recognition import (
    add_equivalence,
    add_recognised_issuer,
    list_equivalences,
    list_recognised_issuers,
    remove_equivalence,
    remove_recognised_issuer,
)
from credstack.web.auth import Caller, deps_of
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}", tags=["Recognition"])


class RecognisedIssuerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(max_length=500, description="its id as credentials name it: a DID or URL")
    name: str = Field(max_length=200, description="its name, as shown to learners")
    note: str | None = Field(default=None, max_length=2000)


class CreditsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(max_length=32, description="a decimal, e.g. 5 or 2.5")
    unit: CreditUnit = Field(description="ECTS, credits or hours")


class EquivalenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    achievement: str = Field(max_length=64, description="the organisation's achievement id")
    foreign_achievement: str | None = Field(
        default=None, alias="foreignAchievement", max_length=2000,
        description="the foreign achievement's id",
    )  # fmt: skip
    alignment: str | None = Field(
        default=None, max_length=2000,
        description="or: an alignment's targetUrl or targetCode (e.g. an ESCO skill URI)",
    )  # fmt: skip
    credits: CreditsIn | None = Field(
        default=None, description="what to count, when the foreign credential does not say"
    )

    def credit(self) -> Credit | None:
        if self.credits is None:
            return None
        try:
            amount = decimal.Decimal(self.credits.amount)
        except decimal.InvalidOperation:
            raise InvalidInputError(
                f"credits.amount: '{self.credits.amount}' is no number"
            ) from None
        if not amount.is_finite():
            raise InvalidInputError("credits.amount: give a finite number")
        return Credit(amount, self.credits.unit)


def _actor(caller: Principal) -> str:
    return f"{caller.user_id} (token {caller.token_id})"


def _issuer_out(entry: RecognisedIssuer) -> dict[str, Any]:
    return {
        "id": entry.id,
        "issuer": entry.issuer,
        "name": entry.name,
        "note": entry.note,
        "createdAt": entry.created_at.isoformat(),
    }


def _equivalence_out(entry: Equivalence) -> dict[str, Any]:
    credit = entry.credits
    return {
        "id": entry.id,
        "achievement": entry.achievement_id,
        "foreignAchievement": entry.foreign_achievement,
        "alignment": entry.alignment,
        "credits": None
        if credit is None
        else {"amount": str(credit.amount), "unit": credit.unit.value},
        "createdAt": entry.created_at.isoformat(),
    }


@router.get("/recognised-issuers", summary="The issuers whose credentials the organisation accepts")
def issuers(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    entries = list_recognised_issuers(deps_of(request), issuer_id)
    return json_response([_issuer_out(e) for e in entries])


@router.post("/recognised-issuers", status_code=201, summary="Recognise an issuer")
def add_issuer(
    request: Request, issuer_id: str, caller: Caller, body: RecognisedIssuerIn
) -> Response:
    require(caller, issuer_id, "achievements:write")
    entry = add_recognised_issuer(
        deps_of(request), issuer_id, issuer=body.issuer, name=body.name, note=body.note,
        actor=_actor(caller),
    )  # fmt: skip
    location = f"{request.url.path}/{entry.id}"
    return json_response(_issuer_out(entry), 201, {"Location": location})


@router.delete("/recognised-issuers/{entry_id}", status_code=204, summary="Stop recognising")
def remove_issuer(request: Request, issuer_id: str, entry_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    remove_recognised_issuer(deps_of(request), issuer_id, entry_id, actor=_actor(caller))
    return Response(status_code=204)


@router.get("/equivalences", summary="Foreign achievements and what they count as here")
def equivalences(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    entries = list_equivalences(deps_of(request), issuer_id)
    return json_response([_equivalence_out(e) for e in entries])


@router.post("/equivalences", status_code=201, summary="Map a foreign achievement to one here")
def add(request: Request, issuer_id: str, caller: Caller, body: EquivalenceIn) -> Response:
    require(caller, issuer_id, "achievements:write")
    entry = add_equivalence(
        deps_of(request), issuer_id, achievement_id=body.achievement,
        foreign_achievement=body.foreign_achievement, alignment=body.alignment,
        credits=body.credit(), actor=_actor(caller),
    )  # fmt: skip
    location = f"{request.url.path}/{entry.id}"
    return json_response(_equivalence_out(entry), 201, {"Location": location})


@router.delete("/equivalences/{entry_id}", status_code=204, summary="Remove a mapping")
def remove(request: Request, issuer_id: str, entry_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    remove_equivalence(deps_of(request), issuer_id, entry_id, actor=_actor(caller))
    return Response(status_code=204)
