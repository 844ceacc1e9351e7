"""Rubrics, evidence submissions with their files, and their audit log (``domain.evidence``)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError
from credstack.domain.evidence import (
    EvidenceEvent,
    EvidenceFile,
    Rubric,
    Submission,
    SubmissionState,
)
from credstack.domain.rubrics import RubricSpec
from credstack.storage.rows import (
    EvidenceEventRow,
    EvidenceFileRow,
    EvidenceSubmissionRow,
    RubricRow,
)

__all__ = ["SqlEvidenceRepository", "submission_columns"]


def _rubric(row: RubricRow) -> Rubric:
    spec = RubricSpec.model_validate(row.spec)
    return Rubric(row.issuer_id, spec, row.created_at, row.updated_at)


def submission_columns(submission: Submission) -> dict[str, Any]:
    """The row's columns for a submission (its file's are in ``evidence_files``)."""
    return {
        "id": submission.id,
        "issuer_id": submission.issuer_id,
        "offering_id": submission.offering_id,
        "requirement_id": submission.requirement_id,
        "rubric_id": submission.rubric_id,
        "user_id": submission.user_id,
        "version": submission.version,
        "state": submission.state.value,
        "submitted_at": submission.submitted_at,
        "text": submission.text,
        "link": submission.link,
        "reviewed_at": submission.reviewed_at,
        "reviewer": submission.reviewer,
        "levels": None if submission.levels is None else dict(submission.levels),
        "points": submission.points,
        "max_points": submission.max_points,
        "feedback": submission.feedback,
    }


def _submission(row: EvidenceSubmissionRow, file: EvidenceFile | None) -> Submission:
    return Submission(
        id=row.id,
        issuer_id=row.issuer_id,
        offering_id=row.offering_id,
        requirement_id=row.requirement_id,
        rubric_id=row.rubric_id,
        user_id=row.user_id,
        version=row.version,
        state=SubmissionState(row.state),
        submitted_at=row.submitted_at,
        text=row.text,
        link=row.link,
        file=file,
        reviewed_at=row.reviewed_at,
        reviewer=row.reviewer,
        levels=None if row.levels is None else {str(k): str(v) for k, v in row.levels.items()},
        points=row.points,
        max_points=row.max_points,
        feedback=row.feedback,
    )


class SqlEvidenceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- rubrics ------------------------------------------------------------------------

    def add_rubric(self, rubric: Rubric) -> None:
        self._session.add(
            RubricRow(
                id=rubric.id,
                issuer_id=rubric.issuer_id,
                spec=rubric.spec.model_dump(mode="json", exclude_none=True),
                created_at=rubric.created_at,
                updated_at=rubric.updated_at,
            )
        )

    def rubric(self, rubric_id: str) -> Rubric | None:
        row = self._session.get(RubricRow, rubric_id)
        return None if row is None else _rubric(row)

    def replace_rubric(self, rubric: Rubric) -> None:
        row = self._session.get(RubricRow, rubric.id)
        if row is None:
            self.add_rubric(rubric)
            return
        row.spec = rubric.spec.model_dump(mode="json", exclude_none=True)
        row.updated_at = rubric.updated_at

    def rubrics_for(self, issuer_id: str) -> list[Rubric]:
        rows = self._session.scalars(
            select(RubricRow).where(RubricRow.issuer_id == issuer_id).order_by(RubricRow.id)
        )
        return [_rubric(row) for row in rows]

    def count_reviewed(self, rubric_id: str) -> int:
        query = select(func.count()).where(
            EvidenceSubmissionRow.rubric_id == rubric_id,
            EvidenceSubmissionRow.state != SubmissionState.SUBMITTED.value,
        )
        return int(self._session.scalar(query) or 0)

    # --- submissions --------------------------------------------------------------------

    def add_submission(self, submission: Submission, content: bytes | None) -> None:
        self._session.add(EvidenceSubmissionRow(**submission_columns(submission)))
        # the unique (offering, requirement, user, version) fails here, not at commit
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError("another submission was made at the same time") from None
        if submission.file is not None and content is not None:
            self._session.add(
                EvidenceFileRow(
                    submission_id=submission.id,
                    name=submission.file.name,
                    media_type=submission.file.media_type,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    content=content,
                )
            )

    def _files(self, ids: Collection[str]) -> dict[str, EvidenceFile]:
        if not ids:
            return {}
        rows = self._session.execute(
            select(
                EvidenceFileRow.submission_id,
                EvidenceFileRow.name,
                EvidenceFileRow.media_type,
                EvidenceFileRow.size,
                EvidenceFileRow.sha256,
            ).where(EvidenceFileRow.submission_id.in_(list(ids)))
        )
        return {row[0]: EvidenceFile(row[1], row[2], row[3], row[4]) for row in rows}

    def _many(self, query: Select[EvidenceSubmissionRow]) -> list[Submission]:
        rows = list(self._session.scalars(query))
        files = self._files([row.id for row in rows])
        return [_submission(row, files.get(row.id)) for row in rows]

    def submission(self, submission_id: str) -> Submission | None:
        row = self._session.get(EvidenceSubmissionRow, submission_id)
        return None if row is None else _submission(row, self._files([row.id]).get(row.id))

    def versions(self, offering_id: str, requirement_id: str, user_id: str) -> list[Submission]:
        return self._many(
            select(EvidenceSubmissionRow)
            .where(
                EvidenceSubmissionRow.offering_id == offering_id,
                EvidenceSubmissionRow.requirement_id == requirement_id,
                EvidenceSubmissionRow.user_id == user_id,
            )
            .order_by(EvidenceSubmissionRow.version)
        )

    def file_content(self, submission_id: str) -> bytes | None:
        query = select(EvidenceFileRow.content).where(
            EvidenceFileRow.submission_id == submission_id
        )
        content = self._session.scalar(query)
        return None if content is None else bytes(content)

    def review(self, submission: Submission) -> bool:
        columns = submission_columns(submission)
        changed = {
            name: columns[name]
            for name in ("state", "reviewed_at", "reviewer", "levels", "points", "max_points")
        }
        changed["feedback"] = columns["feedback"]
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(EvidenceSubmissionRow)
                .where(
                    EvidenceSubmissionRow.id == submission.id,
                    EvidenceSubmissionRow.state == SubmissionState.SUBMITTED.value,
                )
                .values(**changed)
                .execution_options(synchronize_session=False)
            ),
        )
        self._session.expire_all()
        return result.rowcount == 1

    def queue(
        self,
        issuer_ids: Collection[str],
        *,
        state: SubmissionState | None = None,
        offering_id: str | None = None,
        requirement_id: str | None = None,
        user_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Submission], int]:
        where: list[ColumnElement[bool]] = [EvidenceSubmissionRow.issuer_id.in_(list(issuer_ids))]
        if state is not None:
            where.append(EvidenceSubmissionRow.state == state.value)
        if offering_id is not None:
            where.append(EvidenceSubmissionRow.offering_id == offering_id)
        if requirement_id is not None:
            where.append(EvidenceSubmissionRow.requirement_id == requirement_id)
        if user_id is not None:
            where.append(EvidenceSubmissionRow.user_id == user_id)
        total = int(self._session.scalar(select(func.count()).where(*where)) or 0)
        page = self._many(
            select(EvidenceSubmissionRow)
            .where(*where)
            .order_by(EvidenceSubmissionRow.submitted_at, EvidenceSubmissionRow.id)
            .limit(limit)
            .offset(offset)
        )
        return page, total

    # --- audit --------------------------------------------------------------------------

    def record(self, event: EvidenceEvent) -> None:
        self._session.flush()  # the submission it names may be pending in this session
        self._session.add(
            EvidenceEventRow(
                at=event.at,
                actor=event.actor,
                action=event.action,
                rubric_id=event.rubric_id,
                submission_id=event.submission_id,
                detail=event.detail,
            )
        )

    def events(
        self, rubric_id: str, submission_ids: Collection[str] | None = None
    ) -> list[EvidenceEvent]:
        query = select(EvidenceEventRow).where(EvidenceEventRow.rubric_id == rubric_id)
        if submission_ids is not None:
            query = query.where(EvidenceEventRow.submission_id.in_(list(submission_ids)))
        rows = self._session.scalars(query.order_by(EvidenceEventRow.at, EvidenceEventRow.id))
        return [
            EvidenceEvent(
                row.at, row.actor, row.action, row.rubric_id, row.submission_id, row.detail
            )
            for row in rows
        ]
