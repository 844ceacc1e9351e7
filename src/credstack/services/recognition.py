"""Recognition of other issuers' credentials: what a provider accepts, and what counts.

An organisation keeps its recognised issuers and equivalence table (each change in one unit
of work with a line in ``recognition_changes``: who, when, what). ``recognitions_of`` applies
``domain.recognition.recognise`` to a learner's foreign credentials for one organisation,
after verifying again those whose verification is older than ``REVERIFY_AFTER`` (a status
can change), and appends each decision that differs from the last one recorded for that
credential and organisation to ``recognition_events``: what was recognised, and why, is
shown and recorded. ``recognised_holdings`` gives the same as ``HeldCredential`` for pathway
rules.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.holdings import Credit, HeldCredential, HoldingSource
from credstack.domain.recognition import (
    Equivalence,
    ForeignCredential,
    RecognisedIssuer,
    Recognition,
    RecognitionChange,
    RecognitionEvent,
    recognise,
    standing_of,
)
from credstack.services.deps import ServiceDeps
from credstack.services.foreign_credentials import reverify
from credstack.services.ports import UnitOfWork

__all__ = [
    "CredentialView",
    "add_equivalence",
    "add_recognised_issuer",
    "credential_views",
    "list_equivalences",
    "list_recognised_issuers",
    "recognised_holdings",
    "recognition_changes",
    "recognitions_of",
    "remove_equivalence",
    "remove_recognised_issuer",
]


# --- the provider's settings -----------------------------------------------------------------


def add_recognised_issuer(
    deps: ServiceDeps,
    organisation_id: str,
    *,
    issuer: str,
    name: str,
    note: str | None = None,
    actor: str,
) -> RecognisedIssuer:
    """Recognise the issuer whose id (a DID or URL, as its credentials name it) is
    ``issuer``. ``InvalidInputError`` for a malformed id or name, ``ConflictError`` when it
    is recognised already, ``NotFoundError`` for no such organisation."""
    now = deps.clock.now()
    entry = RecognisedIssuer(
        str(uuid.uuid4()), organisation_id, issuer.strip(), name.strip(), now, note or None
    )
    with deps.uow() as uow:
        uow.issuers.get(organisation_id)
        uow.recognition.add_issuer(entry)
        detail = {"issuer": entry.issuer, "name": entry.name, "note": entry.note}
        _changed(uow, entry.id, organisation_id, "issuer.added", detail, actor, deps)
        uow.commit()
    return entry


def list_recognised_issuers(deps: ServiceDeps, organisation_id: str) -> list[RecognisedIssuer]:
    with deps.uow() as uow:
        uow.issuers.get(organisation_id)
        return uow.recognition.issuers_of(organisation_id)


def remove_recognised_issuer(
    deps: ServiceDeps, organisation_id: str, entry_id: str, *, actor: str
) -> None:
    """Stop recognising; ``NotFoundError`` for another organisation's entry. Decisions made
    before stay in the log; the next reading of a credential decides afresh."""
    with deps.uow() as uow:
        entry = next(
            (e for e in uow.recognition.issuers_of(organisation_id) if e.id == entry_id), None
        )
        if entry is None:
            raise NotFoundError(f"no recognised issuer '{entry_id}'")
        uow.recognition.remove_issuer(entry_id)
        detail = {"issuer": entry.issuer, "name": entry.name}
        _changed(uow, entry_id, organisation_id, "issuer.removed", detail, actor, deps)
        uow.commit()


def add_equivalence(
    deps: ServiceDeps,
    organisation_id: str,
    *,
    achievement_id: str,
    foreign_achievement: str | None = None,
    alignment: str | None = None,
    credits: Credit | None = None,
    actor: str,
) -> Equivalence:
    """Map a foreign achievement (its id, or an alignment's targetUrl/targetCode) to the
    organisation's ``achievement_id``. ``NotFoundError`` for an achievement that is not the
    organisation's (another organisation's is not found, as everywhere), ``InvalidInputError``
    for neither/both of the foreign forms, ``ConflictError`` for the same mapping twice."""
    now = deps.clock.now()
    entry = Equivalence(
        str(uuid.uuid4()), organisation_id, achievement_id, now,
        _clean(foreign_achievement), _clean(alignment), credits,
    )  # fmt: skip
    with deps.uow() as uow:
        uow.issuers.get(organisation_id)
        try:
            own = uow.achievements.latest(achievement_id)
        except NotFoundError:
            own = None
        if own is None or own.issuer_id != organisation_id:
            raise NotFoundError(f"no achievement '{achievement_id}' in this organisation")
        for existing in uow.recognition.equivalences_of(organisation_id):
            if (existing.achievement_id, existing.foreign_achievement, existing.alignment) == (
                entry.achievement_id,
                entry.foreign_achievement,
                entry.alignment,
            ):
                raise ConflictError(f"{entry.describe()} already maps to {achievement_id}")
        uow.recognition.add_equivalence(entry)
        detail = {
            "achievement": achievement_id,
            "foreignAchievement": entry.foreign_achievement,
            "alignment": entry.alignment,
            "credits": None
            if credits is None
            else {"amount": str(credits.amount), "unit": credits.unit.value},
        }
        _changed(uow, entry.id, organisation_id, "equivalence.added", detail, actor, deps)
        uow.commit()
    return entry


def list_equivalences(deps: ServiceDeps, organisation_id: str) -> list[Equivalence]:
    with deps.uow() as uow:
        uow.issuers.get(organisation_id)
        return uow.recognition.equivalences_of(organisation_id)


def remove_equivalence(
    deps: ServiceDeps, organisation_id: str, entry_id: str, *, actor: str
) -> None:
    """Remove a mapping; ``NotFoundError`` for another organisation's."""
    with deps.uow() as uow:
        entries = uow.recognition.equivalences_of(organisation_id)
        entry = next((e for e in entries if e.id == entry_id), None)
        if entry is None:
            raise NotFoundError(f"no equivalence '{entry_id}'")
        uow.recognition.remove_equivalence(entry_id)
        detail = {"achievement": entry.achievement_id, "mapped": entry.describe()}
        _changed(uow, entry_id, organisation_id, "equivalence.removed", detail, actor, deps)
        uow.commit()


def recognition_changes(deps: ServiceDeps, organisation_id: str) -> list[RecognitionChange]:
    """The organisation's log of recognition settings, in the order written."""
    with deps.uow() as uow:
        uow.issuers.get(organisation_id)
        return uow.recognition.changes(organisation_id)


def _changed(
    uow: UnitOfWork,
    subject_id: str,
    organisation_id: str,
    action: str,
    detail: Mapping[str, object],
    actor: str,
    deps: ServiceDeps,
) -> None:
    text = json.dumps(detail, sort_keys=True)
    uow.recognition.record_change(
        RecognitionChange(deps.clock.now(), actor, organisation_id, action, subject_id, text)
    )


def _clean(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


# --- what counts -----------------------------------------------------------------------------


def recognitions_of(
    deps: ServiceDeps, user_id: str, organisation_id: str
) -> list[tuple[ForeignCredential, Recognition]]:
    """Each of the learner's foreign credentials with the organisation's decision on it,
    verified again first when its verification is stale. A decision that differs from the
    last recorded one is appended to the credential's log in the same unit of work."""
    fresh = _fresh_credentials(deps, user_id)
    with deps.uow() as uow:
        organisation = uow.issuers.get(organisation_id)
        issuers = uow.recognition.issuers_of(organisation_id)
        equivalences = uow.recognition.equivalences_of(organisation_id)
        decided = [
            (c, recognise(c, issuers, equivalences, organisation=organisation.name)) for c in fresh
        ]
        if _record_changed(uow, deps, organisation_id, decided):
            uow.commit()
    return decided


def recognised_holdings(
    deps: ServiceDeps, user_id: str, organisation_id: str
) -> list[HeldCredential]:
    """The learner's foreign credentials that the organisation's settings map to its
    achievements, as pathway rules see them (``source`` RECOGNISED). One that no longer
    stands (revoked, expired, no longer verifying) is kept with ``standing`` false, so a page
    can say why it does not count; one whose issuer is not recognised, or that maps to
    nothing, is left out."""
    return [
        HeldCredential(
            id=credential.id,
            source=HoldingSource.RECOGNISED,
            counts_as=recognition.counts_as,
            issuer=credential.issuer,
            issued_at=credential.issued_at,
            credits=recognition.credits,
            eqf_level=recognition.eqf_level,
            standing=recognition.counted,
            name=credential.name,
        )
        for credential, recognition in recognitions_of(deps, user_id, organisation_id)
        if recognition.counts_as
    ]


@dataclasses.dataclass(frozen=True, slots=True)
class CredentialView:
    """What the learner's page shows of one foreign credential: it, whether it stands and
    why, and the decision of each organisation here that recognises its issuer."""

    credential: ForeignCredential
    stands: bool
    standing: str
    recognitions: tuple[tuple[str, Recognition], ...]  # (organisation name, decision)


def credential_views(deps: ServiceDeps, user_id: str) -> list[CredentialView]:
    """The learner's foreign credentials for their page (stale ones verified again), each
    with the decisions of the organisations that recognise its issuer (recorded when they
    change, as ``recognitions_of``)."""
    fresh = _fresh_credentials(deps, user_id)
    views: list[CredentialView] = []
    with deps.uow() as uow:
        changed = False
        for credential in fresh:
            decisions: list[tuple[str, Recognition]] = []
            for entry in uow.recognition.recognising(credential.issuer):
                organisation = uow.issuers.get(entry.organisation_id)
                recognition = recognise(
                    credential,
                    uow.recognition.issuers_of(organisation.id),
                    uow.recognition.equivalences_of(organisation.id),
                    organisation=organisation.name,
                )
                pair = [(credential, recognition)]
                changed = _record_changed(uow, deps, organisation.id, pair) or changed
                decisions.append((organisation.name, recognition))
            stands, reason = standing_of(credential.verification)
            views.append(CredentialView(credential, stands, reason, tuple(decisions)))
        if changed:
            uow.commit()
    return views


def _fresh_credentials(deps: ServiceDeps, user_id: str) -> list[ForeignCredential]:
    now = deps.clock.now()
    with deps.uow() as uow:
        stored = uow.recognition.credentials_of(user_id)
    return [
        reverify(deps, user_id, c.id, actor="credstack (older than a day)")
        if c.verification.stale(now)
        else c
        for c in stored
    ]


def _record_changed(
    uow: UnitOfWork,
    deps: ServiceDeps,
    organisation_id: str,
    decided: list[tuple[ForeignCredential, Recognition]],
) -> bool:
    changed = False
    for credential, recognition in decided:
        last = uow.recognition.last_decision(credential.id, organisation_id)
        if last is not None and last.same_decision(recognition):
            continue
        uow.recognition.record(
            RecognitionEvent(
                at=deps.clock.now(),
                actor="credstack",
                credential_id=credential.id,
                action="decided",
                why=recognition.why,
                organisation_id=organisation_id,
                counted=recognition.counted,
                counts_as=recognition.counts_as,
                credits=recognition.credits,
            )
        )
        changed = True
    return changed
