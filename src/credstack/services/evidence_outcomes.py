"""What an offering's evidence requirements say about one learner: an ``Outcome`` per leaf.

Read by ``services.earning`` (one of its ``SOURCES``) to know whether the requirements are met
and what the credential cites. Kept apart from ``services.evidence``, which calls
``earning.mark_progress`` and ``settle``, so that the two import each other in one direction.
"""

from __future__ import annotations

from credstack.domain.awards import EvidenceItem, ResultValue
from credstack.domain.evidence import Submission, SubmissionState, summary_of
from credstack.domain.offerings import Offering
from credstack.domain.requirements import Leaf, LeafKind, Outcome, leaves
from credstack.domain.rubrics import RubricSpec
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = ["evidence_outcomes", "evidence_url"]

GENRE = "Assessment evidence"


def evidence_url(deps: ServiceDeps, submission_id: str) -> str:
    """The page of a submission: what the credential links as its evidence."""
    return f"{deps.public_url}/evidence/{submission_id}"


def evidence_outcomes(
    uow: UnitOfWork, deps: ServiceDeps, offering: Offering, user_id: str
) -> dict[str, Outcome]:
    """For each of the offering's evidence leaves the learner submitted for: the outcome of
    the latest version (met only when accepted), with the rubric's points and levels as
    results and the submission's page as evidence."""
    found: dict[str, Outcome] = {}
    if offering.requirements is None:
        return found
    for leaf in leaves(offering.requirements):
        if leaf.kind is not LeafKind.EVIDENCE:
            continue
        versions = uow.evidence.versions(offering.id, leaf.id, user_id)
        if versions:
            rubric = uow.evidence.rubric(versions[-1].rubric_id)
            spec = rubric.spec if rubric is not None else None
            found[leaf.id] = _outcome(deps, leaf, versions[-1], spec)
    return found


def _outcome(
    deps: ServiceDeps, leaf: Leaf, submission: Submission, spec: RubricSpec | None
) -> Outcome:
    accepted = submission.state is SubmissionState.ACCEPTED
    at = submission.reviewed_at or submission.submitted_at
    if not accepted:
        return Outcome(leaf.id, False, at, summary=summary_of(submission))
    results = [ResultValue(leaf.id, f"{submission.points}/{submission.max_points}")]
    for criterion in spec.criteria if spec is not None else []:
        level = criterion.level((submission.levels or {}).get(criterion.id, ""))
        if level is not None:
            results.append(ResultValue(f"{leaf.id}-{criterion.id}", level.title))
    evidence = EvidenceItem(
        name=leaf.title,
        description=submission.describe(),
        url=evidence_url(deps, submission.id),
        genre=GENRE,
        narrative=submission.feedback or None,
    )
    return Outcome(leaf.id, True, at, tuple(results), (evidence,), summary=summary_of(submission))
