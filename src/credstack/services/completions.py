"""Completions other systems report: record one (API token or signed by an integration),
and the outcomes they give an offering's ``external`` requirements.

Recording is one unit of work: the completion, its entry in the append-only log, and the
mark that the learner's enrolment is to be looked at (``earning.mark_progress``); after the
commit ``earning.settle`` issues the credential when the requirements are met. A report sent
again (same system and external id, same content) answers the record made the first time;
one with the same external id and different content is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from credstack.domain.awards import EvidenceItem, ResultValue
from credstack.domain.completions import (
    Completion,
    CompletionEvent,
    CompletionRejectedError,
    check_completed_at,
    check_grade,
    check_record_url,
    check_score,
    same_report,
)
from credstack.domain.errors import (
    ConflictError,
    CredstackError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from credstack.domain.offerings import EnrolmentStatus, Offering
from credstack.domain.requirements import Leaf, LeafKind, Outcome, find_leaf, leaves
from credstack.services import earning
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = [
    "CompletionReport",
    "Recorded",
    "RefusedError",
    "completion_outcomes",
    "external_leaf",
    "own_offering_for_completions",
    "prepare_completion",
    "record_prepared",
    "report_completion",
]

_MAX_EXTERNAL_ID = 200


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionReport:
    """What a system reports: the learner (their e-mail) completed the offering's
    requirement; ``completed_at`` ``None``: now."""

    offering_id: str
    requirement_id: str
    learner: str
    system: str
    external_id: str
    completed_at: dt.datetime | None = None
    score: str | None = None
    grade: str | None = None
    url: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Recorded:
    """The completion as stored; ``created``: recorded by this report (else a repeat)."""

    completion: Completion
    created: bool


class RefusedError(Exception):
    """One field of a report is wrong: ``kind`` is the error a single report raises (the
    CSV import lists them by line and column instead)."""

    def __init__(self, field: str, message: str, kind: type[CredstackError]) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.kind = kind

    def error(self) -> CredstackError:
        return self.kind(str(self))


def own_offering_for_completions(uow: UnitOfWork, issuer_id: str, offering_id: str) -> Offering:
    """The organisation's offering; another's or none is ``RefusedError`` (422: the body
    names it)."""
    try:
        offering = uow.offerings.get(offering_id)
    except NotFoundError:
        offering = None
    if offering is None or offering.issuer_id != issuer_id:
        raise RefusedError(
            "offering_id", f"no offering '{offering_id}' here", CompletionRejectedError
        )
    return offering


def external_leaf(offering: Offering, requirement_id: str) -> Leaf:
    """The offering's ``external`` requirement of that id; else ``RefusedError``."""
    leaf = (
        None if offering.requirements is None else find_leaf(offering.requirements, requirement_id)
    )
    if leaf is None or leaf.kind is not LeafKind.EXTERNAL:
        raise RefusedError(
            "requirement_id",
            f"'{requirement_id}' is not an external requirement of offering '{offering.id}'",
            CompletionRejectedError,
        )
    return leaf


def _values(report: CompletionReport, now: dt.datetime) -> dict[str, object]:
    """The report's optional fields checked, or ``RefusedError`` naming the first bad one."""
    external_id = report.external_id.strip()
    if not external_id or len(external_id) > _MAX_EXTERNAL_ID:
        raise RefusedError(
            "external_id", f"must be 1-{_MAX_EXTERNAL_ID} characters", InvalidInputError
        )
    values: dict[str, object] = {"external_id": external_id, "completed_at": now}
    try:
        if report.completed_at is not None:
            values["completed_at"] = check_completed_at(report.completed_at, now)
        if report.score is not None:
            values["score"] = check_score(report.score)
        if report.grade is not None:
            values["grade"] = check_grade(report.grade)
        if report.url is not None:
            values["url"] = check_record_url(report.url)
    except InvalidInputError as error:
        # the checks word their errors "field: what is wrong"
        field, _, message = str(error).partition(": ")
        raise RefusedError(field, message, InvalidInputError) from None
    return values


def prepare_completion(
    uow: UnitOfWork,
    issuer_id: str,
    offering: Offering,
    report: CompletionReport,
    *,
    reported_by: str,
    now: dt.datetime,
) -> Completion:
    """The completion ``report`` describes, checked against what is stored (nothing is
    written): the requirement is an ``external`` one of the offering, by ``report.system``;
    the learner is enrolled in it. Raises ``RefusedError`` naming the field at fault."""
    leaf = external_leaf(offering, report.requirement_id)
    if leaf.ref != report.system:
        raise RefusedError(
            "system",
            f"requirement '{leaf.id}' is reported by '{leaf.ref}', not '{report.system}'",
            CompletionRejectedError,
        )
    values = _values(report, now)
    user = uow.accounts.user_by_email(report.learner.strip())
    enrolment = None if user is None else uow.offerings.enrolment_of(offering.id, user.id)
    if user is None or enrolment is None or enrolment.status is not EnrolmentStatus.ENROLLED:
        raise RefusedError(
            "learner",
            f"{report.learner} is not enrolled in offering '{offering.id}'",
            ConflictError,
        )
    return Completion(
        id=str(uuid.uuid4()),
        issuer_id=issuer_id,
        offering_id=offering.id,
        requirement_id=leaf.id,
        user_id=user.id,
        system=report.system,
        reported_by=reported_by,
        recorded_at=now,
        **values,  # type: ignore[arg-type]
    )


def _repeat(stored: Completion, completion: Completion, report: CompletionReport) -> Completion:
    """``stored`` when ``completion`` reports the same; ``ConflictError`` when it differs."""
    if not same_report(stored, completion, completed_at_given=report.completed_at is not None):
        raise ConflictError(
            f"{stored.system} reported completion '{stored.external_id}' already, with "
            "different content (use a new external_id for a new completion)"
        )
    return stored


def record_prepared(uow: UnitOfWork, completion: Completion) -> list[str]:
    """Store a prepared completion and its log entry in ``uow``, and mark the learner's
    enrolment due; the enrolment ids to ``settle`` after commit."""
    uow.completions.add(completion)
    uow.completions.record(
        CompletionEvent(
            completion.recorded_at,
            completion.issuer_id,
            completion.reported_by,
            "recorded",
            completion.system,
            completion.id,
            f"'{completion.requirement_id}' of offering {completion.offering_id} completed by "
            f"user {completion.user_id} at {completion.completed_at.isoformat()} "
            f"(external id {completion.external_id})",
        )
    )
    return earning.mark_progress(
        uow,
        completion.user_id,
        completion.recorded_at,
        kind=LeafKind.EXTERNAL,
        ref=completion.system,
        offering_id=completion.offering_id,
    )


def report_completion(
    deps: ServiceDeps,
    issuer_id: str,
    report: CompletionReport,
    *,
    reported_by: str,
    integration: str | None = None,
) -> Recorded:
    """Record what ``report`` says, once, and settle the learner's enrolment (the credential
    is issued when this completes the requirements).

    ``integration``: the name of the integration whose signature authenticated the report;
    it may report only for itself (``PermissionDeniedError`` otherwise). Raises
    ``CompletionRejectedError`` (no such offering, not an external requirement of it, another
    system's), ``ConflictError`` (learner not enrolled; the external id reported already with
    other content), ``InvalidInputError`` (a bad field).
    """
    if integration is not None and report.system != integration:
        raise PermissionDeniedError(
            f"integration '{integration}' may report only its own completions, "
            f"not {report.system}'s"
        )
    now = deps.clock.now()
    with deps.uow() as uow:
        try:
            offering = own_offering_for_completions(uow, issuer_id, report.offering_id)
            completion = prepare_completion(
                uow, issuer_id, offering, report, reported_by=reported_by, now=now
            )
        except RefusedError as refused:
            raise refused.error() from None
        stored = uow.completions.by_external_id(issuer_id, report.system, completion.external_id)
        if stored is not None:
            return Recorded(_repeat(stored, completion, report), False)
        try:
            due = record_prepared(uow, completion)
            uow.commit()
        except ConflictError:
            raced = True
        else:
            raced = False
    if raced:
        # the same external id, at the same moment, from another request: its record stands
        with deps.uow() as uow:
            stored = uow.completions.by_external_id(
                issuer_id, report.system, completion.external_id
            )
        if stored is None:
            raise ConflictError("the completion could not be recorded; send it again")
        return Recorded(_repeat(stored, completion, report), False)
    earning.settle(deps, due)
    return Recorded(completion, True)


def completion_outcomes(
    uow: UnitOfWork, deps: ServiceDeps, offering: Offering, user_id: str
) -> dict[str, Outcome]:
    """The outcome of each of the offering's ``external`` leaves the learner has a completion
    for (met; the latest completed one cited): its score or grade as the leaf's result, and
    the completion (linked to the other system's record when given) as evidence."""
    external = (
        []
        if offering.requirements is None
        else [leaf for leaf in leaves(offering.requirements) if leaf.kind is LeafKind.EXTERNAL]
    )
    if not external:
        return {}
    recorded = uow.completions.for_learner(offering.id, user_id)
    found: dict[str, Outcome] = {}
    for leaf in external:
        mine = [c for c in recorded if c.requirement_id == leaf.id and c.system == leaf.ref]
        if mine:
            found[leaf.id] = _outcome(leaf, mine[-1])
    return found


def _outcome(leaf: Leaf, completion: Completion) -> Outcome:
    date = completion.completed_at.date().isoformat()
    value = completion.score if completion.score is not None else completion.grade
    evidence = EvidenceItem(
        name=leaf.title,
        description=f"Completion reported by {completion.system} on {date}",
        url=completion.url,
        genre="Completion",
    )
    return Outcome(
        leaf.id,
        True,
        completion.completed_at,
        results=() if value is None else (ResultValue(leaf.id, value),),
        evidence=(evidence,),
        summary=f"completed on {date} (reported by {completion.system})",
    )
