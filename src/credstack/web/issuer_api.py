"""The issuer API: an organisation's systems issue, read and revoke its credentials.

Every route is under ``/api/v1/organisations/{issuer_id}`` and needs an API token of that
organisation (``Authorization: Bearer cst_...``) with the route's scope. A token of another
organisation gets 403; a credential or definition of another organisation is 404 here, as if
it did not exist (its existence is not told).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from credstack.domain.achievements import AchievementSpec, AchievementVersion
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError, first_problem
from credstack.domain.status import StatusAction
from credstack.services.accounts import require
from credstack.services.achievement_files import parse_definition
from credstack.services.achievements import (
    discard_draft,
    list_achievements,
    publish_achievement,
    save_achievement,
    show_achievement,
)
from credstack.services.awards import credential_json, issue_award, renew_award, show_award
from credstack.services.deps import ServiceDeps
from credstack.services.status import change_status
from credstack.web.auth import Caller, deps_of
from credstack.web.paging import Limit, Offset, page_headers
from credstack.web.problems import Problem
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}", tags=["Issuer API"])


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    did: str | None = Field(default=None, max_length=2000)
    name: str | None = Field(default=None, max_length=500)


class AwardIn(BaseModel):
    """One credential to issue."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    achievement: str = Field(max_length=64, description="the achievement definition's id")
    recipient: RecipientIn
    narrative: str | None = Field(default=None, max_length=10_000)
    evidence_url: str | None = Field(default=None, alias="evidenceUrl", max_length=2000)
    result: str | None = Field(default=None, max_length=200)
    valid_until: dt.datetime | None = Field(default=None, alias="validUntil")
    source_id: str | None = Field(
        default=None, alias="id", max_length=200, description="your own id: makes it idempotent"
    )


class RenewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    valid_until: dt.datetime | None = Field(
        default=None,
        alias="validUntil",
        description="the new end of validity (default: the definition's validity period)",
    )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


def _award_out(award: Award) -> dict[str, Any]:
    state = award.state
    return {
        "id": award.id,
        "credentialId": award.credential_id,
        "achievement": award.achievement_id,
        "achievementVersion": award.achievement_version,
        "recipient": award.recipient.identifier,
        "issuedAt": award.issued_at.isoformat(),
        "validUntil": award.valid_until.isoformat() if award.valid_until else None,
        "revoked": state.revoked_at is not None,
        "suspended": state.suspended_at is not None,
        "renews": award.renewed_from,
        "credential": credential_json(award),
    }


def _own_award(deps: ServiceDeps, issuer_id: str, award_id: str) -> Award:
    award = show_award(deps, award_id)
    if award.issuer_id != issuer_id:
        raise NotFoundError(f"no credential '{award_id}'")
    return award


@router.get("/awards", summary="The organisation's credentials, oldest first")
def list_awards(
    request: Request,
    issuer_id: str,
    caller: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    require(caller, issuer_id, "awards:read")
    deps = deps_of(request)
    with deps.uow() as uow:
        total = uow.awards.count(issuer_id=issuer_id)
        page = list(uow.awards.list(issuer_id=issuer_id, offset=offset, limit=limit))
    headers = page_headers(request, total=total, offset=offset, limit=limit)
    return json_response([_award_out(a) for a in page], headers=headers)


@router.post("/awards", status_code=201, summary="Issue one credential")
def create_award(request: Request, issuer_id: str, caller: Caller, body: AwardIn) -> Response:
    require(caller, issuer_id, "awards:write")
    deps = deps_of(request)
    version = show_achievement(deps, body.achievement)
    if version.issuer_id != issuer_id:
        raise NotFoundError(f"no achievement '{body.achievement}'")
    recipient = Recipient(
        email=body.recipient.email, did=body.recipient.did, name=body.recipient.name
    )
    award = issue_award(
        deps,
        AwardRequest(
            body.achievement,
            recipient,
            narrative=body.narrative,
            evidence_url=body.evidence_url,
            result=body.result,
            valid_until=body.valid_until,
            source_id=body.source_id,
        ),
    )
    location = f"{request.url.path}/{award.id}"
    return json_response(_award_out(award), 201, {"Location": location})


@router.get("/awards/{award_id}", summary="One credential of the organisation")
def get_award(request: Request, issuer_id: str, award_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    return json_response(_award_out(_own_award(deps_of(request), issuer_id, award_id)))


@router.post(
    "/awards/{award_id}/renew",
    status_code=201,
    summary="Issue the successor of a credential with a new validity",
)
def renew(
    request: Request, issuer_id: str, award_id: str, caller: Caller, body: RenewIn
) -> Response:
    require(caller, issuer_id, "awards:write")
    deps = deps_of(request)
    award = _own_award(deps, issuer_id, award_id)
    renewed = renew_award(
        deps, award.id, valid_until=body.valid_until, actor=f"token {caller.token_id}"
    )
    location = f"{request.url.path.rsplit('/', 2)[0]}/{renewed.id}"
    return json_response(_award_out(renewed), 201, {"Location": location})


@router.post(
    "/awards/{award_id}/{action}",
    summary="Revoke, suspend or unsuspend a credential (with a reason)",
)
def change(
    request: Request,
    issuer_id: str,
    award_id: str,
    action: str,
    caller: Caller,
    body: StatusIn,
) -> Response:
    require(caller, issuer_id, "status:write")
    changes = (StatusAction.REVOKE, StatusAction.SUSPEND, StatusAction.UNSUSPEND)
    if action not in changes:
        raise NotFoundError(f"no action '{action}' (revoke, suspend or unsuspend)")
    deps = deps_of(request)
    award = _own_award(deps, issuer_id, award_id)
    changed = change_status(
        deps, award.id, StatusAction(action), reason=body.reason, actor=f"token {caller.token_id}"
    )
    return json_response(_award_out(changed))


@router.get("/achievements", summary="The organisation's achievement definitions")
def achievements(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    versions = list_achievements(deps_of(request), issuer_id)
    return json_response(
        [
            {
                "id": v.achievement_id,
                "version": v.version,
                "status": v.status.value,
                "name": v.spec.name,
            }
            for v in versions
        ]
    )


def _own_achievement(deps: ServiceDeps, issuer_id: str, achievement_id: str) -> AchievementVersion:
    version = show_achievement(deps, achievement_id)
    if version.issuer_id != issuer_id:
        raise NotFoundError(f"no achievement '{achievement_id}'")
    return version


def _achievement_out(version: AchievementVersion) -> dict[str, Any]:
    return {
        "id": version.achievement_id,
        "version": version.version,
        "status": version.status.value,
        "publishedAt": version.published_at.isoformat() if version.published_at else None,
        "definition": version.spec.model_dump(mode="json", exclude_none=True),
    }


_DEFINITION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
        "description": "a definition: the YAML of credstack achievement template, or its JSON",
    }
}


@router.post(
    "/achievements",
    status_code=201,
    summary="Create a definition, or edit it (a published one gets a new draft version)",
    openapi_extra=_DEFINITION_BODY,
)
async def save_definition(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    text = (await request.body()).decode("utf-8", errors="replace")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("application/yaml", "text/yaml", "application/x-yaml"):
        named, spec = parse_definition(text, source="body")
        if named is not None and named != issuer_id:
            raise InvalidInputError(f"body: issuer: the definition is for '{named}'")
    elif media == "application/json":
        try:
            spec = AchievementSpec.model_validate_json(text)
        except ValidationError as error:
            raise InvalidInputError(first_problem(error, "body")) from None
    else:
        raise Problem(415, "send the definition as application/json or application/yaml")
    # the body is read in the event loop; the database work goes to the thread pool
    version = await run_in_threadpool(_save_own, deps_of(request), issuer_id, spec)
    return json_response(_achievement_out(version), 201)


def _save_own(deps: ServiceDeps, issuer_id: str, spec: AchievementSpec) -> AchievementVersion:
    try:
        existing = show_achievement(deps, spec.id)
    except NotFoundError:
        existing = None
    if existing is not None and existing.issuer_id != issuer_id:
        raise ConflictError(f"the achievement id '{spec.id}' is taken: choose another")
    return save_achievement(deps, issuer_id, spec)


@router.get("/achievements/{achievement_id}", summary="A definition (its newest version)")
def get_definition(
    request: Request, issuer_id: str, achievement_id: str, caller: Caller
) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response(
        _achievement_out(_own_achievement(deps_of(request), issuer_id, achievement_id))
    )


@router.delete(
    "/achievements/{achievement_id}",
    summary="Discard the newest draft (never a published version); 204 when none is left",
)
def discard_definition(
    request: Request, issuer_id: str, achievement_id: str, caller: Caller
) -> Response:
    require(caller, issuer_id, "achievements:write")
    deps = deps_of(request)
    _own_achievement(deps, issuer_id, achievement_id)
    remaining = discard_draft(deps, achievement_id)
    if remaining is None:
        return Response(status_code=204)
    return json_response(_achievement_out(remaining))


@router.post(
    "/achievements/{achievement_id}/publish",
    summary="Publish the newest draft, so that it can be awarded",
)
def publish_definition(
    request: Request, issuer_id: str, achievement_id: str, caller: Caller
) -> Response:
    require(caller, issuer_id, "achievements:write")
    deps = deps_of(request)
    _own_achievement(deps, issuer_id, achievement_id)
    return json_response(_achievement_out(publish_achievement(deps, achievement_id)))
