"""Credentials apps stored for learners through the OB 3.0 / CLR 2.0 APIs, as sent."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.domain.oauth import LearnerApi, PortfolioEntry
from credstack.storage.rows import PortfolioEntryRow

__all__ = ["SqlPortfolioRepository", "credential_key"]


def credential_key(credential_id: str) -> str:
    """The fixed-length key a credential id is stored under (ids may be long URLs)."""
    return hashlib.sha256(credential_id.encode("utf-8")).hexdigest()


def _entry(row: PortfolioEntryRow) -> PortfolioEntry:
    return PortfolioEntry(
        row.user_id, LearnerApi(row.api), row.credential_id, row.content, row.jws, row.stored_at,
        row.updated_at,
    )  # fmt: skip


class SqlPortfolioRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, user_id: str, api: LearnerApi, credential_id: str) -> PortfolioEntryRow | None:
        return self._session.scalars(
            select(PortfolioEntryRow).where(
                PortfolioEntryRow.user_id == user_id,
                PortfolioEntryRow.api == api.value,
                PortfolioEntryRow.credential_key == credential_key(credential_id),
            )
        ).first()

    def get(self, user_id: str, api: LearnerApi, credential_id: str) -> PortfolioEntry | None:
        row = self._row(user_id, api, credential_id)
        return None if row is None else _entry(row)

    def put(self, entry: PortfolioEntry) -> None:
        row = self._row(entry.user_id, entry.api, entry.credential_id)
        if row is None:
            self._session.add(
                PortfolioEntryRow(
                    user_id=entry.user_id,
                    api=entry.api.value,
                    credential_key=credential_key(entry.credential_id),
                    credential_id=entry.credential_id,
                    content=entry.content,
                    jws=entry.jws,
                    stored_at=entry.stored_at,
                    updated_at=entry.updated_at,
                )
            )
            return
        row.content = entry.content
        row.jws = entry.jws
        row.updated_at = entry.updated_at

    def list(
        self,
        user_id: str,
        api: LearnerApi,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[PortfolioEntry]:
        query = select(PortfolioEntryRow).order_by(
            PortfolioEntryRow.stored_at, PortfolioEntryRow.id
        )
        query = query.where(
            PortfolioEntryRow.user_id == user_id, PortfolioEntryRow.api == api.value
        )
        if since is not None:
            query = query.where(PortfolioEntryRow.updated_at > since)
        query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_entry(row) for row in self._session.scalars(query)]

    def count(self, user_id: str, api: LearnerApi, *, since: dt.datetime | None = None) -> int:
        query = select(func.count()).select_from(PortfolioEntryRow)
        query = query.where(
            PortfolioEntryRow.user_id == user_id, PortfolioEntryRow.api == api.value
        )
        if since is not None:
            query = query.where(PortfolioEntryRow.updated_at > since)
        return int(self._session.scalar(query) or 0)
