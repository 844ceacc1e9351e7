"""One-step verification of a credential in any form, as an ordered report of checks.

A verifier (an employer, a wallet, credstack's own verify page) hands over whatever it got: a
JSON credential, a compact JWS, or a baked PNG/SVG. The report says, check by check, what was
verified, what failed, what only earned a warning and what could not be checked (offline, no
status hook), so that a person can see *why* a credential is or is not trusted. ``verify`` never
raises: any input, however broken, yields a report.

Order of checks (each names the spec rule it applies):

1. ``parse``: the input is JSON, a JWS or a baked image holding one (OB 3.0 §5.3 "Baking").
2. ``contexts``: the first context is the VC base context; every context is bundled; outdated
   versions (VC 1.1, OB before 3.0.3) are a warning (OB 3.0 §B.1).
3. ``json-ld``: the document expands in safe mode: every term is defined (VC-DI §4.4).
4. ``data model``: OB 3.0 / CLR 2.0 required properties and types (``credstack.ob``).
5. ``schema``: each ``credentialSchema`` is fetched and applied (OB 3.0 §8.2.1).
6. ``proof``: each Data Integrity proof, or the JWS signature with its claim rules.
7. ``key authorised`` / ``issuer match``: the key's controller lists it for assertions, and
   that controller is the issuer.
8. ``validity``: ``validFrom``/``validUntil`` (VC 1.1 ``issuanceDate``/``expirationDate``).
9. ``status``: ``credentialStatus`` through the caller's status hook (revocation).
10. ``endorsements``: every embedded EndorsementCredential, verified the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import jsonschema

from credstack.vc import proofs as _proofs  # noqa: F401  (registers the suites)
from credstack.vc.baking import sniff_format, unbake
from credstack.vc.contexts import VC_V1, VC_V2, ContextRegistry, default_registry
from credstack.vc.credential_fields import issuer_id, parse_instant
from credstack.vc.data_integrity import ProofResult, proofs_of, verify_proofs
from credstack.vc.errors import FetchError, VCError
from credstack.vc.fetching import Fetcher, fetch_json
from credstack.vc.jose import decode_jwt, verify_jwt
from credstack.vc.jsonld import check_safe_mode, reusing_datasets

__all__ = [
    "Check",
    "Outcome",
    "StatusChecker",
    "Verdict",
    "VerificationReport",
    "verify",
]

_OB_CURRENT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_OUTDATED = {
    VC_V1: "VC 1.1 context (VC 2.0 is current)",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "unversioned OB 3.0 context",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "OB context 3.0.1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "OB context 3.0.2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "unversioned CLR 2.0 context",
}
_LEGACY_SUITES = {"eddsa-2022": "the pre-Recommendation name of eddsa-rdfc-2022"}
_MAX_ENDORSEMENT_DEPTH = 2
_STATUS_LIST_TYPES = {"BitstringStatusListCredential", "StatusList2021Credential"}


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    NOT_CHECKED = "not checked"


class Verdict(enum.StrEnum):
    VALID = "valid"
    VALID_WITH_WARNINGS = "valid with warnings"
    INVALID = "invalid"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it came out, and why."""

    name: str
    outcome: Outcome
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.name, "outcome": self.outcome.value, "message": self.message}


@dataclass(frozen=True)
class VerificationReport:
    """Every check made on one credential, in order, and the credential as read."""

    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    format: str = ""

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is Outcome.FAILED]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is Outcome.WARNING]

    @property
    def verdict(self) -> Verdict:
        if self.errors:
            return Verdict.INVALID
        return Verdict.VALID_WITH_WARNINGS if self.warnings else Verdict.VALID

    @property
    def valid(self) -> bool:
        return self.verdict is not Verdict.INVALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
        }


class StatusChecker(Protocol):
    """Decides one ``credentialStatus`` entry (Bitstring Status List, 1EdTech revocation list).

    Returns the outcome and a message; ``NOT_CHECKED`` for entry types it does not know.
    """

    def __call__(
        self, entry: Mapping[str, Any], credential: Mapping[str, Any], fetcher: Fetcher | None
    ) -> tuple[Outcome, str]: ...


@dataclass
class _Context:
    fetcher: Fetcher | None
    now: dt.datetime
    registry: ContextRegistry
    schemas: Mapping[str, Any]
    status_checker: StatusChecker | None
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, outcome: Outcome, message: str) -> None:
        self.checks.append(Check(name, outcome, message))


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    now: dt.datetime,
    fetcher: Fetcher | None = None,
    registry: ContextRegistry | None = None,
    schemas: Mapping[str, Any] | None = None,
    status_checker: StatusChecker | None = None,
) -> VerificationReport:
    """Verify a credential given as a dict, JSON text, a compact JWS, or baked PNG/SVG bytes.

    ``now`` is the time to judge validity at. ``fetcher`` reads remote resources (controller
    documents, schemas, status lists); without it those checks are "not checked". ``schemas``
    supplies JSON Schemas by URL without fetching. Never raises.
    """
    context = _Context(
        fetcher=fetcher,
        now=now if now.tzinfo else now.replace(tzinfo=dt.UTC),
        registry=registry or default_registry(),
        schemas=schemas or {},
        status_checker=status_checker,
    )
    try:
        # the credential is checked whole, then hashed without its proof: one walk serves both
        with reusing_datasets():
            return _verify(data, context, depth=0)
    except Exception as error:  # a report must come back for any input, even on our bugs
        context.add("internal", Outcome.FAILED, f"verification stopped: {error!r}")
        return VerificationReport(tuple(context.checks))


def _verify(data: Any, context: _Context, depth: int) -> VerificationReport:
    parsed = _parse(data, context)
    if parsed is None:
        return VerificationReport(tuple(context.checks))
    credential, form, jwt = parsed
    _check_contexts(credential, context)
    _check_json_ld(credential, context)
    _check_model(credential, context)
    _check_schemas(credential, context)
    if jwt is None:
        _check_proofs(credential, context)
    else:
        _check_jwt(jwt, context)
    _check_validity(credential, context)
    _check_status(credential, context)
    if depth < _MAX_ENDORSEMENT_DEPTH:
        _check_endorsements(credential, context, depth)
    return VerificationReport(tuple(context.checks), credential, form)


# -- 1. parse -------------------------------------------------------------------------------


def _parse(data: Any, context: _Context) -> tuple[dict[str, Any], str, str | None] | None:
    """The credential, the form it came in, and the JWS if it came as one."""
    form = "json"
    text: str
    if isinstance(data, Mapping):
        context.add("parse", Outcome.PASSED, "credential given as a JSON object")
        return dict(data), form, None
    if isinstance(data, bytes):
        try:
            form = sniff_format(data)
        except VCError:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                context.add("parse", Outcome.FAILED, "input is neither JSON, a JWS nor a badge")
                return None
        else:
            try:
                text = unbake(data)
            except VCError as error:
                context.add("parse", Outcome.FAILED, f"baked {form.upper()}: {error}")
                return None
    elif isinstance(data, str):
        text = data
    else:
        context.add("parse", Outcome.FAILED, f"cannot verify a {type(data).__name__}")
        return None
    return _parse_text(text.strip(), form, context)


def _parse_text(
    text: str, form: str, context: _Context
) -> tuple[dict[str, Any], str, str | None] | None:
    where = f"{form.upper()} badge" if form in ("png", "svg") else "input"
    if text.startswith("{"):
        try:
            credential = json.loads(text)
        except ValueError as error:
            context.add("parse", Outcome.FAILED, f"{where} is not valid JSON: {error}")
            return None
        if not isinstance(credential, dict):
            context.add("parse", Outcome.FAILED, f"{where} is not a JSON object")
            return None
        context.add("parse", Outcome.PASSED, f"JSON credential read from the {where}")
        return credential, form, None
    try:
        decoded = decode_jwt(text)
    except VCError as error:
        context.add("parse", Outcome.FAILED, f"{where} is neither JSON nor a valid JWS: {error}")
        return None
    context.add("parse", Outcome.PASSED, f"JWS credential read from the {where}")
    return decoded.credential, form if form != "json" else "jwt", text


# -- 2-4. contexts, JSON-LD, data model -----------------------------------------------------


def _context_urls(credential: Mapping[str, Any]) -> list[Any]:
    value = credential.get("@context")
    return list(value) if isinstance(value, list) else [value]


def _check_contexts(credential: Mapping[str, Any], context: _Context) -> None:
    urls = _context_urls(credential)
    if not urls or urls[0] not in (VC_V2, VC_V1):
        context.add("contexts", Outcome.FAILED, f"the first @context must be {VC_V2}")
        return
    unknown = [u for u in urls if isinstance(u, str) and u not in context.registry]
    if unknown:
        context.add("contexts", Outcome.FAILED, f"unknown context {unknown[0]} (not fetched)")
        return
    outdated = [_OUTDATED[u] for u in urls if isinstance(u, str) and u in _OUTDATED]
    if outdated:
        context.add("contexts", Outcome.WARNING, "outdated: " + ", ".join(outdated))
    else:
        context.add("contexts", Outcome.PASSED, "all contexts are known and current")


def _check_json_ld(credential: Mapping[str, Any], context: _Context) -> None:
    try:
        check_safe_mode(credential, context.registry)
    except VCError as error:
        context.add("json-ld", Outcome.FAILED, str(error))
    else:
        context.add("json-ld", Outcome.PASSED, "every term is defined by the contexts")


def _check_model(credential: Mapping[str, Any], context: _Context) -> None:
    from credstack.ob import validate_credential

    types = _as_list(credential.get("type"))
    if any(isinstance(t, str) and t in _STATUS_LIST_TYPES for t in types):
        # A status list is a plain VC, not an OB credential: its proof and dates still count.
        context.add("data model", Outcome.PASSED, f"a {types[-1]} (VC data model)")
        return
    if not any(isinstance(t, str) and t in _OB_TYPES for t in types):
        # Any other verifiable credential (a verifier takes them all): the VC Data Model's
        # own requirements; OB's apply only to OB and CLR credentials.
        problem = _vc_model_problem(credential, types)
        if problem:
            context.add("data model", Outcome.FAILED, problem)
        else:
            message = "not an Open Badge or CLR: only the VC Data Model's rules were checked"
            context.add("data model", Outcome.WARNING, message)
        return
    problems = validate_credential(credential)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        context.add("data model", Outcome.FAILED, problems[0] + more)
    else:
        context.add("data model", Outcome.PASSED, "required properties and types are present")


_OB_TYPES = {
    "OpenBadgeCredential",
    "AchievementCredential",
    "EndorsementCredential",
    "ClrCredential",
}


def _vc_model_problem(credential: Mapping[str, Any], types: list[Any]) -> str | None:
    """The first VC Data Model 2.0 (§4) requirement ``credential`` breaks, if any."""
    if "VerifiableCredential" not in types:
        return "type: must include VerifiableCredential"
    subjects = _as_list(credential.get("credentialSubject"))
    if not subjects or not all(isinstance(s, Mapping) and s for s in subjects):
        return "credentialSubject: must be one or more objects with claims"
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or ":" not in issuer:
        return "issuer: must be a URL, or an object with a URL id"
    for name in ("validFrom", "validUntil"):
        value = credential.get(name)
        if value is not None and parse_instant(value) is None:
            return f"{name}: must be an XSD date-time"
    identifier = credential.get("id")
    if identifier is not None and (not isinstance(identifier, str) or ":" not in identifier):
        return "id: must be a URL"
    return None


# -- 5. schema ------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _check_schemas(credential: Mapping[str, Any], context: _Context) -> None:
    for entry in _as_list(credential.get("credentialSchema")):
        url = entry.get("id") if isinstance(entry, Mapping) else None
        if not isinstance(url, str):
            context.add("schema", Outcome.FAILED, "credentialSchema has no id")
            continue
        schema = _load_schema(url, context)
        if schema is None:
            continue
        document = dict(credential)
        if "proof" in document and not isinstance(document["proof"], list):
            document["proof"] = [document["proof"]]  # the 1EdTech schema declares an array
        try:
            validator = jsonschema.validators.validator_for(schema)(schema)
            error = jsonschema.exceptions.best_match(validator.iter_errors(document))
        except jsonschema.exceptions.SchemaError as problem:
            context.add("schema", Outcome.FAILED, f"{url} is not a valid schema: {problem.message}")
            continue
        if error is None:
            context.add("schema", Outcome.PASSED, f"valid against {url}")
        else:
            where = ".".join(str(p) for p in error.absolute_path) or "credential"
            context.add("schema", Outcome.FAILED, f"{where}: {error.message[:200]} ({url})")


def _load_schema(url: str, context: _Context) -> Any:
    if url in context.schemas:
        return context.schemas[url]
    if context.fetcher is None:
        context.add("schema", Outcome.NOT_CHECKED, f"{url} not fetched (offline)")
        return None
    try:
        return fetch_json(context.fetcher, url, accept="application/schema+json, application/json")
    except FetchError as error:
        if error.status is not None:
            context.add("schema", Outcome.FAILED, f"schema {url} could not be read: {error}")
        else:
            context.add("schema", Outcome.NOT_CHECKED, f"schema {url} unreachable: {error}")
        return None


# -- 6-7. proofs and the issuer's key -------------------------------------------------------


def _check_proofs(credential: Mapping[str, Any], context: _Context) -> None:
    if not proofs_of(credential):
        context.add("proof", Outcome.FAILED, "the credential has no proof")
        return
    results = verify_proofs(credential, fetcher=context.fetcher, registry=context.registry)
    verified = [r for r in results if r.verified]
    for result in results:
        _report_proof(result, bool(verified), context)
    for result in verified:
        _check_issuer_key(result, credential, context)


def _report_proof(result: ProofResult, another_verified: bool, context: _Context) -> None:
    label = f"proof {result.index + 1} ({result.suite or 'no type'})"
    if result.verified:
        legacy = _LEGACY_SUITES.get(result.suite)
        if legacy:
            context.add(
                "proof", Outcome.WARNING, f"{label}: valid, but '{result.suite}' is {legacy}"
            )
        else:
            context.add("proof", Outcome.PASSED, f"{label}: {result.message}")
    elif "is not supported" in result.message and another_verified:
        context.add("proof", Outcome.NOT_CHECKED, f"{label}: {result.message}")
    else:
        context.add("proof", Outcome.FAILED, f"{label}: {result.message}")


def _check_issuer_key(
    result: ProofResult, credential: Mapping[str, Any], context: _Context
) -> None:
    """Two questions: does the key's controller authorise it for assertions (VC-DI §4.4 step
    "verification method ... associated with proofPurpose"), and is that controller the issuer?"""
    method = result.method
    if method is None:
        return
    if method.authorized is True:
        message = f"{method.controller} lists the key under assertionMethod"
        context.add("key authorised", Outcome.PASSED, message)
    elif method.authorized is False:
        context.add("key authorised", Outcome.FAILED, method.note)
    else:
        # Without the controller's document nothing ties this key to the issuer: anyone can
        # sign with a key of their own under the issuer's name, so this is never a quiet pass.
        message = f"{method.note}; the key is not confirmed as the issuer's"
        context.add("key authorised", Outcome.WARNING, message)
    _check_issuer_match(method.controller, issuer_id(credential), context)


def _check_issuer_match(controller: str, issuer: str, context: _Context) -> None:
    if not issuer:
        context.add("issuer match", Outcome.FAILED, "the credential names no issuer")
    elif controller == issuer:
        context.add("issuer match", Outcome.PASSED, f"the key belongs to the issuer {issuer}")
    elif issuer.startswith("did:"):
        message = f"signed by {controller}, not the issuer {issuer}"
        context.add("issuer match", Outcome.FAILED, message)
    elif not issuer.startswith(("https://", "http://")):
        # A urn:uuid issuer cannot publish keys, so nothing ties the key to it either way.
        message = f"issuer {issuer} cannot list keys; signed by {controller}"
        context.add("issuer match", Outcome.NOT_CHECKED, message)
    else:
        message = f"the key's controller {controller} is not the issuer {issuer}"
        context.add("issuer match", Outcome.WARNING, message)


def _check_jwt(token: str, context: _Context) -> None:
    result = verify_jwt(token, fetcher=context.fetcher, now=context.now)
    if result.verified:
        context.add("proof", Outcome.PASSED, f"JWS signature is valid (key: {result.key_id})")
    else:
        context.add("proof", Outcome.FAILED, "; ".join(result.errors) or "JWS does not verify")
    for warning in result.warnings:
        context.add("key authorised", Outcome.WARNING, warning)


# -- 8. validity period ---------------------------------------------------------------------


def _check_validity(credential: Mapping[str, Any], context: _Context) -> None:
    start_name = "validFrom" if "validFrom" in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential else "expirationDate"
    for name in (start_name, end_name):
        if name in credential and parse_instant(credential[name]) is None:
            context.add(
                "validity", Outcome.FAILED, f"{name} is not a date-time: {credential[name]}"
            )
            return
    start, end = parse_instant(credential.get(start_name)), parse_instant(credential.get(end_name))
    if start is not None and start > context.now:
        context.add("validity", Outcome.FAILED, f"not valid until {credential[start_name]}")
    elif end is not None and end < context.now:
        context.add("validity", Outcome.FAILED, f"expired on {credential[end_name]}")
    else:
        context.add("validity", Outcome.PASSED, "within its validity period")


# -- 9. status ------------------------------------------------------------------------------


def _check_status(credential: Mapping[str, Any], context: _Context) -> None:
    for entry in _as_list(credential.get("credentialStatus")):
        kind = entry.get("type") if isinstance(entry, Mapping) else None
        if not isinstance(entry, Mapping):
            context.add("status", Outcome.FAILED, "credentialStatus is not an object")
        elif context.status_checker is None:
            context.add("status", Outcome.NOT_CHECKED, f"{kind} status not checked (no hook)")
        else:
            outcome, message = context.status_checker(entry, credential, context.fetcher)
            context.add("status", outcome, message)


# -- 10. endorsements -----------------------------------------------------------------------


def _endorsements(credential: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    yield from (("endorsement", e) for e in _as_list(credential.get("endorsement")))
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        yield from (("issuer.endorsement", e) for e in _as_list(issuer.get("endorsement")))
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if isinstance(achievement, Mapping):
        for e in _as_list(achievement.get("endorsement")):
            yield "credentialSubject.achievement.endorsement", e


def _check_endorsements(credential: Mapping[str, Any], context: _Context, depth: int) -> None:
    for where, endorsement in _endorsements(credential):
        inner = _Context(
            context.fetcher, context.now, context.registry, context.schemas, context.status_checker
        )
        report = _verify(endorsement, inner, depth + 1)
        for check in report.checks:
            if check.outcome is not Outcome.PASSED:
                context.add(
                    "endorsements", check.outcome, f"{where}: {check.name}: {check.message}"
                )
        if report.valid:
            context.add("endorsements", Outcome.PASSED, f"{where}: endorsement verifies")
