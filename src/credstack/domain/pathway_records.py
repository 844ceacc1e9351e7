"""Stored pathways and the learners on them (issue 8): what the storage keeps of
``domain.pathways``.

A pathway is versioned like a definition: saving a changed spec makes the next version, and
a learner keeps the version they started on (``PathwayLearner.version``), so that editing a
pathway never moves the goal under someone half-way along it. Each learner row is also the
place where the stacked award is settled, exactly as an enrolment is for earning
(``check_due_at``, ``award_id``; decision 0030), and where a lost component is flagged for
the provider's review.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from credstack.domain.pathways import ComponentLossPolicy, PathwaySpec

__all__ = ["PathwayEvent", "PathwayLearner", "StoredPathway"]


@dataclasses.dataclass(frozen=True, slots=True)
class StoredPathway:
    """One version of an organisation's pathway."""

    issuer_id: str
    version: int
    spec: PathwaySpec
    created_at: dt.datetime
    #: what happens to the stacked credential when a component stops standing
    loss_policy: ComponentLossPolicy = ComponentLossPolicy.FLAG

    @property
    def id(self) -> str:
        return self.spec.id


@dataclasses.dataclass(frozen=True, slots=True)
class PathwayLearner:
    """PERSONAL DATA: a learner on a pathway, at the version they started on."""

    id: str
    pathway_id: str
    user_id: str
    version: int
    started_at: dt.datetime
    award_id: str | None = None
    completed_at: dt.datetime | None = None
    check_due_at: dt.datetime | None = None
    #: why the stacked credential is before the provider (a component lost), if it is
    flagged: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PathwayEvent:
    """One line of a pathway's append-only log: a version saved, a learner started, a
    stacked credential issued, a component lost (kept, flagged or revoked)."""

    at: dt.datetime
    actor: str
    pathway_id: str
    action: str
    learner_id: str | None = None
    detail: str | None = None
