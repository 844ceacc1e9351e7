"""Bulk award jobs: the job rows, their input in chunks, and their report lines.

A runner changes a job only through statements guarded by its claim number
(``WHERE claim = :mine``), so that a runner that lost the job (another took it over after
its heartbeat went stale) changes nothing: the compare-and-set needs no lock held across
transactions and works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from credstack.domain.award_jobs import AwardJob, InputFormat, JobStatus, Outcome, ReportLine
from credstack.domain.errors import NotFoundError
from credstack.storage.rows import AwardJobInputRow, AwardJobLineRow, AwardJobRow

__all__ = ["SqlAwardJobRepository"]

_COUNTERS = {
    Outcome.ISSUED: "issued",
    Outcome.ALREADY_ISSUED: "already_issued",
    Outcome.ERROR: "errors",
}


def _job(row: AwardJobRow) -> AwardJob:
    return AwardJob(
        id=row.id,
        issuer_id=row.issuer_id,
        submitted_by=row.submitted_by,
        input_format=InputFormat(row.input_format),
        achievement_id=row.achievement_id,
        status=JobStatus(row.status),
        total=row.total,
        created_at=row.created_at,
        done=row.done,
        issued=row.issued,
        already_issued=row.already_issued,
        errors=row.errors,
        claim=row.claim,
        cancel_requested=row.cancel_requested,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        message=row.message,
    )


def _claimable(stale_before: dt.datetime) -> Any:
    return or_(
        AwardJobRow.status == JobStatus.QUEUED.value,
        and_(
            AwardJobRow.status == JobStatus.RUNNING.value,
            AwardJobRow.heartbeat_at < stale_before,
        ),
    )


class SqlAwardJobRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, job: AwardJob) -> None:
        self._session.add(
            AwardJobRow(
                id=job.id,
                issuer_id=job.issuer_id,
                submitted_by=job.submitted_by,
                input_format=job.input_format.value,
                achievement_id=job.achievement_id,
                status=job.status.value,
                total=job.total,
                done=job.done,
                issued=job.issued,
                already_issued=job.already_issued,
                errors=job.errors,
                claim=job.claim,
                cancel_requested=job.cancel_requested,
                created_at=job.created_at,
                started_at=job.started_at,
                finished_at=job.finished_at,
                heartbeat_at=job.heartbeat_at,
                message=job.message,
            )
        )
        self._session.flush()

    def add_input(self, job_id: str, seq: int, data: bytes) -> None:
        # sent at once and not kept in the session: a large input is never held whole
        self._session.execute(insert(AwardJobInputRow).values(job_id=job_id, seq=seq, data=data))

    def input_chunk(self, job_id: str, seq: int) -> bytes | None:
        return self._session.scalar(
            select(AwardJobInputRow.data).where(
                AwardJobInputRow.job_id == job_id, AwardJobInputRow.seq == seq
            )
        )

    def get(self, job_id: str) -> AwardJob:
        row = self._session.get(AwardJobRow, job_id, populate_existing=True)
        if row is None:
            raise NotFoundError(f"no award job '{job_id}'")
        return _job(row)

    def for_issuer(
        self, issuer_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[AwardJob]:
        query = (
            select(AwardJobRow)
            .where(AwardJobRow.issuer_id == issuer_id)
            .order_by(AwardJobRow.created_at.desc(), AwardJobRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_job(row) for row in self._session.scalars(query)]

    def count(self, issuer_id: str) -> int:
        query = select(func.count()).select_from(AwardJobRow)
        return self._session.scalar(query.where(AwardJobRow.issuer_id == issuer_id)) or 0

    def claimable(self, stale_before: dt.datetime) -> list[AwardJob]:
        query = (
            select(AwardJobRow)
            .where(_claimable(stale_before))
            .order_by(AwardJobRow.created_at, AwardJobRow.id)
            .limit(20)
        )
        return [_job(row) for row in self._session.scalars(query)]

    def claim(
        self, job_id: str, seen_claim: int, now: dt.datetime, stale_before: dt.datetime
    ) -> bool:
        result = self._session.execute(
            update(AwardJobRow)
            .where(
                AwardJobRow.id == job_id,
                AwardJobRow.claim == seen_claim,
                _claimable(stale_before),
            )
            .values(
                claim=AwardJobRow.claim + 1,
                status=JobStatus.RUNNING.value,
                heartbeat_at=now,
                started_at=func.coalesce(AwardJobRow.started_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _beat(self, job_id: str, claim: int, now: dt.datetime, **values: Any) -> bool:
        result = self._session.execute(
            update(AwardJobRow)
            .where(
                AwardJobRow.id == job_id,
                AwardJobRow.claim == claim,
                AwardJobRow.status == JobStatus.RUNNING.value,
            )
            .values({"heartbeat_at": now, **values})
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def record(
        self, job_id: str, claim: int, lines: Sequence[ReportLine], now: dt.datetime
    ) -> AwardJob | None:
        # The guarded heartbeat comes first: it takes the job row's lock, so a runner that
        # takes the job over waits until these lines are in, and sees them.
        if not self._beat(job_id, claim, now):
            return None
        rows = [line.row for line in lines]
        existing: set[int] = set()
        for start in range(0, len(rows), 500):
            existing.update(
                self._session.scalars(
                    select(AwardJobLineRow.row).where(
                        AwardJobLineRow.job_id == job_id,
                        AwardJobLineRow.row.in_(rows[start : start + 500]),
                    )
                )
            )
        fresh: dict[int, ReportLine] = {}
        for line in lines:
            if line.row not in existing:
                fresh.setdefault(line.row, line)
        if fresh:
            self._session.execute(
                insert(AwardJobLineRow),
                [
                    {
                        "job_id": job_id,
                        "row": line.row,
                        "outcome": line.outcome.value,
                        "source_id": line.source_id,
                        "award_id": line.award_id,
                        "message": line.message,
                    }
                    for line in fresh.values()
                ],
            )
            added = {counter: 0 for counter in _COUNTERS.values()}
            for line in fresh.values():
                added[_COUNTERS[line.outcome]] += 1
            self._beat(
                job_id,
                claim,
                now,
                done=AwardJobRow.done + len(fresh),
                **{name: getattr(AwardJobRow, name) + n for name, n in added.items()},
            )
        return self.get(job_id)

    def finish(
        self, job_id: str, claim: int, status: JobStatus, now: dt.datetime, message: str | None
    ) -> bool:
        if status.finished:
            return self._beat(job_id, claim, now, status=status.value, finished_at=now,
                              message=message)  # fmt: skip
        return self._beat(job_id, claim, now, status=status.value, heartbeat_at=None)  # given back

    def request_cancel(self, job_id: str, now: dt.datetime) -> AwardJob:
        self.get(job_id)  # NotFoundError
        for status, values in (
            (JobStatus.QUEUED, {"status": JobStatus.CANCELLED.value, "finished_at": now}),
            (JobStatus.RUNNING, {"cancel_requested": True}),
        ):
            self._session.execute(
                update(AwardJobRow)
                .where(AwardJobRow.id == job_id, AwardJobRow.status == status.value)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return self.get(job_id)

    def reported_rows(self, job_id: str) -> set[int]:
        query = select(AwardJobLineRow.row).where(AwardJobLineRow.job_id == job_id)
        return set(self._session.scalars(query))

    def report(self, job_id: str, *, after_row: int = 0, limit: int = 1000) -> list[ReportLine]:
        query = (
            select(AwardJobLineRow)
            .where(AwardJobLineRow.job_id == job_id, AwardJobLineRow.row > after_row)
            .order_by(AwardJobLineRow.row)
            .limit(limit)
        )
        return [
            ReportLine(row.row, Outcome(row.outcome), row.source_id, row.award_id, row.message)
            for row in self._session.scalars(query)
        ]
