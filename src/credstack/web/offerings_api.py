"""Offerings of the issuer API: ``/api/v1/organisations/{issuer_id}/offerings``.

Changes need ``achievements:write``, reads ``achievements:read`` (the enrolment list holds
learners' names and e-mails: personal data, for the organisation's own people only). Another
organisation's offering or enrolment is 404, as everywhere in the issuer API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from credstack.domain.accounts import Principal
from credstack.domain.achievements import Supervision
from credstack.domain.awards import Assessment, IdentityVerification
from credstack.domain.errors import InvalidInputError
from credstack.domain.offerings import EnrolmentStatus, Offering, OfferingMode, Price
from credstack.domain.requirements import parse_requirements, requirements_data
from credstack.services.accounts import require
from credstack.services.offerings import (
    OfferingChanges,
    OfferingReport,
    close_offering,
    create_offering,
    decide_enrolment,
    list_offerings,
    offering_report,
    update_offering,
)
from credstack.web.auth import Caller, deps_of
from credstack.web.responses import json_response

__all__ = ["offering_out", "router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}/offerings", tags=["Issuer API"])

Clearable = Literal[
    "title", "startsAt", "endsAt", "capacity", "price", "requirements", "assessment"
]
_FIELD = {"title": "title", "startsAt": "starts_at", "endsAt": "ends_at"} | {
    "capacity": "capacity",
    "price": "price",
    "requirements": "requirements",
    "assessment": "assessment",
}


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: str = Field(max_length=32, description="a decimal, e.g. 120.00")
    currency: str = Field(max_length=3, description="ISO 4217, e.g. EUR")


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    supervision: Supervision = Field(description="the EU element, as on a definition")
    identity_verification: IdentityVerification = Field(
        alias="identityVerification",
        description="none, email, online-document or onsite-document; agreeing with supervision",
    )


class OfferingFields(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    mode: OfferingMode | None = Field(default=None, description="open, approval or invitation")
    title: str | None = Field(default=None, max_length=200, description="e.g. 'Spring 2027'")
    starts_at: dt.datetime | None = Field(default=None, alias="startsAt")
    ends_at: dt.datetime | None = Field(default=None, alias="endsAt")
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    price: PriceIn | None = Field(default=None, description="shown to learners; not charged")
    invitation_codes: list[str] | None = Field(
        default=None, alias="invitationCodes", max_length=1000
    )
    requirements: dict[str, Any] | None = Field(
        default=None,
        description="what a learner must do: quiz, evidence and external leaves combined with "
        "all_of / any_of (docs/earning.md); met, the credential is issued by itself",
    )
    assessment: AssessmentIn | None = Field(
        default=None, description="how the assessment is supervised and identity verified"
    )

    def changes(self, clear: frozenset[str] = frozenset()) -> OfferingChanges:
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise InvalidInputError("give dates with a time zone (e.g. 2027-03-01T09:00Z)")
        codes = self.invitation_codes
        return OfferingChanges(
            mode=self.mode,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
            price=Price(self.price.amount, self.price.currency) if self.price else None,
            invitation_codes=None if codes is None else tuple(codes),
            requirements=None
            if self.requirements is None
            else parse_requirements(self.requirements),
            assessment=None
            if self.assessment is None
            else Assessment(self.assessment.supervision, self.assessment.identity_verification),
            clear=clear,
        )


class OfferingIn(OfferingFields):
    achievement: str = Field(max_length=64, description="the published achievement's id")


class OfferingUpdate(OfferingFields):
    clear: list[Clearable] = Field(default_factory=list, description="fields to empty")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def offering_out(offering: Offering, report: OfferingReport | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": offering.id,
        "achievement": offering.achievement_id,
        "mode": offering.mode.value,
        "title": offering.title,
        "startsAt": _iso(offering.starts_at),
        "endsAt": _iso(offering.ends_at),
        "capacity": offering.capacity,
        "price": None
        if offering.price is None
        else {"amount": offering.price.amount, "currency": offering.price.currency},
        "invitationCodes": list(offering.invitation_codes),
        "createdAt": offering.created_at.isoformat(),
        "closedAt": _iso(offering.closed_at),
        "requirements": None
        if offering.requirements is None
        else requirements_data(offering.requirements),
        "assessment": None
        if offering.assessment is None
        else {
            "supervision": offering.assessment.supervision,
            "identityVerification": offering.assessment.identity_verification.value,
        },
    }
    if report is not None:
        out["counts"] = {
            "enrolled": report.count(EnrolmentStatus.ENROLLED),
            "pending": report.count(EnrolmentStatus.PENDING),
            "declined": report.count(EnrolmentStatus.DECLINED),
            "completed": report.completed,
        }
        out["passRate"] = report.pass_rate
    return out


def _actor(caller: Principal) -> str:
    return f"{caller.user_id} (token {caller.token_id})"


@router.post("", status_code=201, summary="Offer a published achievement to learners")
def create(request: Request, issuer_id: str, caller: Caller, body: OfferingIn) -> Response:
    require(caller, issuer_id, "achievements:write")
    offering = create_offering(deps_of(request), issuer_id, body.achievement, body.changes())
    location = f"{request.url.path}/{offering.id}"
    return json_response(offering_out(offering), 201, {"Location": location})


@router.get("", summary="The organisation's offerings, oldest first")
def list_all(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response([offering_out(o) for o in list_offerings(deps_of(request), issuer_id)])


@router.get("/{offering_id}", summary="One offering, with its counts and pass rate")
def show(request: Request, issuer_id: str, offering_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    report = offering_report(deps_of(request), issuer_id, offering_id)
    return json_response(offering_out(report.offering, report))


@router.patch("/{offering_id}", summary="Change an offering (mode, dates, capacity, price...)")
def change(
    request: Request, issuer_id: str, offering_id: str, caller: Caller, body: OfferingUpdate
) -> Response:
    require(caller, issuer_id, "achievements:write")
    clear = frozenset(_FIELD[name] for name in body.clear)
    changed = update_offering(deps_of(request), issuer_id, offering_id, body.changes(clear))
    return json_response(offering_out(changed))


@router.post("/{offering_id}/close", summary="Close an offering: no more enrolments")
def close(request: Request, issuer_id: str, offering_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    return json_response(offering_out(close_offering(deps_of(request), issuer_id, offering_id)))


@router.get("/{offering_id}/enrolments", summary="Who enrolled or asked to (personal data)")
def enrolments(request: Request, issuer_id: str, offering_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    report = offering_report(deps_of(request), issuer_id, offering_id)
    return json_response(
        [
            {
                "id": row.enrolment.id,
                "name": row.name,
                "email": row.email,
                "status": row.enrolment.status.value,
                "createdAt": row.enrolment.created_at.isoformat(),
                "decidedAt": _iso(row.enrolment.decided_at),
                "award": row.award_id,
            }
            for row in report.rows
        ]
    )


def _decide(
    request: Request,
    issuer_id: str,
    offering_id: str,
    enrolment_id: str,
    caller: Principal,
    body: DecisionIn | None,
    *,
    approve: bool,
) -> Response:
    require(caller, issuer_id, "achievements:write")
    decided = decide_enrolment(
        deps_of(request),
        issuer_id,
        offering_id,
        enrolment_id,
        approve=approve,
        actor=_actor(caller),
        note=body.note if body else None,
    )
    return json_response({"id": decided.id, "status": decided.status.value})


@router.post(
    "/{offering_id}/enrolments/{enrolment_id}/approve", summary="Approve a pending enrolment"
)
def approve(
    request: Request,
    issuer_id: str,
    offering_id: str,
    enrolment_id: str,
    caller: Caller,
    body: DecisionIn | None = None,
) -> Response:
    return _decide(request, issuer_id, offering_id, enrolment_id, caller, body, approve=True)


@router.post(
    "/{offering_id}/enrolments/{enrolment_id}/decline", summary="Decline a pending enrolment"
)
def decline(
    request: Request,
    issuer_id: str,
    offering_id: str,
    enrolment_id: str,
    caller: Caller,
    body: DecisionIn | None = None,
) -> Response:
    return _decide(request, issuer_id, offering_id, enrolment_id, caller, body, approve=False)
