"""Offering a published micro-credential, and learners' enrolments in it.

Each change is one unit of work; every enrolment decision (asked, enrolled, approved,
declined) is written to the enrolment log with who took it in the same transaction. The
offering's row is locked while an enrolment is decided, so two learners taking the last
place at once cannot both get it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from credstack.domain.awards import Assessment
from credstack.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from credstack.domain.offerings import (
    Enrolment,
    EnrolmentAction,
    EnrolmentEvent,
    EnrolmentStatus,
    Offering,
    OfferingMode,
    Price,
    admit,
    check_offering,
    decide,
)
from credstack.domain.requirements import LeafKind, Node, leaves
from credstack.services.deps import ServiceDeps
from credstack.services.earning import Standing, settle, standing_of
from credstack.services.ports import UnitOfWork

__all__ = [
    "LearningItem",
    "OfferingChanges",
    "OfferingReport",
    "ReportRow",
    "close_offering",
    "create_offering",
    "decide_enrolment",
    "enrol",
    "learning_of",
    "list_offerings",
    "offering_report",
    "own_offering",
    "public_offerings",
    "update_offering",
]


@dataclasses.dataclass(frozen=True, slots=True)
class OfferingChanges:
    """What an offering is made with, or (for an update) what changes: ``None`` leaves a
    field as it is; ``clear`` names fields to empty (``starts_at``, ``ends_at``, ``capacity``,
    ``price``, ``title``, ``requirements``, ``assessment``)."""

    mode: OfferingMode | None = None
    title: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int | None = None
    price: Price | None = None
    invitation_codes: tuple[str, ...] | None = None
    requirements: Node | None = None
    assessment: Assessment | None = None
    clear: frozenset[str] = frozenset()


def _published(uow: UnitOfWork, issuer_id: str, achievement_id: str) -> None:
    try:
        latest = uow.achievements.latest(achievement_id)
    except NotFoundError:
        latest = None
    if latest is None or latest.issuer_id != issuer_id:
        raise NotFoundError(f"no achievement '{achievement_id}'")
    if uow.achievements.latest_published(achievement_id) is None:
        raise ConflictError(f"'{achievement_id}' is not published: publish it before offering it")


_SETTABLE = (
    *("mode", "title", "starts_at", "ends_at", "capacity", "price"),
    *("requirements", "assessment"),
)
_CLEARABLE = {"starts_at", "ends_at", "capacity", "price", "title", "requirements", "assessment"}


def _known_parts(uow: UnitOfWork, issuer_id: str, tree: Node | None) -> None:
    """Every quiz and rubric the requirements name is one of the organisation's: a typo would
    leave an offering nobody can complete."""
    if tree is None:
        return
    for leaf in leaves(tree):
        if leaf.kind is LeafKind.QUIZ:
            quiz = uow.quizzes.find(leaf.ref)
            if quiz is None or quiz.issuer_id != issuer_id:
                raise InvalidInputError(
                    f"requirement '{leaf.id}': the organisation has no quiz '{leaf.ref}'"
                )
        elif leaf.kind is LeafKind.EVIDENCE:
            rubric = uow.evidence.rubric(leaf.ref)
            if rubric is None or rubric.issuer_id != issuer_id:
                raise InvalidInputError(
                    f"requirement '{leaf.id}': the organisation has no rubric '{leaf.ref}'"
                )


def _apply(offering: Offering, changes: OfferingChanges) -> Offering:
    values = {
        name: getattr(changes, name) for name in _SETTABLE if getattr(changes, name) is not None
    }
    if changes.invitation_codes is not None:
        values["invitation_codes"] = changes.invitation_codes
    for name in changes.clear & _CLEARABLE:
        values[name] = None
    return check_offering(dataclasses.replace(offering, **values))


def create_offering(
    deps: ServiceDeps, issuer_id: str, achievement_id: str, changes: OfferingChanges
) -> Offering:
    """A new offering of the organisation's published achievement (``open`` by default).
    Raises ``NotFoundError`` for another organisation's or no achievement, ``ConflictError``
    for a draft, ``InvalidInputError`` for dates, capacity, price or codes that break a rule."""
    base = Offering(
        id=str(uuid.uuid4()),
        issuer_id=issuer_id,
        achievement_id=achievement_id,
        mode=OfferingMode.OPEN,
        created_at=deps.clock.now(),
    )
    offering = _apply(base, changes)
    with deps.uow() as uow:
        _published(uow, issuer_id, achievement_id)
        _known_parts(uow, issuer_id, offering.requirements)
        uow.offerings.add(offering)
        uow.commit()
    return offering


def own_offering(deps: ServiceDeps, issuer_id: str, offering_id: str) -> Offering:
    """The organisation's offering; ``NotFoundError`` for another's (its existence untold)."""
    with deps.uow() as uow:
        return _own(uow, issuer_id, offering_id)


def _own(uow: UnitOfWork, issuer_id: str, offering_id: str, *, lock: bool = False) -> Offering:
    try:
        offering = uow.offerings.get(offering_id, for_update=lock)
    except NotFoundError:
        offering = None
    if offering is None or offering.issuer_id != issuer_id:
        raise NotFoundError(f"no offering '{offering_id}'")
    return offering


def list_offerings(deps: ServiceDeps, issuer_id: str) -> list[Offering]:
    with deps.uow() as uow:
        return uow.offerings.for_issuer(issuer_id)


def update_offering(
    deps: ServiceDeps, issuer_id: str, offering_id: str, changes: OfferingChanges
) -> Offering:
    """The offering changed; ``ConflictError`` for a closed one. New requirements are
    applied to everyone enrolled: those who now meet them get the credential."""
    with deps.uow() as uow:
        offering = _own(uow, issuer_id, offering_id, lock=True)
        if offering.closed_at is not None:
            raise ConflictError("the offering is closed")
        changed = _apply(offering, changes)
        _known_parts(uow, issuer_id, changed.requirements)
        uow.offerings.update(changed)
        due: list[str] = []
        if changed.requirements != offering.requirements and changed.requirements is not None:
            due = [e.id for e in uow.offerings.enrolments(offering_id) if e.award_id is None]
            uow.offerings.mark_due(due, deps.clock.now())
        uow.commit()
    settle(deps, due)
    return changed


def close_offering(deps: ServiceDeps, issuer_id: str, offering_id: str) -> Offering:
    """No more enrolments (those made stay); closing twice is a ``ConflictError``."""
    with deps.uow() as uow:
        offering = _own(uow, issuer_id, offering_id, lock=True)
        if offering.closed_at is not None:
            raise ConflictError("the offering is closed already")
        closed = dataclasses.replace(offering, closed_at=deps.clock.now())
        uow.offerings.update(closed)
        uow.commit()
    return closed


def public_offerings(deps: ServiceDeps, achievement_id: str) -> list[Offering]:
    """The offerings of an achievement shown on its public page: those not closed."""
    with deps.uow() as uow:
        return [o for o in uow.offerings.for_achievement(achievement_id) if o.closed_at is None]


def enrol(deps: ServiceDeps, user_id: str, offering_id: str, code: str | None = None) -> Enrolment:
    """The learner's enrolment: enrolled at once (open, or by the right invitation code) or
    pending (by approval). Raises ``NotFoundError`` for no offering, ``PermissionDeniedError``
    for an unconfirmed account, ``ConflictError`` when closed, outside its dates, full or
    asked before, ``InvalidInputError`` for a wrong code."""
    now = deps.clock.now()
    with deps.uow() as uow:
        if uow.accounts.user(user_id).email_confirmed_at is None:
            raise PermissionDeniedError("confirm your e-mail address before enrolling")
        offering = uow.offerings.get(offering_id, for_update=True)
        status, action = admit(
            offering,
            now=now,
            taken=uow.offerings.places_held(offering_id),
            already=uow.offerings.enrolment_of(offering_id, user_id),
            code=code,
        )
        decided = now if status is EnrolmentStatus.ENROLLED else None
        enrolment = Enrolment(str(uuid.uuid4()), offering_id, user_id, status, now, decided)
        uow.offerings.add_enrolment(enrolment)
        uow.offerings.append_event(EnrolmentEvent(now, user_id, enrolment.id, action))
        uow.commit()
    return enrolment


def decide_enrolment(
    deps: ServiceDeps,
    issuer_id: str,
    offering_id: str,
    enrolment_id: str,
    *,
    approve: bool,
    actor: str,
    note: str | None = None,
) -> Enrolment:
    """Approve or decline a pending enrolment in one of the organisation's offerings.
    ``NotFoundError`` for another organisation's, ``ConflictError`` when not pending."""
    now = deps.clock.now()
    with deps.uow() as uow:
        try:
            enrolment = uow.offerings.enrolment(enrolment_id)
        except NotFoundError:
            enrolment = None
        if enrolment is None or enrolment.offering_id != offering_id:
            raise NotFoundError(f"no enrolment '{enrolment_id}' in offering '{offering_id}'")
        offering = _own(uow, issuer_id, offering_id, lock=True)
        taken = uow.offerings.places_held(offering.id)
        decided = dataclasses.replace(
            decide(enrolment, approve, taken=taken, offering=offering), decided_at=now
        )
        uow.offerings.set_enrolment(decided)
        action = EnrolmentAction.APPROVE if approve else EnrolmentAction.DECLINE
        note = (note or "").strip()[:2000] or None
        uow.offerings.append_event(EnrolmentEvent(now, actor, enrolment_id, action, note))
        uow.commit()
    return decided


@dataclasses.dataclass(frozen=True, slots=True)
class ReportRow:
    enrolment: Enrolment
    name: str
    email: str
    #: the credential of the offering's achievement issued to the learner's e-mail, if any
    award_id: str | None
    #: how far the learner is with the requirements (``None`` when there are none)
    standing: Standing | None = None

    @property
    def started(self) -> bool:
        """Enrolled, not finished, and something recorded toward the requirements."""
        return (
            self.enrolment.status is EnrolmentStatus.ENROLLED
            and self.award_id is None
            and self.standing is not None
            and bool(self.standing.outcomes)
        )


@dataclasses.dataclass(frozen=True, slots=True)
class OfferingReport:
    """The provider's view of an offering: who is in it, and how many finished."""

    offering: Offering
    achievement_name: str
    rows: list[ReportRow]

    def count(self, status: EnrolmentStatus) -> int:
        return sum(1 for row in self.rows if row.enrolment.status is status)

    @property
    def in_progress(self) -> int:
        """Enrolled learners who have begun (something recorded) but not finished."""
        return sum(1 for row in self.rows if row.started)

    @property
    def completed(self) -> int:
        return sum(
            1
            for row in self.rows
            if row.enrolment.status is EnrolmentStatus.ENROLLED and row.award_id is not None
        )

    @property
    def pass_rate(self) -> float | None:
        """Completed over enrolled; ``None`` with nobody enrolled."""
        enrolled = self.count(EnrolmentStatus.ENROLLED)
        return None if enrolled == 0 else self.completed / enrolled


def offering_report(deps: ServiceDeps, issuer_id: str, offering_id: str) -> OfferingReport:
    with deps.uow() as uow:
        offering = _own(uow, issuer_id, offering_id)
        name = uow.achievements.latest(offering.achievement_id).spec.name
        rows = []
        for enrolment in uow.offerings.enrolments(offering_id):
            user = uow.accounts.user(enrolment.user_id)
            award = uow.awards.by_recipient(offering.achievement_id, user.email)
            standing = _standing(uow, deps, enrolment)
            row = ReportRow(enrolment, user.name, user.email, award.id if award else None, standing)
            rows.append(row)
    return OfferingReport(offering, name, rows)


def _standing(uow: UnitOfWork, deps: ServiceDeps, enrolment: Enrolment) -> Standing | None:
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        return None
    standing = standing_of(uow, deps, enrolment)
    return None if standing.progress is None else standing


@dataclasses.dataclass(frozen=True, slots=True)
class LearningItem:
    """One line of "my learning"."""

    enrolment: Enrolment
    offering: Offering
    achievement_name: str
    issuer_name: str
    award_id: str | None
    #: each requirement, met or not, and what is left (``None``: the offering has none, or
    #: the learner is not enrolled yet)
    standing: Standing | None = None


def learning_of(deps: ServiceDeps, user_id: str) -> list[LearningItem]:
    """The learner's enrolments, each with its offering and the credential once awarded."""
    with deps.uow() as uow:
        user = uow.accounts.user(user_id)
        items = []
        for enrolment in uow.offerings.enrolments_of(user_id):
            offering = uow.offerings.get(enrolment.offering_id)
            version = uow.achievements.latest_published(offering.achievement_id)
            name = version.spec.name if version else offering.achievement_id
            award = uow.awards.by_recipient(offering.achievement_id, user.email)
            items.append(
                LearningItem(
                    enrolment,
                    offering,
                    name,
                    uow.issuers.get(offering.issuer_id).name,
                    award.id if award else None,
                    _standing(uow, deps, enrolment),
                )
            )
    return items
