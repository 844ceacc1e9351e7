"""Status lists and the append-only audit log."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.status import AuditEvent, StatusAction, StatusList
from credstack.storage.rows import AuditEventRow, StatusListRow

__all__ = ["SqlAuditRepository", "SqlStatusListRepository"]


def _status_list(row: StatusListRow) -> StatusList:
    return StatusList(
        id=row.id,
        issuer_id=row.issuer_id,
        number=row.number,
        did=row.did,
        signing_key_id=row.signing_key_id,
        size=row.size,
        next_position=row.next_position,
        permutation_key=row.permutation_key,
        revocation_bits=bytearray(row.revocation_bits),
        suspension_bits=bytearray(row.suspension_bits),
        revocation_credential=row.revocation_credential,
        suspension_credential=row.suspension_credential,
        valid_until=row.valid_until,
        updated_at=row.updated_at,
    )


class SqlStatusListRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def open_list(self, issuer_id: str, did: str) -> StatusList | None:
        row = self._session.scalars(
            select(StatusListRow)
            .where(
                StatusListRow.issuer_id == issuer_id,
                StatusListRow.did == did,
                StatusListRow.next_position < StatusListRow.size,
            )
            .order_by(StatusListRow.number.desc())
        ).first()
        return None if row is None else _status_list(row)

    def next_number(self, issuer_id: str) -> int:
        highest = self._session.scalar(
            select(func.max(StatusListRow.number)).where(StatusListRow.issuer_id == issuer_id)
        )
        return (highest or 0) + 1

    def create(self, status_list: StatusList) -> StatusList:
        row = StatusListRow(
            issuer_id=status_list.issuer_id,
            number=status_list.number,
            did=status_list.did,
            signing_key_id=status_list.signing_key_id,
            size=status_list.size,
            next_position=status_list.next_position,
            permutation_key=status_list.permutation_key,
            revocation_bits=bytes(status_list.revocation_bits),
            suspension_bits=bytes(status_list.suspension_bits),
            revocation_credential=status_list.revocation_credential,
            suspension_credential=status_list.suspension_credential,
            valid_until=status_list.valid_until,
            updated_at=status_list.updated_at,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:
            raise ConflictError(
                f"status list {status_list.number} of '{status_list.issuer_id}' exists already"
            ) from None
        status_list.id = row.id
        return status_list

    def reserve(self, list_id: int, count: int) -> tuple[int, int]:
        # Compare-and-set on next_position: under concurrent reservations (PostgreSQL), the
        # UPDATE of a loser waits for the winner's row lock, then finds the counter moved and
        # matches nothing, and the loop reads the new value. No position is handed out twice.
        for _ in range(100):
            current = self._session.execute(
                select(StatusListRow.next_position, StatusListRow.size).where(
                    StatusListRow.id == list_id
                )
            ).first()
            if current is None:
                raise NotFoundError(f"no status list {list_id}")
            start, size = current
            take = min(count, size - start)
            if take <= 0:
                return 0, 0
            moved = self._session.scalar(
                update(StatusListRow)
                .where(StatusListRow.id == list_id, StatusListRow.next_position == start)
                .values(next_position=start + take)
                .returning(StatusListRow.next_position)
            )
            if moved is not None:
                return start, take
        raise ConflictError(f"status list {list_id} is too busy; try again")

    def release(self, list_id: int, start: int, end: int) -> bool:
        # the same compare-and-set, backwards: only when nobody reserved after ``end``
        moved = self._session.scalar(
            update(StatusListRow)
            .where(StatusListRow.id == list_id, StatusListRow.next_position == end)
            .values(next_position=start)
            .returning(StatusListRow.next_position)
        )
        return moved is not None

    def get(self, list_id: int, *, for_update: bool = False) -> StatusList:
        query = select(StatusListRow).where(StatusListRow.id == list_id)
        if for_update:
            # A no-op write takes the lock on every backend: the row lock on PostgreSQL,
            # the database write lock on SQLite (which ignores SELECT ... FOR UPDATE and
            # would otherwise only lock at the first real write, after our read).
            self._session.execute(
                update(StatusListRow)
                .where(StatusListRow.id == list_id)
                .values(next_position=StatusListRow.next_position)
            )
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            raise NotFoundError(f"no status list {list_id}")
        return _status_list(row)

    def by_number(self, issuer_id: str, number: int) -> StatusList | None:
        row = self._session.scalars(
            select(StatusListRow).where(
                StatusListRow.issuer_id == issuer_id, StatusListRow.number == number
            )
        ).first()
        return None if row is None else _status_list(row)

    def bits_by_number(
        self, issuer_id: str, number: int, purpose: str
    ) -> tuple[int, str, bytes] | None:
        column = (
            StatusListRow.revocation_bits
            if purpose == "revocation"
            else StatusListRow.suspension_bits
        )
        row = self._session.execute(
            select(StatusListRow.id, StatusListRow.did, column).where(
                StatusListRow.issuer_id == issuer_id, StatusListRow.number == number
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    def save(self, status_list: StatusList) -> None:
        self._session.execute(
            update(StatusListRow)
            .where(StatusListRow.id == status_list.id)
            .values(
                revocation_bits=bytes(status_list.revocation_bits),
                suspension_bits=bytes(status_list.suspension_bits),
                revocation_credential=status_list.revocation_credential,
                suspension_credential=status_list.suspension_credential,
                valid_until=status_list.valid_until,
                updated_at=status_list.updated_at,
            )
        )

    def list(self, issuer_id: str | None = None) -> list[StatusList]:
        query = select(StatusListRow).order_by(StatusListRow.issuer_id, StatusListRow.number)
        if issuer_id is not None:
            query = query.where(StatusListRow.issuer_id == issuer_id)
        return [_status_list(row) for row in self._session.scalars(query)]


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, event: AuditEvent) -> None:
        # The rows have no ORM relationship, so SQLAlchemy may insert this one before an
        # award added in the same unit of work; writing pending rows first keeps the
        # foreign key satisfied.
        self._session.flush()
        self._session.add(
            AuditEventRow(
                at=event.at,
                actor=event.actor,
                action=event.action.value,
                award_id=event.award_id,
                reason=event.reason,
            )
        )

    def for_award(self, award_id: str) -> list[AuditEvent]:
        rows = self._session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.award_id == award_id)
            .order_by(AuditEventRow.at, AuditEventRow.id)
        )
        return [
            AuditEvent(row.at, row.actor, StatusAction(row.action), row.award_id, row.reason)
            for row in rows
        ]
