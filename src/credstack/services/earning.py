"""Earning a credential: progress toward an offering's requirements, and the automatic award.

Whatever counts toward a requirement (a quiz graded, evidence accepted, a completion reported)
marks the learner's enrolments it concerns *due*, in the same transaction as the change itself
(``mark_progress``). ``settle`` then looks at due enrolments: it evaluates the requirements
from the outcomes recorded so far and, when they are met, issues the credential with the
evidence and results that earned it, records it on the enrolment and e-mails the learner a
link to claim it. The service that made the change settles at once, so the credential arrives
within the request; a crash between the two leaves the mark, and the server's background
settler (``EarningSettler``) finishes the work within seconds. Issuing is idempotent (one
credential per enrolment), so settling twice issues nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping

from credstack.domain.awards import (
    Assessment,
    Award,
    AwardRequest,
    EvidenceItem,
    IdentityVerification,
    Recipient,
    ResultValue,
)
from credstack.domain.errors import MailError
from credstack.domain.offerings import (
    Enrolment,
    EnrolmentAction,
    EnrolmentEvent,
    EnrolmentStatus,
    Offering,
)
from credstack.domain.quiz_attempts import QuizOutcome
from credstack.domain.requirements import (
    Leaf,
    LeafKind,
    Outcome,
    Progress,
    evaluate,
    leaves,
)
from credstack.services.awards import issue_once
from credstack.services.deps import ServiceDeps
from credstack.services.evidence_outcomes import evidence_outcomes
from credstack.services.ports import Mail, UnitOfWork

__all__ = [
    "OutcomeSource",
    "Standing",
    "mark_progress",
    "outcomes_of",
    "settle",
    "settle_due",
    "standing_of",
]

_log = logging.getLogger(__name__)

#: Reads the outcomes of one kind of requirement for one learner in one offering, inside a
#: unit of work: leaf id → outcome, for the leaves it knows (others are left out).
OutcomeSource = Callable[[UnitOfWork, ServiceDeps, Offering, str], Mapping[str, Outcome]]


@dataclasses.dataclass(frozen=True, slots=True)
class Standing:
    """Where a learner stands in one offering: the progress of its requirements (``None`` for
    an offering without them) and the outcome recorded for each leaf so far."""

    enrolment: Enrolment
    offering: Offering
    progress: Progress | None
    outcomes: Mapping[str, Outcome]

    def steps(self) -> list[tuple[Leaf, bool, Outcome | None]]:
        """Every requirement in order: met or not, and its outcome so far (what a learner's
        page lists, each with what to do next)."""
        if self.offering.requirements is None:
            return []
        found = []
        for leaf in leaves(self.offering.requirements):
            outcome = self.outcomes.get(leaf.id)
            found.append((leaf, outcome is not None and outcome.met, outcome))
        return found

    @property
    def done(self) -> int:
        return sum(1 for _, met, _ in self.steps() if met)


def mark_progress(
    uow: UnitOfWork,
    user_id: str,
    at: dt.datetime,
    *,
    kind: LeafKind,
    ref: str | None = None,
    offering_id: str | None = None,
) -> list[str]:
    """Inside the unit of work that recorded a change for ``user_id``: mark due the learner's
    enrolments whose requirements it may concern (those with a leaf of ``kind``, and of
    ``ref`` or in ``offering_id`` when given). Returns their ids, for ``settle`` after commit.
    """
    due = []
    for enrolment in uow.offerings.enrolments_of(user_id):
        if enrolment.status is not EnrolmentStatus.ENROLLED or enrolment.award_id is not None:
            continue
        if offering_id is not None and enrolment.offering_id != offering_id:
            continue
        offering = uow.offerings.get(enrolment.offering_id)
        if offering.requirements is not None and any(
            leaf.kind is kind and (ref is None or leaf.ref == ref)
            for leaf in leaves(offering.requirements)
        ):
            due.append(enrolment.id)
    uow.offerings.mark_due(due, at)
    return due


def _quiz_outcomes(
    uow: UnitOfWork, deps: ServiceDeps, offering: Offering, user_id: str
) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    for leaf in _leaves_of(offering, LeafKind.QUIZ):
        best = _best_attempt(uow, leaf.ref, user_id)
        if best is not None:
            found[leaf.id] = _quiz_outcome(uow, leaf, *best)
    return found


def _best_attempt(
    uow: UnitOfWork, quiz_id: str, user_id: str
) -> tuple[QuizOutcome, dt.datetime] | None:
    finished = [
        (a.outcome, a.finished_at or a.started_at)
        for a in uow.quizzes.attempts_of(quiz_id, user_id)
        if a.outcome is not None
    ]
    if not finished:
        return None
    # a pass first, then the highest share of the points, then the earliest
    return max(
        finished,
        key=lambda pair: (
            pair[0].passed,
            pair[0].score / pair[0].max_score if pair[0].max_score else 0,
            -pair[1].timestamp(),
        ),
    )


def _quiz_outcome(uow: UnitOfWork, leaf: Leaf, outcome: QuizOutcome, at: dt.datetime) -> Outcome:
    quiz = uow.quizzes.find(leaf.ref)
    title = quiz.spec.title if quiz is not None else leaf.ref
    score = f"{outcome.percent:.0f}%"
    verdict = "passed" if outcome.passed else "not passed"
    detail = f"{outcome.score} of {outcome.max_score} points ({score}), {verdict}"
    evidence = EvidenceItem(
        name=f"Quiz: {title}",
        description=f"Auto-graded quiz taken on {at.date().isoformat()}: {detail}.",
        genre="Assessment",
    )
    return Outcome(
        leaf.id,
        outcome.passed,
        at,
        results=(ResultValue(leaf.id, score),),
        evidence=(evidence,),
        summary=detail,
    )


def _leaves_of(offering: Offering, kind: LeafKind) -> list[Leaf]:
    if offering.requirements is None:
        return []
    return [leaf for leaf in leaves(offering.requirements) if leaf.kind is kind]


def _completion_outcomes(
    uow: UnitOfWork, deps: ServiceDeps, offering: Offering, user_id: str
) -> dict[str, Outcome]:
    # imported here: services.completions marks progress through this module
    from credstack.services.completions import completion_outcomes

    return completion_outcomes(uow, deps, offering, user_id)


#: Every kind of requirement's outcomes; a kind added joins this list.
SOURCES: list[OutcomeSource] = [_quiz_outcomes, evidence_outcomes, _completion_outcomes]


def outcomes_of(
    uow: UnitOfWork, deps: ServiceDeps, offering: Offering, user_id: str
) -> dict[str, Outcome]:
    """The outcome recorded so far for each of the offering's leaves, by leaf id."""
    found: dict[str, Outcome] = {}
    for source in SOURCES:
        found.update(source(uow, deps, offering, user_id))
    return found


def standing_of(uow: UnitOfWork, deps: ServiceDeps, enrolment: Enrolment) -> Standing:
    """The learner's standing in the enrolment's offering, read in ``uow``."""
    offering = uow.offerings.get(enrolment.offering_id)
    if offering.requirements is None:
        return Standing(enrolment, offering, None, {})
    outcomes = outcomes_of(uow, deps, offering, enrolment.user_id)
    return Standing(enrolment, offering, evaluate(offering.requirements, outcomes), outcomes)


def settle(deps: ServiceDeps, enrolment_ids: Collection[str]) -> list[Award]:
    """Look at each due enrolment among ``enrolment_ids``: issue the credential of those whose
    requirements are met, clear the mark of the others. Returns the credentials issued."""
    issued = []
    for enrolment_id in enrolment_ids:
        award = _settle_one(deps, enrolment_id)
        if award is not None:
            issued.append(award)
    return issued


def settle_due(deps: ServiceDeps, limit: int = 100) -> list[Award]:
    """``settle`` the enrolments left due (the background settler's round)."""
    with deps.uow() as uow:
        due = [enrolment.id for enrolment in uow.offerings.due(limit)]
    return settle(deps, due)


def _settle_one(deps: ServiceDeps, enrolment_id: str) -> Award | None:
    with deps.uow() as uow:
        enrolment = uow.offerings.enrolment(enrolment_id)
        if enrolment.check_due_at is None:
            return None  # settled by another process meanwhile
        standing = standing_of(uow, deps, enrolment)
        email = uow.accounts.user(enrolment.user_id).email
        if standing.progress is None or not standing.progress.met:
            uow.offerings.clear_due(enrolment.id, enrolment.check_due_at)
            uow.commit()
            return None
        request = _award_request(standing, email)
    award = issue_once(deps, request)
    now = deps.clock.now()
    with deps.uow() as uow:
        # of settlers racing for one enrolment, one records it, logs it and tells the learner
        recorded = uow.offerings.record_award(enrolment.id, award.id, now)
        if recorded:
            uow.offerings.append_event(
                EnrolmentEvent(now, "earning", enrolment.id, EnrolmentAction.COMPLETE, award.id)
            )
        uow.commit()
    if not recorded:
        return None
    _tell(deps, standing, award, email)
    return award


#: what an offering that says nothing of its assessment records: online, unsupervised, and
#: the learner known by the confirmed e-mail address of their account
_UNSUPERVISED = Assessment("unsupervised-without-identity-verification", IdentityVerification.EMAIL)


def _award_request(standing: Standing, email: str) -> AwardRequest:
    assert standing.progress is not None
    cited = standing.progress.met_outcomes(standing.outcomes)
    offering = standing.offering
    return AwardRequest(
        achievement_id=offering.achievement_id,
        recipient=Recipient(email=email),
        source_id=f"enrolment:{standing.enrolment.id}",
        evidence=tuple(item for outcome in cited for item in outcome.evidence),
        results=tuple(result for outcome in cited for result in outcome.results),
        assessment=offering.assessment or _UNSUPERVISED,
    )


def _tell(deps: ServiceDeps, standing: Standing, award: Award, email: str) -> None:
    """E-mail the learner their link. Best effort: the credential is issued and shown on
    their page whether or not the mail goes out, so a mail server down is logged, not raised."""
    if deps.mailer is None:
        return
    name = standing.offering.title or award.achievement_id
    link = f"{deps.public_url}/account#credential-{award.id}"
    body = (
        f"Congratulations: you have earned '{name}'.\n\n"
        f"Your credential is ready. Sign in and claim it to keep it in your portfolio:\n{link}\n\n"
        f"Anyone can check it at {deps.public_url}/credentials/{award.id}\n"
    )
    try:
        deps.mailer.send(Mail(to=email, subject=f"You have earned {name}", text=body))
    except MailError as error:
        _log.warning("could not e-mail %s about award %s: %s", email, award.id, error)
