"""Definitions and their versions."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.storage.rows import AchievementRow, AchievementVersionRow

__all__ = ["SqlAchievementRepository"]


def _version(row: AchievementVersionRow, issuer_id: str) -> AchievementVersion:
    return AchievementVersion(
        achievement_id=row.achievement_id,
        issuer_id=issuer_id,
        version=row.version,
        status=Status(row.status),
        spec=AchievementSpec.model_validate(row.spec),
        created_at=row.created_at,
        published_at=row.published_at,
    )


class SqlAchievementRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def create(self, version: AchievementVersion) -> None:
        existing = self._session.get(AchievementRow, version.achievement_id)
        if existing is not None:
            raise ConflictError(f"achievement '{version.achievement_id}' exists already")
        self._session.add(
            AchievementRow(
                id=version.achievement_id,
                issuer_id=version.issuer_id,
                created_at=version.created_at,
            )
        )
        self._session.flush()
        self.save(version)

    def save(self, version: AchievementVersion) -> None:
        row = self._session.scalars(
            select(AchievementVersionRow).where(
                AchievementVersionRow.achievement_id == version.achievement_id,
                AchievementVersionRow.version == version.version,
            )
        ).first()
        if row is None:
            row = AchievementVersionRow(
                achievement_id=version.achievement_id, version=version.version
            )
            self._session.add(row)
        row.status = version.status.value
        row.name = version.spec.name
        row.spec = version.spec.model_dump(mode="json", exclude_none=True)
        row.created_at = version.created_at
        row.published_at = version.published_at
        self._session.flush()

    def _issuer_of(self, achievement_id: str) -> str:
        row = self._session.get(AchievementRow, achievement_id)
        if row is None:
            raise NotFoundError(f"no achievement '{achievement_id}'")
        return row.issuer_id

    def latest(self, achievement_id: str) -> AchievementVersion:
        issuer_id = self._issuer_of(achievement_id)
        row = self._session.scalars(
            select(AchievementVersionRow)
            .where(AchievementVersionRow.achievement_id == achievement_id)
            .order_by(AchievementVersionRow.version.desc())
        ).first()
        if row is None:
            raise NotFoundError(f"no achievement '{achievement_id}'")
        return _version(row, issuer_id)

    def latest_published(self, achievement_id: str) -> AchievementVersion | None:
        issuer_id = self._issuer_of(achievement_id)
        row = self._session.scalars(
            select(AchievementVersionRow)
            .where(
                AchievementVersionRow.achievement_id == achievement_id,
                AchievementVersionRow.status == Status.PUBLISHED.value,
            )
            .order_by(AchievementVersionRow.version.desc())
        ).first()
        return None if row is None else _version(row, issuer_id)

    def version(self, achievement_id: str, version: int) -> AchievementVersion:
        issuer_id = self._issuer_of(achievement_id)
        row = self._session.scalars(
            select(AchievementVersionRow).where(
                AchievementVersionRow.achievement_id == achievement_id,
                AchievementVersionRow.version == version,
            )
        ).first()
        if row is None:
            raise NotFoundError(f"achievement '{achievement_id}' has no version {version}")
        return _version(row, issuer_id)

    def discard(self, achievement_id: str, version: int) -> None:
        self._session.execute(
            delete(AchievementVersionRow).where(
                AchievementVersionRow.achievement_id == achievement_id,
                AchievementVersionRow.version == version,
            )
        )
        remaining = self._session.scalar(
            select(func.count())
            .select_from(AchievementVersionRow)
            .where(AchievementVersionRow.achievement_id == achievement_id)
        )
        if not remaining:
            self._session.execute(delete(AchievementRow).where(AchievementRow.id == achievement_id))
        self._session.flush()

    def list(self, issuer_id: str | None = None) -> list[AchievementVersion]:
        newest = (
            select(
                AchievementVersionRow.achievement_id,
                func.max(AchievementVersionRow.version).label("version"),
            )
            .group_by(AchievementVersionRow.achievement_id)
            .subquery()
        )
        query = (
            select(AchievementVersionRow, AchievementRow.issuer_id)
            .join(
                newest,
                (newest.c.achievement_id == AchievementVersionRow.achievement_id)
                & (newest.c.version == AchievementVersionRow.version),
            )
            .join(AchievementRow, AchievementRow.id == AchievementVersionRow.achievement_id)
            .order_by(AchievementVersionRow.achievement_id)
        )
        if issuer_id is not None:
            query = query.where(AchievementRow.issuer_id == issuer_id)
        return [_version(row, issuer) for row, issuer in self._session.execute(query)]
