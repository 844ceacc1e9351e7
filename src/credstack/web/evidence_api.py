"""Rubrics and evidence review in the issuer API.

Under ``/api/v1/organisations/{issuer_id}``: ``rubrics`` (create as YAML or JSON, list, read,
replace until one was used in a review: 409 after) with the quizzes' scopes, and
``submissions`` (the review queue, paged; review one: levels, feedback, accept or return)
with ``awards:read`` to list and ``evidence:review`` to decide. Another organisation's
rubric or submission is 404 here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from credstack.domain.errors import InvalidInputError
from credstack.domain.evidence import Rubric, Submission, SubmissionState
from credstack.domain.rubrics import RubricSpec
from credstack.services.accounts import require
from credstack.services.evidence import (
    QueueEntry,
    QueueFilter,
    evidence_url,
    review_queue,
    review_submission,
)
from credstack.services.rubric_files import parse_rubric
from credstack.services.rubrics import create_rubric, list_rubrics, replace_rubric, show_rubric
from credstack.web.auth import Caller, deps_of
from credstack.web.paging import Limit, Offset, page_headers
from credstack.web.problems import Problem
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}", tags=["Evidence"])

_RUBRIC_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
        "description": "a rubric definition (docs/decisions/0027), as YAML or JSON",
    }
}
_YAML = ("application/yaml", "text/yaml", "application/x-yaml")


def _rubric_out(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.id,
        "title": rubric.spec.title,
        "maxPoints": rubric.spec.max_points,
        "createdAt": rubric.created_at.isoformat(),
        "updatedAt": rubric.updated_at.isoformat(),
        "definition": rubric.spec.model_dump(mode="json", exclude_none=True),
    }


async def _spec_of(request: Request, issuer_id: str) -> RubricSpec:
    text = (await request.body()).decode("utf-8", errors="replace")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _YAML:
        named, spec = parse_rubric(text, media="yaml")
    elif media == "application/json":
        named, spec = parse_rubric(text, media="json")
    else:
        raise Problem(415, "send the rubric as application/json or application/yaml")
    if named is not None and named != issuer_id:
        raise InvalidInputError(f"issuer: the rubric is for '{named}'")
    return spec


@router.post("/rubrics", status_code=201, summary="Create a rubric", openapi_extra=_RUBRIC_BODY)
async def create(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    spec = await _spec_of(request, issuer_id)
    rubric = await run_in_threadpool(
        create_rubric, deps_of(request), issuer_id, spec, actor=f"token {caller.token_id}"
    )
    headers = {"Location": f"{request.url.path}/{rubric.id}"}
    return json_response(_rubric_out(rubric), 201, headers)


@router.get("/rubrics", summary="The organisation's rubrics")
def listing(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response([_rubric_out(r) for r in list_rubrics(deps_of(request), issuer_id)])


@router.get("/rubrics/{rubric_id}", summary="A rubric")
def one(request: Request, issuer_id: str, rubric_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response(_rubric_out(show_rubric(deps_of(request), issuer_id, rubric_id)))


@router.put(
    "/rubrics/{rubric_id}",
    summary="Replace a rubric's definition (409 once a review used it)",
    openapi_extra=_RUBRIC_BODY,
)
async def replace(request: Request, issuer_id: str, rubric_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    spec = await _spec_of(request, issuer_id)
    rubric = await run_in_threadpool(
        replace_rubric, deps_of(request), issuer_id, rubric_id, spec,
        actor=f"token {caller.token_id}",
    )  # fmt: skip
    return json_response(_rubric_out(rubric))


def submission_out(request: Request, submission: Submission) -> dict[str, Any]:
    """A submission as the API shows it (the file by its link, never inline)."""
    deps = deps_of(request)
    out: dict[str, Any] = {
        "id": submission.id,
        "offering": submission.offering_id,
        "requirement": submission.requirement_id,
        "rubric": submission.rubric_id,
        "learner": submission.user_id,
        "version": submission.version,
        "state": submission.state.value,
        "submittedAt": submission.submitted_at.isoformat(),
        "text": submission.text,
        "link": submission.link,
        "url": evidence_url(deps, submission.id),
        "file": None,
    }
    if submission.file is not None:
        out["file"] = {
            "name": submission.file.name,
            "mediaType": submission.file.media_type,
            "size": submission.file.size,
            "sha256": submission.file.sha256,
            "url": f"{evidence_url(deps, submission.id)}/file",
        }
    if submission.reviewed_at is not None:
        out["review"] = {
            "at": submission.reviewed_at.isoformat(),
            "by": submission.reviewer,
            "levels": dict(submission.levels or {}),
            "points": submission.points,
            "maxPoints": submission.max_points,
            "feedback": submission.feedback,
        }
    return out


def _entry_out(request: Request, entry: QueueEntry) -> dict[str, Any]:
    out = submission_out(request, entry.submission)
    out["learnerEmail"] = entry.learner_email
    out["learnerName"] = entry.learner_name
    return out


@router.get("/submissions", summary="Evidence submitted to the organisation (oldest first)")
def submissions(
    request: Request,
    issuer_id: str,
    caller: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
    state: Annotated[Literal["submitted", "accepted", "returned", "any"], Query()] = "submitted",
    offering_id: Annotated[str | None, Query(max_length=64)] = None,
    requirement_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    require(caller, issuer_id, "awards:read")
    wanted = None if state == "any" else SubmissionState(state)
    filters = QueueFilter(None, offering_id, requirement_id, wanted)
    page, total = review_queue(deps_of(request), [issuer_id], filters, limit=limit, offset=offset)
    headers = page_headers(request, total=total, offset=offset, limit=limit)
    return json_response([_entry_out(request, entry) for entry in page], headers=headers)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    levels: dict[str, Annotated[str, Field(max_length=40)]] = Field(max_length=50)
    feedback: Annotated[str, Field(max_length=10_000)] = ""
    decision: Literal["accept", "return"]


@router.post("/submissions/{submission_id}/review", summary="Accept or return a submission")
def review(
    request: Request, issuer_id: str, submission_id: str, body: ReviewIn, caller: Caller
) -> Response:
    require(caller, issuer_id, "evidence:review")
    reviewed = review_submission(
        deps_of(request),
        submission_id,
        issuer_ids=[issuer_id],
        levels=body.levels,
        feedback=body.feedback,
        decision=body.decision,
        actor=f"token {caller.token_id}",
    )
    return json_response(submission_out(request, reviewed))
