"""The pathways of the issuer API: an organisation's stackable pathways (issue 8).

Under ``/api/v1/organisations/{issuer_id}/pathways``: save (YAML or JSON: a new version when
it changed), list, read one (any version, as JSON or YAML), the learners on it with their
progress (personal data: the organisation's own people only), and its log. Another
organisation's pathway is 404 here, as everywhere in the issuer API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from credstack.domain.pathway_records import StoredPathway
from credstack.domain.pathways import ComponentLossPolicy, PathwaySpec, pathway_data
from credstack.services.accounts import require
from credstack.services.pathway_files import parse_pathway, pathway_yaml
from credstack.services.pathways import (
    learner_pathway,
    list_pathways,
    pathway_events,
    reevaluate_pathway,
    save_pathway,
    show_pathway,
)
from credstack.web.auth import Caller, deps_of
from credstack.web.problems import Problem
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}/pathways", tags=["Pathways"])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
        "description": "a pathway (docs/pathways.md), as YAML or JSON",
    }
}
_YAML = ("application/yaml", "text/yaml", "application/x-yaml")


def _out(stored: StoredPathway) -> dict[str, Any]:
    return {
        "id": stored.id,
        "version": stored.version,
        "name": stored.spec.name,
        "target": stored.spec.target,
        "lossPolicy": stored.loss_policy.value,
        "createdAt": stored.created_at.isoformat(),
        "pageUrl": f"/pathways/{stored.id}",
        "definition": pathway_data(stored.spec),
    }


async def _spec_of(request: Request) -> PathwaySpec:
    text = (await request.body()).decode("utf-8", errors="replace")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _YAML:
        return parse_pathway(text, media="yaml")
    if media == "application/json":
        return parse_pathway(text, media="json")
    raise Problem(415, "send the pathway as application/json or application/yaml")


@router.post(
    "", status_code=201, summary="Save a pathway (a new version if it changed)", openapi_extra=_BODY
)
async def save(
    request: Request,
    issuer_id: str,
    caller: Caller,
    loss_policy: Annotated[ComponentLossPolicy | None, Query(alias="lossPolicy")] = None,
) -> Response:
    require(caller, issuer_id, "achievements:write")
    spec = await _spec_of(request)
    deps = deps_of(request)
    actor = f"{caller.user_id} (token {caller.token_id})"
    stored, created = await run_in_threadpool(
        lambda: save_pathway(deps, issuer_id, spec, actor=actor, loss_policy=loss_policy)
    )
    status = 201 if created else 200
    location = {"Location": f"{request.url.path}/{stored.id}"}
    return json_response(_out(stored), status, location)


@router.get("", summary="The organisation's pathways (newest versions), by id")
def list_all(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response([_out(p) for p in list_pathways(deps_of(request), issuer_id)])


@router.get("/{pathway_id}", summary="One pathway (a version of it), as JSON or YAML")
def show(
    request: Request,
    issuer_id: str,
    pathway_id: str,
    caller: Caller,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    require(caller, issuer_id, "achievements:read")
    stored = show_pathway(deps_of(request), issuer_id, pathway_id, version)
    if any(kind in request.headers.get("accept", "") for kind in _YAML):
        return Response(pathway_yaml(stored.spec), media_type="application/yaml")
    return json_response(_out(stored))


@router.get("/{pathway_id}/learners", summary="Who is on the pathway, and how far (personal data)")
def learners(request: Request, issuer_id: str, pathway_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    deps = deps_of(request)
    show_pathway(deps, issuer_id, pathway_id)
    with deps.uow() as uow:
        rows = [(row, uow.accounts.user(row.user_id)) for row in uow.pathways.learners(pathway_id)]
    out = []
    for row, user in rows:
        view = learner_pathway(deps, pathway_id, row.user_id)
        out.append(
            {
                "id": row.id,
                "name": user.name,
                "email": user.email,
                "version": row.version,
                "startedAt": row.started_at.isoformat(),
                "complete": view.progress.met,
                "missing": [leaf.id for leaf in view.progress.missing()],
                "award": row.award_id,
                "flagged": row.flagged,
            }
        )
    return json_response(out)


@router.post(
    "/{pathway_id}/reevaluate",
    summary="Look at every learner on the pathway again (after a change it depends on)",
)
async def reevaluate(request: Request, issuer_id: str, pathway_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    deps = deps_of(request)
    looked_at = await run_in_threadpool(reevaluate_pathway, deps, issuer_id, pathway_id)
    return json_response({"learners": looked_at})


@router.get("/{pathway_id}/events", summary="The pathway's log")
def events(request: Request, issuer_id: str, pathway_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    found = pathway_events(deps_of(request), issuer_id, pathway_id)
    return json_response(
        [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "learner": e.learner_id,
                "detail": e.detail,
            }
            for e in found
        ]
    )
