"""The W3C VC API's verifier: ``POST /credentials/verify``.

The request is ``{"verifiableCredential": {...}, "options": {...}}``; the answer is the VC
API's verification result, ``{"verified", "credential", "problemDetails", "results"}``, with
200 whether or not the credential verifies (the verification ran); 400 is for a request that
holds no credential to verify. ``checks`` adds credstack's own report, one line a check, as
the CLI prints it. Problem types are the VC Data Model 2.0 ones (§7.1 "Verification") where
one fits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.status import StatusAction
from credstack.services.accounts import require
from credstack.services.awards import show_award
from credstack.services.signing_service import sign_for_issuer
from credstack.services.status import change_status
from credstack.vc import Outcome, VerificationReport
from credstack.vc import verify as verify_credential
from credstack.vc.fetching import Fetcher
from credstack.vc.presentations import verify_presentation
from credstack.vc.verification import StatusChecker
from credstack.web.auth import Caller, deps_of
from credstack.web.problems import Problem

__all__ = ["json_bytes", "problem_details", "router", "verified", "verify_here"]

router = APIRouter(tags=["VC API"])

_VCDM = "https://www.w3.org/TR/vc-data-model#"
#: credstack's checks by the VC Data Model 2.0 error type they report
_TYPES = {
    "parse": "PARSING_ERROR",
    "json-ld": "MALFORMED_VALUE_ERROR",
    "contexts": "MALFORMED_VALUE_ERROR",
    "data model": "MALFORMED_VALUE_ERROR",
    "schema": "MALFORMED_VALUE_ERROR",
    "proof": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "issuer match": "CRYPTOGRAPHIC_SECURITY_ERROR",
    "key authorised": "CRYPTOGRAPHIC_SECURITY_ERROR",
}


def verified(report: VerificationReport) -> bool:
    """Valid, and signed by a key confirmed as the issuer's (as ``credstack verify`` says)."""
    confirmed = all(
        check.outcome is Outcome.PASSED for check in report.checks if check.name == "key authorised"
    )
    return report.valid and confirmed


def problem_details(report: VerificationReport) -> list[dict[str, str]]:
    """The report's failures (and warnings) as VC API ProblemDetails."""
    problems = []
    for check in report.checks:
        if check.outcome not in (Outcome.FAILED, Outcome.WARNING):
            continue
        kind = _TYPES.get(check.name)
        problems.append(
            {
                "type": f"{_VCDM}{kind}"
                if kind
                else f"https://w3id.org/credstack/checks#{check.name}",
                "title": check.name,
                "detail": check.message,
                "severity": "error" if check.outcome is Outcome.FAILED else "warning",
            }
        )
    return problems


def verify_here(request: Request, data: bytes | str | Mapping[str, Any]) -> VerificationReport:
    """``vc.verify`` as this server does it: its clock, fetcher and status checker."""
    state = request.app.state
    clock: Callable[[], dt.datetime] = state.clock
    fetcher: Fetcher | None = state.fetcher
    checker: StatusChecker | None = state.status_checker
    return verify_credential(data, now=clock(), fetcher=fetcher, status_checker=checker)


def _results(report: VerificationReport) -> dict[str, Any]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for check in report.checks:
        by_name.setdefault(check.name, []).append(
            {"valid": check.outcome is not Outcome.FAILED, "outcome": check.outcome.value}
        )
    return by_name


@router.post(
    "/credentials/verify",
    summary="Verify a credential (W3C VC API)",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "the verification result"},
        400: {"description": "no credential to verify (a problem document)"},
    },
)
def verify(
    request: Request,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way of declaring a JSON body
        ..., examples=[{"verifiableCredential": {"@context": ["..."], "type": ["..."]}}]
    ),
) -> Response:
    """Verify ``verifiableCredential``: proofs, the issuer's key, data model, dates, status.
    A credential that does not verify is still a 200, with ``verified`` false and why."""
    credential = body.get("verifiableCredential")
    if not isinstance(credential, dict):
        raise Problem(400, "verifiableCredential must be a JSON object (a credential)")
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise Problem(400, "options must be a JSON object")
    report = verify_here(request, credential)
    result = {
        "verified": verified(report),
        "credential": credential,
        "problemDetails": problem_details(report),
        "results": _results(report),
        "checks": [check.to_dict() for check in report.checks],
    }
    # written directly: FastAPI's encoder walks the whole echoed credential, slowly
    return Response(json_bytes(result), media_type="application/json")


def json_bytes(value: Any) -> bytes:
    """Compact JSON (orjson; ``json`` for what orjson refuses, e.g. integers past 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.post(
    "/credentials/issue",
    status_code=201,
    summary="Sign a credential as the token's organisation (W3C VC API)",
    response_class=Response,
    responses={201: {"content": {"application/json": {}}, "description": "the signed credential"}},
)
def issue(
    request: Request,
    caller: Caller,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way of declaring a JSON body
        ..., examples=[{"credential": {"@context": ["..."], "type": ["VerifiableCredential"]}}]
    ),
) -> Response:
    """``{"credential": {...}, "options": {...}}`` in, ``{"verifiableCredential": {...}}`` out
    (201): the credential signed with ``eddsa-rdfc-2022`` by the organisation of the token
    (scope ``awards:write``). Its ``issuer`` must be the organisation's DID, or absent."""
    require(caller, caller.issuer_id, "awards:write")
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise Problem(400, "credential must be a JSON object (an unsecured credential)")
    if not isinstance(body.get("options", {}), dict):
        raise Problem(400, "options must be a JSON object")
    signed = sign_for_issuer(deps_of(request), caller.issuer_id, credential)
    return Response(
        json_bytes({"verifiableCredential": signed}), 201, media_type="application/json"
    )


class StatusUpdate(BaseModel):
    """The VC API's UpdateCredentialStatusRequest."""

    model_config = ConfigDict(extra="forbid")

    credentialId: str = Field(max_length=2000)  # noqa: N815 - the VC API's field name
    credentialStatus: dict[str, Any]  # noqa: N815
    status: bool


@router.post(
    "/credentials/status",
    summary="Set or clear a credential's revocation or suspension bit (W3C VC API)",
    response_class=Response,
)
def update_status(request: Request, caller: Caller, body: StatusUpdate) -> Response:
    """``credentialId`` is the award id or the credential's ``id``; ``credentialStatus``
    names the purpose (``revocation`` or ``suspension``); ``status`` true sets the bit. A
    revocation is final: clearing it is a 409 (scope ``status:write``)."""
    require(caller, caller.issuer_id, "status:write")
    purpose = body.credentialStatus.get("statusPurpose")
    actions = {
        ("revocation", True): StatusAction.REVOKE,
        ("suspension", True): StatusAction.SUSPEND,
        ("suspension", False): StatusAction.UNSUSPEND,
    }
    if purpose not in ("revocation", "suspension"):
        raise Problem(400, "credentialStatus.statusPurpose must be revocation or suspension")
    action = actions.get((purpose, body.status))
    if action is None:
        raise ConflictError("a revocation is final: it cannot be cleared")
    deps = deps_of(request)
    award = show_award(deps, body.credentialId)
    if award.issuer_id != caller.issuer_id:
        raise NotFoundError(f"no credential '{body.credentialId}'")
    reason = body.credentialStatus.get("reason") or "through the VC API"
    change_status(deps, award.id, action, reason=str(reason), actor=f"token {caller.token_id}")
    return Response(status_code=200)


@router.post(
    "/presentations/verify",
    summary="Verify a presentation and every credential in it (W3C VC API)",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "the verification result"},
        400: {"description": "no presentation to verify (a problem document)"},
    },
)
def verify_presentation_route(
    request: Request,
    body: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way of declaring a JSON body
        ...,
        examples=[{"verifiablePresentation": {"type": ["VerifiablePresentation"]}, "options": {}}],
    ),
) -> Response:
    """``verifiablePresentation`` (with a proof of purpose ``authentication``; ``options``
    may ask for a ``challenge`` and a ``domain``) or a proofless ``presentation``: 200 with
    ``verified`` and why, for the presentation and for each credential in it."""
    presentation = body.get("verifiablePresentation", body.get("presentation"))
    if not isinstance(presentation, dict):
        raise Problem(400, "verifiablePresentation must be a JSON object (a presentation)")
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise Problem(400, "options must be a JSON object")
    challenge, domain = options.get("challenge"), options.get("domain")
    for name, value in (("challenge", challenge), ("domain", domain)):
        if value is not None and not isinstance(value, str):
            raise Problem(400, f"options.{name} must be a string")
    state = request.app.state
    report = verify_presentation(
        presentation,
        now=state.clock(),
        challenge=challenge,
        domain=domain,
        fetcher=state.fetcher,
        status_checker=state.status_checker,
        require_proof="verifiablePresentation" in body,
    )
    credentials: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    for each in report.credentials:
        found = problem_details(each)
        problems += found
        credentials.append(
            {
                "verified": verified(each),
                "problemDetails": found,
                "checks": [check.to_dict() for check in each.checks],
            }
        )
    own = VerificationReport(report.checks)
    result = {
        "verified": report.valid and all(c["verified"] for c in credentials),
        "verifiablePresentation": presentation,
        "problemDetails": problem_details(own) + problems,
        "results": _results(own),
        "checks": [check.to_dict() for check in report.checks],
        "credentialResults": credentials,
    }
    return Response(json_bytes(result), media_type="application/json")
