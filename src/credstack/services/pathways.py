"""Pathways (issue 8): save them as versions, put learners on them, and award the stacked
credential the moment a learner completes one.

A learner's holdings change when a credential is issued to them, or one of theirs is
revoked, suspended or restored: ``pathway_marks.mark_holdings`` marks their pathway rows due
in that same transaction, and the change settles them right after its commit (the server's
settler catches what a crash left; decision 0030's pattern). Settling evaluates the version
the learner started on (``domain.pathways``) against what they hold now: complete and not yet
awarded, the target credential is issued citing its components as evidence; awarded and no
longer complete (a component lost), the pathway's ``loss_policy`` applies: keep, flag for the
provider's review, or revoke.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
import uuid
from collections.abc import Collection, Sequence

from credstack.domain.achievements import AchievementSpec, AchievementVersion
from credstack.domain.awards import Award, AwardRequest, EvidenceItem, Recipient
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.holdings import Credit, CreditUnit, HeldCredential, HoldingSource
from credstack.domain.pathway_records import PathwayEvent, PathwayLearner, StoredPathway
from credstack.domain.pathways import (
    CatalogueEntry,
    ComponentLossPolicy,
    PathwayProgress,
    PathwaySpec,
    check_pathway,
    evaluate_pathway,
    required_achievements,
    shortest_route,
)
from credstack.domain.status import StatusAction
from credstack.services.awards import issue_once
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork
from credstack.services.recognition import recognised_holdings

__all__ = [
    "LearnerPathway",
    "catalogue_of",
    "holdings_of",
    "learner_pathway",
    "list_pathways",
    "pathway_events",
    "pathways_of",
    "reevaluate_pathway",
    "save_pathway",
    "settle_due_pathways",
    "settle_pathways",
    "show_pathway",
    "stacked_bundle",
    "start_pathway",
    "sweep_expired",
]


@dataclasses.dataclass(frozen=True, slots=True)
class LearnerPathway:
    """A learner's view of a pathway: the version they are on, their progress on it, and the
    cheapest way to finish (achievement ids, fewest credentials first; ``None``: the
    catalogue cannot finish it)."""

    pathway: StoredPathway
    learner: PathwayLearner | None
    progress: PathwayProgress
    route: list[str] | None
    names: dict[str, str]


def _credits(spec: AchievementSpec) -> tuple[Credit, ...]:
    found = []
    elements = spec.micro_credential
    if elements is not None and elements.ects is not None:
        found.append(Credit(decimal.Decimal(str(elements.ects)), CreditUnit.ECTS))
    if spec.credits_available is not None:
        found.append(Credit(decimal.Decimal(str(spec.credits_available)), CreditUnit.CREDITS))
    if elements is not None and elements.workload_hours is not None:
        found.append(Credit(decimal.Decimal(str(elements.workload_hours)), CreditUnit.HOURS))
    return tuple(found)


def _entry(version: AchievementVersion) -> CatalogueEntry:
    spec = version.spec
    elements = spec.micro_credential
    return CatalogueEntry(
        name=spec.name,
        workload_hours=elements.workload_hours if elements else None,
        credits=_credits(spec),
        eqf_level=elements.eqf_level if elements else None,
    )


def catalogue_of(uow: UnitOfWork, issuer_id: str) -> dict[str, CatalogueEntry]:
    """The organisation's published achievements, as pathway checks and routes see them."""
    found = {}
    for latest in uow.achievements.list(issuer_id):
        published = uow.achievements.latest_published(latest.achievement_id)
        if published is not None:
            found[published.achievement_id] = _entry(published)
    return found


def _others(uow: UnitOfWork, issuer_id: str, pathway_id: str) -> dict[str, frozenset[str]]:
    return {
        stored.spec.target: required_achievements(stored.spec)
        for stored in uow.pathways.for_issuer(issuer_id)
        if stored.id != pathway_id
    }


def save_pathway(
    deps: ServiceDeps,
    issuer_id: str,
    spec: PathwaySpec,
    *,
    actor: str,
    loss_policy: ComponentLossPolicy | None = None,
) -> tuple[StoredPathway, bool]:
    """Save the organisation's pathway: its first version, or the next one when the spec (or
    the loss policy) changed; the same spec again changes nothing (``(stored, False)``).
    Refused: a target that is not one of its published achievements, or any rule
    ``check_pathway`` finds broken (``InvalidInputError``); an id another organisation uses
    (``ConflictError``)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        latest = uow.pathways.latest(spec.id)
        if latest is not None and latest.issuer_id != issuer_id:
            raise ConflictError(f"the pathway id '{spec.id}' is taken: choose another")
        catalogue = catalogue_of(uow, issuer_id)
        if spec.target not in catalogue:
            raise InvalidInputError(
                f"target: '{spec.target}' is not a published achievement of the organisation"
            )
        check_pathway(spec, catalogue, others=_others(uow, issuer_id, spec.id))
        policy = loss_policy or (latest.loss_policy if latest else ComponentLossPolicy.FLAG)
        if latest is not None and latest.spec == spec and latest.loss_policy is policy:
            return latest, False
        stored = StoredPathway(issuer_id, (latest.version + 1) if latest else 1, spec, now, policy)
        uow.pathways.add(stored)
        uow.pathways.record(
            PathwayEvent(now, actor, spec.id, "saved", detail=f"version {stored.version}")
        )
        uow.commit()
    return stored, True


def _own(uow: UnitOfWork, issuer_id: str, pathway_id: str) -> StoredPathway:
    found = uow.pathways.latest(pathway_id)
    if found is None or found.issuer_id != issuer_id:
        raise NotFoundError(f"no pathway '{pathway_id}'")
    return found


def show_pathway(
    deps: ServiceDeps, issuer_id: str, pathway_id: str, version: int | None = None
) -> StoredPathway:
    """The organisation's pathway (its newest version, or ``version``)."""
    with deps.uow() as uow:
        latest = _own(uow, issuer_id, pathway_id)
        if version is None:
            return latest
        found = uow.pathways.version(pathway_id, version)
        if found is None:
            raise NotFoundError(f"pathway '{pathway_id}' has no version {version}")
        return found


def list_pathways(deps: ServiceDeps, issuer_id: str) -> list[StoredPathway]:
    with deps.uow() as uow:
        return uow.pathways.for_issuer(issuer_id)


def pathway_events(deps: ServiceDeps, issuer_id: str, pathway_id: str) -> list[PathwayEvent]:
    with deps.uow() as uow:
        _own(uow, issuer_id, pathway_id)
        return uow.pathways.events(pathway_id)


def _standing(award: Award, now: dt.datetime) -> bool:
    state = award.state
    expired = award.valid_until is not None and award.valid_until <= now
    return not (state.revoked or state.suspended or expired)


def holdings_of(uow: UnitOfWork, user_id: str, now: dt.datetime) -> list[HeldCredential]:
    """What the learner holds from this installation: every credential issued to their
    e-mail address, as pathway rules see it (revoked, suspended and expired ones kept, not
    standing, so that a page can say why they do not count)."""
    return _holdings(uow, uow.accounts.user(user_id).email, now, {})


def _holdings(
    uow: UnitOfWork,
    email: str,
    now: dt.datetime,
    versions: dict[tuple[str, int], AchievementSpec],
) -> list[HeldCredential]:
    held = []
    for award in uow.awards.for_email(email):
        key = (award.achievement_id, award.achievement_version)
        if key not in versions:  # many learners hold the same few: read each once
            versions[key] = uow.achievements.version(*key).spec
        spec = versions[key]
        elements = spec.micro_credential
        held.append(
            HeldCredential(
                id=award.id,
                source=HoldingSource.AWARD,
                counts_as=frozenset({award.achievement_id}),
                issuer=award.issuer_id,
                issued_at=award.issued_at,
                credits=_credits(spec),
                eqf_level=elements.eqf_level if elements else None,
                standing=_standing(award, now),
                name=spec.name,
            )
        )
    return held


def start_pathway(deps: ServiceDeps, user_id: str, pathway_id: str) -> PathwayLearner:
    """Put the learner on the pathway's newest version (what they hold counts at once: one
    who holds every component gets the stacked credential now). ``ConflictError`` when they
    are on it already, ``NotFoundError`` for no pathway."""
    now = deps.clock.now()
    with deps.uow() as uow:
        latest = uow.pathways.latest(pathway_id)
        if latest is None:
            raise NotFoundError(f"no pathway '{pathway_id}'")
        uow.accounts.user(user_id)
        if uow.pathways.learner_of(pathway_id, user_id) is not None:
            raise ConflictError("you are on this pathway already")
        learner = PathwayLearner(
            str(uuid.uuid4()), pathway_id, user_id, latest.version, now, check_due_at=now
        )
        uow.pathways.add_learner(learner)
        detail = f"version {latest.version}"
        uow.pathways.record(PathwayEvent(now, user_id, pathway_id, "started", learner.id, detail))
        uow.commit()
    settle_pathways(deps, [learner.id])
    with deps.uow() as uow:
        return uow.pathways.learner(learner.id)


def pathways_of(deps: ServiceDeps, user_id: str) -> list[LearnerPathway]:
    """Every pathway the learner started, with their progress (what "My learning" lists)."""
    with deps.uow() as uow:
        started = [row.pathway_id for row in uow.pathways.learners_of_user(user_id)]
    return [learner_pathway(deps, pathway_id, user_id) for pathway_id in started]


def learner_pathway(deps: ServiceDeps, pathway_id: str, user_id: str | None) -> LearnerPathway:
    """The pathway as ``user_id`` sees it (their version and progress; for nobody signed in,
    the newest version against nothing held)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        latest = uow.pathways.latest(pathway_id)
        if latest is None:
            raise NotFoundError(f"no pathway '{pathway_id}'")
    recognised = [] if user_id is None else recognised_holdings(deps, user_id, latest.issuer_id)
    with deps.uow() as uow:
        learner = None if user_id is None else uow.pathways.learner_of(pathway_id, user_id)
        stored = latest
        if learner is not None:
            stored = uow.pathways.version(pathway_id, learner.version) or latest
        held = [] if user_id is None else holdings_of(uow, user_id, now) + recognised
        catalogue = catalogue_of(uow, stored.issuer_id)
    progress = evaluate_pathway(stored.spec, held, now)
    route = shortest_route(progress, catalogue)
    names = {achievement: entry.name for achievement, entry in catalogue.items()}
    return LearnerPathway(stored, learner, progress, route, names)


def stacked_bundle(deps: ServiceDeps, pathway_id: str, user_id: str) -> str:
    """The learner's CLR 2.0 bundle of the pathway: the stacked credential with the
    components it was built from (this installation's awards, and recognised credentials
    from elsewhere, each as signed by its issuer), signed by the pathway's organisation.
    ``NotFoundError`` until the learner has the stacked credential."""
    from credstack.services.clr_bundles import clr_for  # it signs: an adapter-facing service

    view = learner_pathway(deps, pathway_id, user_id)
    if view.learner is None or view.learner.award_id is None:
        raise NotFoundError("you do not have this pathway's credential yet")
    with deps.uow() as uow:
        email = uow.accounts.user(user_id).email
        extra = []
        for held in view.progress.counted():
            if held.source is HoldingSource.RECOGNISED:
                foreign = uow.recognition.credential(held.id)
                if foreign is not None:
                    extra.append(foreign.credential)
    own = [h.id for h in view.progress.counted() if h.source is HoldingSource.AWARD]
    return clr_for(
        deps, view.pathway.issuer_id, email, view.learner.award_id, own, extra_components=extra
    )


def sweep_expired(deps: ServiceDeps) -> int:
    """Mark due every learner who holds a stacked credential, so that components that have
    expired since (nothing in the database changes when a date passes) meet the loss policy
    when next settled. The server's settler runs it every few hours; returns how many."""
    with deps.uow() as uow:
        marked = uow.pathways.mark_awarded_due(deps.clock.now())
        uow.commit()
    return marked


def reevaluate_pathway(deps: ServiceDeps, issuer_id: str, pathway_id: str) -> int:
    """Look at every learner on the pathway again (after a definition it names changed, or
    on the provider's request): those who now complete it get the stacked credential, those
    awarded who no longer do meet the loss policy. Returns how many were looked at."""
    with deps.uow() as uow:
        _own(uow, issuer_id, pathway_id)
        ids = [learner.id for learner in uow.pathways.learners(pathway_id)]
        uow.pathways.mark_due(ids, deps.clock.now())
        uow.commit()
    settle_pathways(deps, ids)
    return len(ids)


#: learners settled in one unit of work: one commit for many (most are not complete)
_CHUNK = 250


@dataclasses.dataclass(frozen=True, slots=True)
class _Complete:
    """A learner found complete while settling: their credential is issued next."""

    stored: StoredPathway
    learner: PathwayLearner
    progress: PathwayProgress
    email: str


def settle_pathways(deps: ServiceDeps, learner_ids: Collection[str]) -> list[Award]:
    """Look at each due learner: issue the stacked credential of those who completed their
    pathway, apply the loss policy to those awarded who no longer have. Returns what was
    issued. Learners are read and evaluated ``_CHUNK`` at a time in one unit of work."""
    ids = list(learner_ids)
    issued = []
    for start in range(0, len(ids), _CHUNK):
        complete, revoke = _settle_chunk(deps, ids[start : start + _CHUNK])
        for award_id, name in revoke:
            _revoke(deps, award_id, name)
        for found in complete:
            award = _award(deps, found)
            if award is not None:
                issued.append(award)
    return issued


def settle_due_pathways(deps: ServiceDeps, limit: int = 100) -> list[Award]:
    with deps.uow() as uow:
        due = [learner.id for learner in uow.pathways.due(limit)]
    return settle_pathways(deps, due)


def _settle_chunk(
    deps: ServiceDeps, learner_ids: Sequence[str]
) -> tuple[list[_Complete], list[tuple[str, str]]]:
    """Evaluate due learners in one unit of work: the marks of those not complete are cleared
    (and lost components dealt with); those complete and not awarded are returned, with the
    awards to revoke."""
    now = deps.clock.now()
    complete, revoke = [], []
    versions: dict[tuple[str, int], AchievementSpec] = {}
    pathways: dict[tuple[str, int], StoredPathway | None] = {}
    recognised = _recognised(deps, learner_ids)
    with deps.uow() as uow:
        for learner_id in learner_ids:
            learner = uow.pathways.learner(learner_id)
            seen = learner.check_due_at
            if seen is None:
                continue  # settled by another process meanwhile
            key = (learner.pathway_id, learner.version)
            if key not in pathways:
                pathways[key] = uow.pathways.version(*key)
            stored = pathways[key]
            assert stored is not None, "a learner's version is never deleted"
            user = uow.accounts.user(learner.user_id)
            held = _holdings(uow, user.email, now, versions)
            held += recognised.get((learner.user_id, stored.issuer_id), [])
            progress = evaluate_pathway(stored.spec, held, now)
            if learner.award_id is None and progress.met:
                complete.append(_Complete(stored, learner, progress, user.email))
                continue
            if learner.award_id is not None and not progress.met:
                award_id = _component_lost(uow, stored, learner, now)
                if award_id is not None:
                    revoke.append((award_id, stored.spec.name))
            uow.pathways.clear_due(learner.id, seen)
        uow.commit()
    return complete, revoke


def _recognised(
    deps: ServiceDeps, learner_ids: Sequence[str]
) -> dict[tuple[str, str], list[HeldCredential]]:
    """The recognised foreign credentials of the learners who have any, by (user, the
    pathway's organisation): read before the settling unit of work, since recognising may
    verify again and log (units of work of their own)."""
    wanted = set()
    with deps.uow() as uow:
        for learner_id in learner_ids:
            learner = uow.pathways.learner(learner_id)
            if uow.recognition.credentials_of(learner.user_id):
                stored = uow.pathways.version(learner.pathway_id, learner.version)
                if stored is not None:
                    wanted.add((learner.user_id, stored.issuer_id))
    return {key: recognised_holdings(deps, *key) for key in sorted(wanted)}


def _award(deps: ServiceDeps, found: _Complete) -> Award | None:
    award = _issue(deps, found.stored, found.learner, found.progress, found.email)
    now = deps.clock.now()
    with deps.uow() as uow:
        recorded = uow.pathways.record_award(found.learner.id, award.id, now)
        if recorded:
            counted = ", ".join(held.id for held in found.progress.counted())
            detail = f"{award.id} from {counted}"
            event = PathwayEvent(now, "pathways", found.stored.id, "awarded", found.learner.id,
                                 detail)  # fmt: skip
            uow.pathways.record(event)
        uow.commit()
    return award if recorded else None


def _issue(
    deps: ServiceDeps,
    stored: StoredPathway,
    learner: PathwayLearner,
    progress: PathwayProgress,
    email: str,
) -> Award:
    evidence = tuple(
        EvidenceItem(
            name=held.name or None,
            description=f"A component of the pathway '{stored.spec.name}', issued "
            f"{held.issued_at.date().isoformat()} by {held.issuer}",
            url=_credential_url(deps, held),
            genre="Component credential",
        )
        for held in progress.counted()
    )
    request = AwardRequest(
        achievement_id=stored.spec.target,
        recipient=Recipient(email=email),
        narrative=f"Completed the pathway '{stored.spec.name}' (version {stored.version}).",
        source_id=f"pathway:{learner.id}",
        evidence=evidence,
    )
    return issue_once(deps, request)


def _credential_url(deps: ServiceDeps, held: HeldCredential) -> str | None:
    if held.source is HoldingSource.AWARD:
        return f"{deps.public_url}/credentials/{held.id}"
    return None


def _component_lost(
    uow: UnitOfWork, stored: StoredPathway, learner: PathwayLearner, now: dt.datetime
) -> str | None:
    """The stacked credential's pathway is no longer complete: apply the policy, once.
    Returns the award to revoke (after this unit of work) when the policy says so."""
    if learner.flagged is not None:
        return None  # dealt with already
    why = "a component no longer stands (revoked, suspended or expired)"
    policy = stored.loss_policy
    uow.pathways.set_flag(learner.id, f"{why}; policy: {policy.value}")
    uow.pathways.record(
        PathwayEvent(now, "pathways", stored.id, f"lost_{policy.value}", learner.id, why)
    )
    return learner.award_id if policy is ComponentLossPolicy.REVOKE else None


def _revoke(deps: ServiceDeps, award_id: str, pathway_name: str) -> None:
    # a revocation is a unit of work of its own (the status list is re-signed)
    from credstack.services.status import change_status

    reason = f"a component of the pathway '{pathway_name}' no longer stands"
    with contextlib.suppress(ConflictError):  # revoked already
        change_status(deps, award_id, StatusAction.REVOKE, reason=reason, actor="pathways")
