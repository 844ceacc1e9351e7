"""Verifying a verifiable presentation (VC Data Model 2.0 §4.13, VC Data Integrity §4.4).

A holder presents credentials and proves, with a proof of purpose ``authentication`` over the
presentation, that it is them presenting (and, with a ``challenge`` and a ``domain`` the
verifier chose, that it is not a replay). Each credential inside is verified as
``verification.verify`` verifies one. Never raises: every problem is a check of the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credstack.vc.contexts import ContextRegistry, default_registry
from credstack.vc.data_integrity import proofs_of, verify_proofs
from credstack.vc.errors import VCError
from credstack.vc.fetching import Fetcher
from credstack.vc.jsonld import check_safe_mode
from credstack.vc.verification import (
    Check,
    Outcome,
    StatusChecker,
    VerificationReport,
    verify,
)

__all__ = ["PresentationReport", "verify_presentation"]


@dataclass(frozen=True)
class PresentationReport:
    """The presentation's own checks, and a report for each credential it holds."""

    checks: tuple[Check, ...]
    credentials: tuple[VerificationReport, ...]

    @property
    def valid(self) -> bool:
        own = all(c.outcome is not Outcome.FAILED for c in self.checks)
        return own and all(report.valid for report in self.credentials)


def verify_presentation(
    presentation: Any,
    *,
    now: dt.datetime,
    challenge: str | None = None,
    domain: str | None = None,
    fetcher: Fetcher | None = None,
    registry: ContextRegistry | None = None,
    status_checker: StatusChecker | None = None,
    require_proof: bool = True,
) -> PresentationReport:
    """Verify ``presentation`` (parsed JSON). ``challenge`` and ``domain``, when given, must
    be in its proof. Without ``require_proof``, a presentation with no proof has only its
    credentials verified (the VC API's "proofless" request)."""
    checks: list[Check] = []
    registry = registry or default_registry()
    if not isinstance(presentation, Mapping):
        return PresentationReport((Check("parse", Outcome.FAILED, "not a JSON object"),), ())
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        checks.append(Check("parse", Outcome.FAILED, "type must include VerifiablePresentation"))
    try:
        check_safe_mode(presentation, registry)
    except VCError as error:
        checks.append(Check("json-ld", Outcome.FAILED, str(error)))
    else:
        checks.append(Check("json-ld", Outcome.PASSED, "every term is defined by the contexts"))
    checks += _proof_checks(presentation, now, challenge, domain, fetcher, registry, require_proof)
    held = presentation.get("verifiableCredential", [])
    held = held if isinstance(held, list) else [held]
    reports = tuple(
        verify(
            credential, now=now, fetcher=fetcher, registry=registry, status_checker=status_checker
        )
        for credential in held
    )
    return PresentationReport(tuple(checks), reports)


def _proof_checks(
    presentation: Mapping[str, Any],
    now: dt.datetime,
    challenge: str | None,
    domain: str | None,
    fetcher: Fetcher | None,
    registry: ContextRegistry,
    require_proof: bool,
) -> list[Check]:
    proofs = [p for p in proofs_of(presentation) if isinstance(p, Mapping)]
    if not proofs:
        if require_proof:
            return [Check("proof", Outcome.FAILED, "the presentation has no proof")]
        return [Check("proof", Outcome.NOT_CHECKED, "no proof (only the credentials count)")]
    checks = []
    results = verify_proofs(
        presentation, fetcher=fetcher, registry=registry, expected_purpose="authentication",
        now=now,
    )  # fmt: skip
    for result in results:
        outcome = Outcome.PASSED if result.verified else Outcome.FAILED
        checks.append(Check("proof", outcome, f"proof {result.index + 1}: {result.message}"))
    for name, wanted in (("challenge", challenge), ("domain", domain)):
        if wanted is None:
            continue
        given = {p.get(name) for p in proofs}
        if given == {wanted}:
            checks.append(Check(name, Outcome.PASSED, f"the proof has the {name} asked for"))
        else:
            checks.append(
                Check(name, Outcome.FAILED, f"the proof's {name} is not the one asked for")
            )
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, Mapping) else holder
    if isinstance(holder, str):
        controllers = {r.method.controller for r in results if r.verified and r.method}
        if controllers and controllers != {holder}:
            checks.append(Check("holder", Outcome.FAILED, "the proof is not by the holder"))
        elif controllers:
            checks.append(Check("holder", Outcome.PASSED, f"the proof is by the holder {holder}"))
    return checks
