"""Use cases of evidence reviewed by an assessor: submit it, review it, look at it.

The rules (versions, what may be submitted, the rubric's pass rule) are ``domain.evidence``'s
and ``domain.rubrics``'; here they are applied in one unit of work each, and every decision
goes into the evidence audit log (``evidence_events``): submitted, accepted, returned, and an
accept the rubric did not allow. A file's bytes are stored with the submission, in the same
transaction. When evidence is accepted the learner's enrolment is marked due in that
transaction (``earning.mark_progress``) and settled after it, so the credential arrives then.

Who reaches what: a learner only their own submissions; an assessor, staff member or owner
only their organisations' (``assessable_issuers``); anyone else "not found". Accepted evidence
is public: the credential links to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Collection, Mapping

from credstack.domain.accounts import Role
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.evidence import (
    EvidenceEvent,
    EvidenceFile,
    Rubric,
    Submission,
    SubmissionState,
    check_link,
    check_review,
    check_text,
    next_version,
)
from credstack.domain.evidence_files import check_file, safe_filename
from credstack.domain.offerings import EnrolmentStatus, Offering
from credstack.domain.requirements import Leaf, LeafKind, find_leaf
from credstack.services.deps import ServiceDeps
from credstack.services.earning import mark_progress, settle
from credstack.services.evidence_outcomes import evidence_outcomes, evidence_url
from credstack.services.ports import UnitOfWork

__all__ = [
    "EvidenceView",
    "QueueEntry",
    "QueueFilter",
    "ReviewView",
    "Upload",
    "assessable_issuers",
    "evidence_file",
    "evidence_form",
    "evidence_outcomes",
    "evidence_url",
    "public_evidence",
    "review_queue",
    "review_submission",
    "submission_for_review",
    "submit_evidence",
]

_REVIEWERS = frozenset({Role.OWNER, Role.STAFF, Role.ASSESSOR})


@dataclasses.dataclass(frozen=True, slots=True)
class Upload:
    """A file as the browser sent it: the name it gave and the bytes (its type is found)."""

    name: str
    data: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class EvidenceView:
    """The learner's page of one evidence requirement: what to do, what they sent, and
    whether they can send (more) now; ``why_not`` says why not."""

    offering: Offering
    leaf: Leaf
    rubric: Rubric
    achievement_name: str
    versions: list[Submission]
    can_submit: bool
    why_not: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the assessor's queue shows: ``None`` is any."""

    issuer_id: str | None = None
    offering_id: str | None = None
    requirement_id: str | None = None
    state: SubmissionState | None = SubmissionState.SUBMITTED
    learner_email: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class QueueEntry:
    submission: Submission
    learner_name: str
    learner_email: str
    offering_title: str
    requirement_title: str


@dataclasses.dataclass(frozen=True, slots=True)
class ReviewView:
    """What an assessor sees to review a submission: it, the rubric, the learner, and the
    earlier versions with their feedback."""

    entry: QueueEntry
    rubric: Rubric
    earlier: list[Submission]
    events: list[EvidenceEvent]


def _evidence_leaf(uow: UnitOfWork, offering_id: str, requirement_id: str) -> tuple[Offering, Leaf]:
    try:
        offering = uow.offerings.get(offering_id)
    except NotFoundError:
        raise NotFoundError(f"no offering '{offering_id}'") from None
    leaf = find_leaf(offering.requirements, requirement_id) if offering.requirements else None
    if leaf is None or leaf.kind is not LeafKind.EVIDENCE:
        raise NotFoundError(f"no evidence requirement '{requirement_id}' in this offering")
    return offering, leaf


def _rubric_of(uow: UnitOfWork, offering: Offering, leaf: Leaf) -> Rubric:
    rubric = uow.evidence.rubric(leaf.ref)
    if rubric is None or rubric.issuer_id != offering.issuer_id:
        raise NotFoundError(f"the rubric '{leaf.ref}' of this requirement is not set up yet")
    return rubric


def _name_of(uow: UnitOfWork, offering: Offering) -> str:
    version = uow.achievements.latest_published(offering.achievement_id)
    return offering.title or (version.spec.name if version else offering.achievement_id)


def evidence_form(
    deps: ServiceDeps, user_id: str, offering_id: str, requirement_id: str
) -> EvidenceView:
    """The learner's view of an evidence requirement of an offering. ``NotFoundError`` when
    the offering has no such requirement."""
    with deps.uow() as uow:
        offering, leaf = _evidence_leaf(uow, offering_id, requirement_id)
        rubric = _rubric_of(uow, offering, leaf)
        versions = uow.evidence.versions(offering_id, requirement_id, user_id)
        why_not = _why_not(uow, offering, user_id, versions)
        name = _name_of(uow, offering)
    return EvidenceView(offering, leaf, rubric, name, versions, why_not is None, why_not)


def _why_not(
    uow: UnitOfWork, offering: Offering, user_id: str, versions: list[Submission]
) -> str | None:
    enrolment = uow.offerings.enrolment_of(offering.id, user_id)
    if enrolment is None or enrolment.status is not EnrolmentStatus.ENROLLED:
        return "enrol in this offering to submit evidence"
    try:
        next_version(versions)
    except ConflictError as error:
        return str(error)
    return None


def submit_evidence(
    deps: ServiceDeps,
    user_id: str,
    offering_id: str,
    requirement_id: str,
    *,
    text: str | None = None,
    link: str | None = None,
    file: Upload | None = None,
) -> Submission:
    """A new version of the learner's evidence, with its file, in one transaction.
    ``InvalidInputError`` for nothing sent, something the rubric does not accept or a file
    over its limits or of another kind than its name says; ``ConflictError`` while a version
    waits for review, once one was accepted, or without an enrolment."""
    now = deps.clock.now()
    with deps.uow() as uow:
        offering, leaf = _evidence_leaf(uow, offering_id, requirement_id)
        rubric = _rubric_of(uow, offering, leaf)
        versions = uow.evidence.versions(offering_id, requirement_id, user_id)
        why_not = _why_not(uow, offering, user_id, versions)
        if why_not is not None:
            raise ConflictError(why_not)
        submission, content = _checked(rubric, text, link, file)
        submission = dataclasses.replace(
            submission,
            id=str(uuid.uuid4()),
            issuer_id=offering.issuer_id,
            offering_id=offering_id,
            requirement_id=requirement_id,
            user_id=user_id,
            version=next_version(versions),
            submitted_at=now,
        )
        uow.evidence.add_submission(submission, content)
        event = EvidenceEvent(now, f"user {user_id}", "submitted", rubric.id, submission.id,
                              submission.describe())  # fmt: skip
        uow.evidence.record(event)
        uow.commit()
    return submission


def _checked(
    rubric: Rubric, text: str | None, link: str | None, file: Upload | None
) -> tuple[Submission, bytes | None]:
    """What may be kept of what was sent, as a submission still to be placed."""
    spec = rubric.spec
    kept_text, kept_link = check_text(text), check_link(link)
    upload = file if file is not None and (file.name or file.data) else None
    for what, given in (("text", kept_text), ("link", kept_link), ("file", upload)):
        if given is not None and what not in spec.accepts:
            raise InvalidInputError(f"{what}: this requirement takes {', '.join(spec.accepts)}")
    if kept_text is None and kept_link is None and upload is None:
        raise InvalidInputError(f"send your evidence: {' or '.join(spec.accepts)}")
    stored = None
    if upload is not None:
        kind = check_file(upload.name, upload.data, allowed=tuple(spec.file_types),
                          max_bytes=spec.max_bytes)  # fmt: skip
        digest = hashlib.sha256(upload.data).hexdigest()
        stored = EvidenceFile(safe_filename(upload.name), kind.media_type, len(upload.data), digest)
    blank = Submission("", "", "", "", rubric.id, "", 0, SubmissionState.SUBMITTED,
                       rubric.created_at, kept_text, kept_link, stored)  # fmt: skip
    return blank, upload.data if upload is not None else None


def assessable_issuers(deps: ServiceDeps, user_id: str) -> list[str]:
    """The organisations whose evidence the user may review (owner, staff or assessor)."""
    with deps.uow() as uow:
        memberships = uow.accounts.memberships_of(user_id)
    return sorted(m.issuer_id for m in memberships if m.role in _REVIEWERS)


def _entry(uow: UnitOfWork, submission: Submission) -> QueueEntry:
    user = uow.accounts.user(submission.user_id)
    offering = uow.offerings.get(submission.offering_id)
    leaf = (
        find_leaf(offering.requirements, submission.requirement_id)
        if offering.requirements
        else None
    )
    title = leaf.title if leaf is not None else submission.requirement_id
    return QueueEntry(submission, user.name, user.email, _name_of(uow, offering), title)


def review_queue(
    deps: ServiceDeps,
    issuer_ids: Collection[str],
    filters: QueueFilter,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[QueueEntry], int]:
    """One page of the submissions of ``issuer_ids`` (the caller's organisations) that match
    ``filters``, oldest first, and how many match in all."""
    with deps.uow() as uow:
        scope = [i for i in issuer_ids if filters.issuer_id in (None, i)]
        user_id = None
        if filters.learner_email:
            user = uow.accounts.user_by_email(filters.learner_email.strip())
            if user is None:
                return [], 0
            user_id = user.id
        page, total = uow.evidence.queue(
            scope,
            state=filters.state,
            offering_id=filters.offering_id,
            requirement_id=filters.requirement_id,
            user_id=user_id,
            limit=limit,
            offset=offset,
        )
        return [_entry(uow, submission) for submission in page], total


def _reviewable(uow: UnitOfWork, issuer_ids: Collection[str], submission_id: str) -> Submission:
    submission = uow.evidence.submission(submission_id)
    if submission is None or submission.issuer_id not in issuer_ids:
        raise NotFoundError(f"no submission '{submission_id}'")
    return submission


def submission_for_review(
    deps: ServiceDeps, issuer_ids: Collection[str], submission_id: str
) -> ReviewView:
    """A submission of one of ``issuer_ids``, for review; ``NotFoundError`` for others'."""
    with deps.uow() as uow:
        submission = _reviewable(uow, issuer_ids, submission_id)
        rubric = uow.evidence.rubric(submission.rubric_id)
        assert rubric is not None  # a foreign key holds it
        versions = uow.evidence.versions(
            submission.offering_id, submission.requirement_id, submission.user_id
        )
        earlier = [v for v in versions if v.version < submission.version]
        events = uow.evidence.events(rubric.id, [v.id for v in versions])
        return ReviewView(_entry(uow, submission), rubric, earlier, events)


def review_submission(
    deps: ServiceDeps,
    submission_id: str,
    *,
    issuer_ids: Collection[str],
    levels: Mapping[str, str],
    feedback: str,
    decision: str,
    actor: str,
) -> Submission:
    """Score a submitted version against its rubric and accept or return it (``decision``).
    ``InvalidInputError`` for levels that do not fit the rubric or a return without feedback;
    ``ConflictError`` when it was reviewed already, or for an accept the pass rule does not
    allow (recorded). Accepting settles the learner's enrolment: the credential is issued when
    the offering's requirements are met."""
    now = deps.clock.now()
    feedback = check_review(feedback, decision)
    with deps.uow() as uow:
        submission = _reviewable(uow, issuer_ids, submission_id)
        if submission.state is not SubmissionState.SUBMITTED:
            raise ConflictError(f"this submission was {submission.state.value} already")
        rubric = uow.evidence.rubric(submission.rubric_id)
        assert rubric is not None
        score = rubric.spec.score(levels)
        chosen = ", ".join(f"{c.id}={lv.id}" for c, lv in score.levels)
        detail = f"{score.points}/{score.max_points} points ({chosen})"
        if decision == "accept" and not score.passes:
            refused = f"{detail}: {'; '.join(score.shortfalls)}"
            uow.evidence.record(EvidenceEvent(now, actor, "accept_refused", rubric.id,
                                              submission.id, refused))  # fmt: skip
            uow.commit()
            raise ConflictError(
                f"the rubric's pass rule does not hold ({'; '.join(score.shortfalls)}): "
                "return it instead"
            )
        reviewed = dataclasses.replace(
            submission,
            state=SubmissionState.ACCEPTED if decision == "accept" else SubmissionState.RETURNED,
            reviewed_at=now,
            reviewer=actor,
            levels={c.id: lv.id for c, lv in score.levels},
            points=score.points,
            max_points=score.max_points,
            feedback=feedback,
        )
        if not uow.evidence.review(reviewed):
            raise ConflictError("this submission was reviewed already")
        action = "accepted" if decision == "accept" else "returned"
        uow.evidence.record(EvidenceEvent(now, actor, action, rubric.id, submission.id,
                                          f"{detail}; feedback: {feedback}"))  # fmt: skip
        due: list[str] = []
        if decision == "accept":
            due = mark_progress(uow, submission.user_id, now, kind=LeafKind.EVIDENCE,
                                offering_id=submission.offering_id)  # fmt: skip
        uow.commit()
    settle(deps, due)
    return reviewed


def _visible(uow: UnitOfWork, submission_id: str, viewer_id: str | None) -> Submission:
    """Accepted evidence is anyone's to see (the credential cites it); before that only the
    learner's and their organisation's reviewers'."""
    submission = uow.evidence.submission(submission_id)
    if submission is None:
        raise NotFoundError(f"no evidence '{submission_id}'")
    if submission.state is SubmissionState.ACCEPTED or viewer_id == submission.user_id:
        return submission
    membership = uow.accounts.membership(viewer_id, submission.issuer_id) if viewer_id else None
    if membership is None or membership.role not in _REVIEWERS:
        raise NotFoundError(f"no evidence '{submission_id}'")
    return submission


def public_evidence(
    deps: ServiceDeps, submission_id: str, viewer_id: str | None
) -> tuple[QueueEntry, Rubric]:
    """A submission as its page shows it, to ``viewer_id`` (``None``: nobody signed in).
    ``NotFoundError`` when the viewer may not see it."""
    with deps.uow() as uow:
        submission = _visible(uow, submission_id, viewer_id)
        rubric = uow.evidence.rubric(submission.rubric_id)
        assert rubric is not None
        return _entry(uow, submission), rubric


def evidence_file(
    deps: ServiceDeps, submission_id: str, viewer_id: str | None
) -> tuple[Submission, bytes]:
    """A submission's file and its bytes, to whom may see the submission; ``NotFoundError``
    otherwise, or when it has no file."""
    with deps.uow() as uow:
        submission = _visible(uow, submission_id, viewer_id)
        content = uow.evidence.file_content(submission_id)
    if submission.file is None or content is None:
        raise NotFoundError(f"evidence '{submission_id}' has no file")
    return submission, content
