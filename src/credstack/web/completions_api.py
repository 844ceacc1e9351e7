"""External completions in the issuer API: the integrations that report them, a report, and
a CSV of them.

``.../integrations`` (scope ``integrations:admin``: owners and staff): register a system by
name (its secret shown once), list, rotate the secret, disable. ``POST .../completions``: a
system reports one completion, with an API token (scope ``completions:write``) or signed
with its integration's secret (``X-Credstack-Integration``, ``-Timestamp``, ``-Signature``:
docs/completions.md). ``POST .../offerings/{id}/completions``: a CSV of them, all or none.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from credstack.domain.completions import Completion, CompletionRejectedError, Integration
from credstack.domain.errors import InvalidInputError, first_problem
from credstack.services.accounts import require
from credstack.services.completion_csv import import_completions
from credstack.services.completions import CompletionReport, report_completion
from credstack.services.integrations import (
    authenticate_integration,
    disable_integration,
    list_integrations,
    register_integration,
    rotate_integration_secret,
)
from credstack.web.auth import Caller, deps_of, principal
from credstack.web.problems import Problem
from credstack.web.responses import json_response

__all__ = ["router"]

ORG = "/api/v1/organisations/{issuer_id}"
router = APIRouter(tags=["Completions"])
ADMIN = "integrations:admin"
REPORT = "completions:write"


class IntegrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, description="a slug, as requirements name it: moodle")


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offering_id: str = Field(max_length=64)
    requirement_id: str = Field(max_length=64, description="an external requirement's id")
    learner: str = Field(max_length=320, description="the learner's e-mail address")
    system: str = Field(max_length=64, description="the integration; the requirement's")
    external_id: str = Field(max_length=200, description="the system's id of the completion")
    completed_at: dt.datetime | None = Field(default=None, description="default: now")
    score: decimal.Decimal | None = None
    grade: str | None = Field(default=None, max_length=64)
    url: str | None = Field(default=None, max_length=2000, description="the record in the LMS")


_REPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": CompletionIn.model_json_schema()}},
    },
    "parameters": [
        {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        for name in ("X-Credstack-Integration", "X-Credstack-Timestamp", "X-Credstack-Signature")
    ],
}
_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "learner, requirement_id, external_id[, completed_at, score, grade, url]",
    }
}


def _integration_out(integration: Integration) -> dict[str, Any]:
    def when(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "name": integration.name,
        "active": integration.active,
        "createdAt": integration.created_at.isoformat(),
        "rotatedAt": when(integration.rotated_at),
        "disabledAt": when(integration.disabled_at),
    }


def _completion_out(completion: Completion) -> dict[str, Any]:
    return {
        "id": completion.id,
        "offeringId": completion.offering_id,
        "requirementId": completion.requirement_id,
        "learnerId": completion.user_id,
        "system": completion.system,
        "externalId": completion.external_id,
        "completedAt": completion.completed_at.isoformat(),
        "score": completion.score,
        "grade": completion.grade,
        "url": completion.url,
        "reportedBy": completion.reported_by,
        "recordedAt": completion.recorded_at.isoformat(),
    }


def _unprocessable(error: CompletionRejectedError) -> Problem:
    errors = [{"line": e.line, "column": e.column, "message": e.message} for e in error.errors]
    return Problem(422, str(error), **({"errors": errors} if errors else {}))


@router.post(f"{ORG}/integrations", status_code=201, summary="Register a system (secret once)")
def create_integration(
    request: Request, issuer_id: str, caller: Caller, body: IntegrationIn
) -> Response:
    require(caller, issuer_id, ADMIN)
    integration, secret = register_integration(
        deps_of(request), issuer_id, body.name, actor=f"token:{caller.token_id}"
    )
    location = f"{request.url.path}/{integration.name}"
    return json_response(
        {**_integration_out(integration), "secret": secret}, 201, {"Location": location}
    )


@router.get(f"{ORG}/integrations", summary="The systems that may report completions")
def integrations(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, ADMIN)
    found = list_integrations(deps_of(request), issuer_id)
    return json_response([_integration_out(i) for i in found])


@router.post(f"{ORG}/integrations/{{name}}/rotate", summary="A new secret (shown once)")
def rotate_integration(
    request: Request,
    issuer_id: str,
    name: str,
    caller: Caller,
    keep_previous_hours: Annotated[int, Query(ge=0, le=24)] = 0,
) -> Response:
    require(caller, issuer_id, ADMIN)
    integration, secret = rotate_integration_secret(
        deps_of(request),
        issuer_id,
        name,
        actor=f"token:{caller.token_id}",
        keep_previous=dt.timedelta(hours=keep_previous_hours),
    )
    return json_response({**_integration_out(integration), "secret": secret})


@router.delete(f"{ORG}/integrations/{{name}}", status_code=204, summary="Disable a system")
def remove_integration(request: Request, issuer_id: str, name: str, caller: Caller) -> Response:
    require(caller, issuer_id, ADMIN)
    disable_integration(deps_of(request), issuer_id, name, actor=f"token:{caller.token_id}")
    return Response(status_code=204)


def _report_of(body: bytes) -> CompletionReport:
    try:
        data = CompletionIn.model_validate_json(body)
    except ValidationError as error:
        raise InvalidInputError(first_problem(error, "body")) from None
    return CompletionReport(
        offering_id=data.offering_id,
        requirement_id=data.requirement_id,
        learner=data.learner,
        system=data.system,
        external_id=data.external_id,
        completed_at=data.completed_at,
        score=None if data.score is None else str(data.score),
        grade=data.grade,
        url=data.url,
    )


@router.post(
    f"{ORG}/completions",
    status_code=201,
    summary="Report a completion (API token or integration signature)",
    openapi_extra=_REPORT_BODY,
)
async def report(request: Request, issuer_id: str) -> Response:
    deps = deps_of(request)
    body = await request.body()
    name = request.headers.get("x-credstack-integration")
    own: str | None = None
    if name is not None:
        integration = await run_in_threadpool(
            authenticate_integration,
            deps,
            issuer_id,
            name=name,
            timestamp=request.headers.get("x-credstack-timestamp", ""),
            signature=request.headers.get("x-credstack-signature", ""),
            body=body,
        )
        own, reported_by = integration.name, f"integration:{integration.name}"
    else:
        caller = await run_in_threadpool(principal, request)
        require(caller, issuer_id, REPORT)
        reported_by = f"token:{caller.token_id}"
    completion = _report_of(body)
    try:
        recorded = await run_in_threadpool(
            lambda: report_completion(
                deps, issuer_id, completion, reported_by=reported_by, integration=own
            )
        )
    except CompletionRejectedError as error:
        raise _unprocessable(error) from None
    return json_response(_completion_out(recorded.completion), 201 if recorded.created else 200)


@router.post(
    f"{ORG}/offerings/{{offering_id}}/completions",
    summary="Import a CSV of completions (all rows or none)",
    openapi_extra=_CSV_BODY,
)
async def import_csv(request: Request, issuer_id: str, offering_id: str) -> Response:
    caller = await run_in_threadpool(principal, request)
    require(caller, issuer_id, REPORT)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "text/csv":
        raise Problem(415, "send the completions as text/csv")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("the CSV must be UTF-8") from None
    try:
        summary = await run_in_threadpool(
            lambda: import_completions(
                deps_of(request), issuer_id, offering_id, text, reported_by=f"csv:{caller.user_id}"
            )
        )
    except CompletionRejectedError as error:
        raise _unprocessable(error) from None
    return json_response(
        {
            "recorded": summary.recorded,
            "alreadyRecorded": summary.already_recorded,
            "credentialsIssued": summary.credentials_issued,
        }
    )
