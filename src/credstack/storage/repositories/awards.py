"""Awards: the signed credentials as issued, and their status."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.awards import Award, Recipient
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.status import CredentialState
from credstack.storage.bulk_insert import insert_rows
from credstack.storage.rows import AchievementRow, AwardRow

__all__ = ["SqlAwardRepository"]


def _award(row: AwardRow) -> Award:
    recipient = (
        Recipient(email=row.recipient, name=row.recipient_name)
        if row.recipient_kind == "email"
        else Recipient(did=row.recipient, name=row.recipient_name)
    )
    return Award(
        id=row.id,
        credential_id=row.credential_id,
        issuer_id=row.issuer_id,
        achievement_id=row.achievement_id,
        achievement_version=row.achievement_version,
        recipient=recipient,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        source_key=row.source_key,
        signing_key_id=row.signing_key_id,
        credential=row.credential,
        jwt=row.jwt,
        status_list_id=row.status_list_id,
        status_index=row.status_index,
        state=CredentialState(
            row.revoked_at, row.revocation_reason, row.suspended_at, row.suspension_reason
        ),
        renewed_from=row.renewed_from,
        claimed_at=row.claimed_at,
    )


def _columns(award: Award) -> dict[str, Any]:
    return {
        "id": award.id,
        "credential_id": award.credential_id,
        "issuer_id": award.issuer_id,
        "achievement_id": award.achievement_id,
        "achievement_version": award.achievement_version,
        "recipient_kind": award.recipient.kind,
        "recipient": award.recipient.identifier,
        "recipient_key": award.recipient.identifier.lower(),
        "recipient_name": award.recipient.name,
        "source_key": award.source_key,
        "signing_key_id": award.signing_key_id,
        "issued_at": award.issued_at,
        "valid_until": award.valid_until,
        "credential": award.credential,
        "jwt": award.jwt,
        "status_list_id": award.status_list_id,
        "status_index": award.status_index,
        "renewed_from": award.renewed_from,
    }


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    """IN lists of a bounded length (SQLite limits the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


_AWARDS_TABLE = cast(Table, AwardRow.__table__)


def _of_recipient(identifier: str) -> tuple[ColumnElement[bool], ...]:
    """A learner's awards, found through the (achievement, recipient) index with one look-up
    per definition: an index on the recipient alone would cost every insert of a cohort."""
    return (
        AwardRow.achievement_id.in_(select(AchievementRow.id)),
        AwardRow.recipient_key == identifier.lower(),
    )


class SqlAwardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, award: Award) -> None:
        self._session.add(AwardRow(**_columns(award)))

    def add_many(self, awards: Sequence[Award]) -> None:
        # One executemany through the Core, not one ORM object per row: a cohort's batch
        # costs one statement. Rows the session holds are written first, in order.
        if not awards:
            return
        self._session.flush()
        try:
            # on the session's connection, not the ORM's bulk insert (several times the cost
            # per row); one statement per batch on SQLite (``bulk_insert``)
            insert_rows(
                self._session.connection(), _AWARDS_TABLE, [_columns(award) for award in awards]
            )
        except IntegrityError as error:
            # the statement runs now, not at commit: the clash is reported here, as commit would
            self._session.rollback()
            detail = str(error.orig).strip().splitlines()[0] if error.orig else "constraint"
            raise ConflictError(f"conflicts with what is stored: {detail}") from None

    def prior_ids(
        self, achievement_id: str, source_keys: Collection[str], recipients: Collection[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        by_key: dict[str, str] = {}
        for chunk in _chunks(sorted(set(source_keys))):
            rows = self._session.execute(
                select(AwardRow.source_key, AwardRow.id).where(
                    AwardRow.achievement_id == achievement_id, AwardRow.source_key.in_(chunk)
                )
            )
            by_key.update({key: award_id for key, award_id in rows})
        by_recipient: dict[str, str] = {}
        for chunk in _chunks(sorted({r.lower() for r in recipients})):
            rows = self._session.execute(
                select(AwardRow.recipient_key, AwardRow.id)
                .where(AwardRow.achievement_id == achievement_id, AwardRow.recipient_key.in_(chunk))
                .order_by(AwardRow.issued_at.desc())
            )
            # newest first, so the earliest is written last and kept
            by_recipient.update({key: award_id for key, award_id in rows})
        return by_key, by_recipient

    def get(self, award_id: str) -> Award:
        row = self._session.get(AwardRow, award_id) if len(award_id) == 36 else None
        if row is None:
            row = self._session.scalars(
                select(AwardRow).where(AwardRow.credential_id == award_id)
            ).first()
        if row is None:
            raise NotFoundError(f"no credential '{award_id}'")
        return _award(row)

    def by_source_key(self, achievement_id: str, source_key: str) -> Award | None:
        row = self._session.scalars(
            select(AwardRow).where(
                AwardRow.achievement_id == achievement_id, AwardRow.source_key == source_key
            )
        ).first()
        return None if row is None else _award(row)

    def by_recipient(self, achievement_id: str, identifier: str) -> Award | None:
        row = self._session.scalars(
            select(AwardRow)
            .where(
                AwardRow.achievement_id == achievement_id,
                AwardRow.recipient_key == identifier.lower(),
            )
            .order_by(AwardRow.issued_at)
        ).first()
        return None if row is None else _award(row)

    def list(
        self,
        *,
        issuer_id: str | None = None,
        achievement_id: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Iterator[Award]:
        query = select(AwardRow).order_by(AwardRow.issued_at, AwardRow.id)
        if issuer_id is not None:
            query = query.where(AwardRow.issuer_id == issuer_id)
        if achievement_id is not None:
            query = query.where(AwardRow.achievement_id == achievement_id)
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        for row in self._session.scalars(query.execution_options(yield_per=500)):
            yield _award(row)

    def count(self, *, issuer_id: str | None = None) -> int:
        query = select(func.count()).select_from(AwardRow)
        if issuer_id is not None:
            query = query.where(AwardRow.issuer_id == issuer_id)
        return int(self._session.scalar(query) or 0)

    def for_recipient(
        self,
        identifier: str,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Sequence[Award]:
        query = (
            select(AwardRow)
            .where(*_of_recipient(identifier))
            .order_by(AwardRow.issued_at, AwardRow.id)
        )
        if since is not None:
            query = query.where(AwardRow.issued_at > since)
        query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_award(row) for row in self._session.scalars(query)]

    def count_for_recipient(self, identifier: str, *, since: dt.datetime | None = None) -> int:
        query = select(func.count()).select_from(AwardRow).where(*_of_recipient(identifier))
        if since is not None:
            query = query.where(AwardRow.issued_at > since)
        return int(self._session.scalar(query) or 0)

    def set_jwt(self, award_id: str, jwt: str) -> None:
        self._session.execute(update(AwardRow).where(AwardRow.id == award_id).values(jwt=jwt))

    def set_state(self, award_id: str, state: CredentialState) -> None:
        self._session.execute(
            update(AwardRow)
            .where(AwardRow.id == award_id)
            .values(
                revoked_at=state.revoked_at,
                revocation_reason=state.revocation_reason,
                suspended_at=state.suspended_at,
                suspension_reason=state.suspension_reason,
            )
        )

    def by_status_index(self, list_id: int, index: int) -> Award | None:
        row = self._session.scalars(
            select(AwardRow).where(
                AwardRow.status_list_id == list_id, AwardRow.status_index == index
            )
        ).first()
        return None if row is None else _award(row)

    def for_email(self, email: str) -> builtins.list[Award]:
        # Through the (achievement, recipient) index, one look-up per definition: an index on
        # the recipient alone would cost every insert of a cohort (~10 % of its speed)
        rows = self._session.scalars(
            select(AwardRow)
            .where(*_of_recipient(email), AwardRow.recipient_kind == "email")
            .order_by(AwardRow.issued_at.desc(), AwardRow.id)
        )
        return [_award(row) for row in rows]

    def set_claimed(self, award_id: str, at: dt.datetime) -> bool:
        moved = self._session.execute(
            update(AwardRow)
            .where(AwardRow.id == award_id, AwardRow.claimed_at.is_(None))
            .values(claimed_at=at)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]
