"""Pathway versions, the learners on them and the pathway log (``domain.pathway_records``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.pathway_records import PathwayEvent, PathwayLearner, StoredPathway
from credstack.domain.pathways import ComponentLossPolicy, parse_pathway_data, pathway_data
from credstack.storage.rows import PathwayEventRow, PathwayLearnerRow, PathwayRow, UserRow

__all__ = ["SqlPathwayRepository"]


def _pathway(row: PathwayRow) -> StoredPathway:
    return StoredPathway(
        row.issuer_id,
        row.version,
        parse_pathway_data(row.spec),
        row.created_at,
        ComponentLossPolicy(row.loss_policy),
    )


def _learner(row: PathwayLearnerRow) -> PathwayLearner:
    return PathwayLearner(
        row.id, row.pathway_id, row.user_id, row.version, row.started_at, row.award_id,
        row.completed_at, row.check_due_at, row.flagged,
    )  # fmt: skip


class SqlPathwayRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, pathway: StoredPathway) -> None:
        self._session.add(
            PathwayRow(
                id=pathway.id,
                version=pathway.version,
                issuer_id=pathway.issuer_id,
                spec=pathway_data(pathway.spec),
                loss_policy=pathway.loss_policy.value,
                created_at=pathway.created_at,
            )
        )
        self._flush("that version of the pathway was saved at the same time")

    def _flush(self, clash: str) -> None:
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError(f"conflicts with what is stored: {clash}") from None

    def latest(self, pathway_id: str) -> StoredPathway | None:
        row = self._session.scalars(
            select(PathwayRow)
            .where(PathwayRow.id == pathway_id)
            .order_by(PathwayRow.version.desc())
            .limit(1)
        ).first()
        return None if row is None else _pathway(row)

    def version(self, pathway_id: str, version: int) -> StoredPathway | None:
        row = self._session.get(PathwayRow, (pathway_id, version))
        return None if row is None else _pathway(row)

    def for_issuer(self, issuer_id: str) -> list[StoredPathway]:
        newest = (
            select(PathwayRow.id, func.max(PathwayRow.version).label("version"))
            .where(PathwayRow.issuer_id == issuer_id)
            .group_by(PathwayRow.id)
            .subquery()
        )
        rows = self._session.scalars(
            select(PathwayRow)
            .join(
                newest,
                (PathwayRow.id == newest.c.id) & (PathwayRow.version == newest.c.version),
            )
            .order_by(PathwayRow.id)
        )
        return [_pathway(row) for row in rows]

    def add_learner(self, learner: PathwayLearner) -> None:
        self._session.add(
            PathwayLearnerRow(
                id=learner.id,
                pathway_id=learner.pathway_id,
                user_id=learner.user_id,
                version=learner.version,
                started_at=learner.started_at,
                award_id=learner.award_id,
                completed_at=learner.completed_at,
                check_due_at=learner.check_due_at,
                flagged=learner.flagged,
            )
        )
        self._flush("the learner is on this pathway already")

    def learner(self, learner_id: str) -> PathwayLearner:
        row = self._session.get(PathwayLearnerRow, learner_id)
        if row is None:
            raise NotFoundError(f"no learner '{learner_id}' on a pathway")
        return _learner(row)

    def learner_of(self, pathway_id: str, user_id: str) -> PathwayLearner | None:
        row = self._session.scalars(
            select(PathwayLearnerRow).where(
                PathwayLearnerRow.pathway_id == pathway_id, PathwayLearnerRow.user_id == user_id
            )
        ).first()
        return None if row is None else _learner(row)

    def learners(self, pathway_id: str) -> list[PathwayLearner]:
        rows = self._session.scalars(
            select(PathwayLearnerRow)
            .where(PathwayLearnerRow.pathway_id == pathway_id)
            .order_by(PathwayLearnerRow.started_at, PathwayLearnerRow.id)
        )
        return [_learner(row) for row in rows]

    def learners_of_user(self, user_id: str) -> list[PathwayLearner]:
        rows = self._session.scalars(
            select(PathwayLearnerRow)
            .where(PathwayLearnerRow.user_id == user_id)
            .order_by(PathwayLearnerRow.started_at, PathwayLearnerRow.id)
        )
        return [_learner(row) for row in rows]

    def has_learners(self) -> bool:
        return self._session.scalars(select(PathwayLearnerRow.id).limit(1)).first() is not None

    def learner_ids_for_emails(self, emails: Collection[str]) -> list[str]:
        if not emails:
            return []
        query = (
            select(PathwayLearnerRow.id)
            .join(UserRow, UserRow.id == PathwayLearnerRow.user_id)
            .where(UserRow.email.in_(sorted(set(emails))))
            .order_by(PathwayLearnerRow.id)
        )
        return list(self._session.scalars(query))

    def mark_due(self, learner_ids: Collection[str], at: dt.datetime) -> None:
        if learner_ids:
            self._session.execute(
                update(PathwayLearnerRow)
                .where(PathwayLearnerRow.id.in_(list(learner_ids)))
                .values(check_due_at=at)
                .execution_options(synchronize_session=False)
            )

    def mark_awarded_due(self, at: dt.datetime) -> int:
        result = self._session.execute(
            update(PathwayLearnerRow)
            .where(PathwayLearnerRow.award_id.is_not(None))
            .values(check_due_at=at)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def due(self, limit: int) -> list[PathwayLearner]:
        rows = self._session.scalars(
            select(PathwayLearnerRow)
            .where(PathwayLearnerRow.check_due_at.is_not(None))
            .order_by(PathwayLearnerRow.check_due_at, PathwayLearnerRow.id)
            .limit(limit)
        )
        return [_learner(row) for row in rows]

    def clear_due(self, learner_id: str, seen_due_at: dt.datetime) -> bool:
        result = self._session.execute(
            update(PathwayLearnerRow)
            .where(
                PathwayLearnerRow.id == learner_id,
                PathwayLearnerRow.check_due_at == seen_due_at,
            )
            .values(check_due_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def record_award(self, learner_id: str, award_id: str, at: dt.datetime) -> bool:
        result = self._session.execute(
            update(PathwayLearnerRow)
            .where(PathwayLearnerRow.id == learner_id, PathwayLearnerRow.award_id.is_(None))
            .values(award_id=award_id, completed_at=at, check_due_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def set_flag(self, learner_id: str, flagged: str | None) -> None:
        self._session.execute(
            update(PathwayLearnerRow)
            .where(PathwayLearnerRow.id == learner_id)
            .values(flagged=flagged)
            .execution_options(synchronize_session=False)
        )

    def record(self, event: PathwayEvent) -> None:
        self._session.add(
            PathwayEventRow(
                at=event.at,
                actor=event.actor,
                pathway_id=event.pathway_id,
                action=event.action,
                learner_id=event.learner_id,
                detail=event.detail,
            )
        )

    def events(self, pathway_id: str) -> list[PathwayEvent]:
        rows = self._session.scalars(
            select(PathwayEventRow)
            .where(PathwayEventRow.pathway_id == pathway_id)
            .order_by(PathwayEventRow.at, PathwayEventRow.id)
        )
        return [
            PathwayEvent(row.at, row.actor, row.pathway_id, row.action, row.learner_id, row.detail)
            for row in rows
        ]
