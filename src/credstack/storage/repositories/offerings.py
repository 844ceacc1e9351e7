"""Offerings, enrolments and the append-only log of enrolment decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.awards import Assessment, IdentityVerification
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.offerings import (
    Enrolment,
    EnrolmentAction,
    EnrolmentEvent,
    EnrolmentStatus,
    Offering,
    OfferingMode,
    Price,
)
from credstack.domain.requirements import parse_requirements, requirements_data
from credstack.storage.rows import EnrolmentEventRow, EnrolmentRow, OfferingRow

__all__ = ["SqlOfferingRepository"]

_HELD = (EnrolmentStatus.PENDING.value, EnrolmentStatus.ENROLLED.value)


def _offering(row: OfferingRow) -> Offering:
    price = None
    if row.price_amount is not None and row.price_currency is not None:
        price = Price(row.price_amount, row.price_currency)
    return Offering(
        id=row.id,
        issuer_id=row.issuer_id,
        achievement_id=row.achievement_id,
        mode=OfferingMode(row.mode),
        created_at=row.created_at,
        title=row.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        price=price,
        invitation_codes=tuple(row.invitation_codes),
        closed_at=row.closed_at,
        requirements=None if row.requirements is None else parse_requirements(row.requirements),
        assessment=None
        if row.supervision is None or row.identity_verification is None
        else Assessment(row.supervision, IdentityVerification(row.identity_verification)),
    )


def _enrolment(row: EnrolmentRow) -> Enrolment:
    return Enrolment(
        row.id, row.offering_id, row.user_id, EnrolmentStatus(row.status), row.created_at,
        row.decided_at, row.award_id, row.completed_at, row.check_due_at,
    )  # fmt: skip


def _values(offering: Offering) -> dict[str, object]:
    return {
        "issuer_id": offering.issuer_id,
        "achievement_id": offering.achievement_id,
        "mode": offering.mode.value,
        "title": offering.title,
        "starts_at": offering.starts_at,
        "ends_at": offering.ends_at,
        "capacity": offering.capacity,
        "price_amount": offering.price.amount if offering.price else None,
        "price_currency": offering.price.currency if offering.price else None,
        "invitation_codes": list(offering.invitation_codes),
        "created_at": offering.created_at,
        "closed_at": offering.closed_at,
        "requirements": None
        if offering.requirements is None
        else requirements_data(offering.requirements),
        "supervision": offering.assessment.supervision if offering.assessment else None,
        "identity_verification": offering.assessment.identity_verification.value
        if offering.assessment
        else None,
    }


class SqlOfferingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, offering: Offering) -> None:
        self._session.add(OfferingRow(id=offering.id, **_values(offering)))

    def get(self, offering_id: str, *, for_update: bool = False) -> Offering:
        if for_update:
            # Enrolments of one offering queue here, so capacity is never overrun. An UPDATE
            # that changes nothing takes the row's lock on PostgreSQL and, on SQLite, starts
            # the write transaction (the driver begins one only at the first write: a SELECT
            # ... FOR UPDATE would be neither, and the places counted next could be stale).
            self._session.execute(
                update(OfferingRow)
                .where(OfferingRow.id == offering_id)
                .values(id=OfferingRow.id)
                .execution_options(synchronize_session=False)
            )
        query = select(OfferingRow).where(OfferingRow.id == offering_id)
        row = self._session.scalars(query).first()
        if row is None:
            raise NotFoundError(f"no offering '{offering_id}'")
        return _offering(row)

    def update(self, offering: Offering) -> None:
        self._session.execute(
            update(OfferingRow).where(OfferingRow.id == offering.id).values(**_values(offering))
        )

    def for_issuer(self, issuer_id: str) -> list[Offering]:
        rows = self._session.scalars(
            select(OfferingRow)
            .where(OfferingRow.issuer_id == issuer_id)
            .order_by(OfferingRow.created_at, OfferingRow.id)
        )
        return [_offering(row) for row in rows]

    def for_achievement(self, achievement_id: str) -> list[Offering]:
        rows = self._session.scalars(
            select(OfferingRow)
            .where(OfferingRow.achievement_id == achievement_id)
            .order_by(OfferingRow.created_at, OfferingRow.id)
        )
        return [_offering(row) for row in rows]

    def add_enrolment(self, enrolment: Enrolment) -> None:
        self._session.add(
            EnrolmentRow(
                id=enrolment.id,
                offering_id=enrolment.offering_id,
                user_id=enrolment.user_id,
                status=enrolment.status.value,
                created_at=enrolment.created_at,
                decided_at=enrolment.decided_at,
            )
        )
        # rows without relationships are not ordered by their foreign keys at flush: the
        # enrolment goes first, before the log line that names it
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError(
                "conflicts with what is stored: the learner has an enrolment in this offering"
            ) from None

    def set_enrolment(self, enrolment: Enrolment) -> None:
        self._session.execute(
            update(EnrolmentRow)
            .where(EnrolmentRow.id == enrolment.id)
            .values(status=enrolment.status.value, decided_at=enrolment.decided_at)
        )

    def enrolment(self, enrolment_id: str) -> Enrolment:
        row = self._session.get(EnrolmentRow, enrolment_id)
        if row is None:
            raise NotFoundError(f"no enrolment '{enrolment_id}'")
        return _enrolment(row)

    def enrolment_of(self, offering_id: str, user_id: str) -> Enrolment | None:
        row = self._session.scalars(
            select(EnrolmentRow).where(
                EnrolmentRow.offering_id == offering_id, EnrolmentRow.user_id == user_id
            )
        ).first()
        return None if row is None else _enrolment(row)

    def enrolments(self, offering_id: str) -> list[Enrolment]:
        rows = self._session.scalars(
            select(EnrolmentRow)
            .where(EnrolmentRow.offering_id == offering_id)
            .order_by(EnrolmentRow.created_at, EnrolmentRow.id)
        )
        return [_enrolment(row) for row in rows]

    def enrolments_of(self, user_id: str) -> list[Enrolment]:
        rows = self._session.scalars(
            select(EnrolmentRow)
            .where(EnrolmentRow.user_id == user_id)
            .order_by(EnrolmentRow.created_at, EnrolmentRow.id)
        )
        return [_enrolment(row) for row in rows]

    def mark_due(self, enrolment_ids: Collection[str], at: dt.datetime) -> None:
        if enrolment_ids:
            self._session.execute(
                update(EnrolmentRow)
                .where(EnrolmentRow.id.in_(list(enrolment_ids)), EnrolmentRow.award_id.is_(None))
                .values(check_due_at=at)
                .execution_options(synchronize_session=False)
            )

    def due(self, limit: int) -> list[Enrolment]:
        rows = self._session.scalars(
            select(EnrolmentRow)
            .where(EnrolmentRow.check_due_at.is_not(None))
            .order_by(EnrolmentRow.check_due_at, EnrolmentRow.id)
            .limit(limit)
        )
        return [_enrolment(row) for row in rows]

    def clear_due(self, enrolment_id: str, seen_due_at: dt.datetime) -> bool:
        result = self._session.execute(
            update(EnrolmentRow)
            .where(EnrolmentRow.id == enrolment_id, EnrolmentRow.check_due_at == seen_due_at)
            .values(check_due_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def record_award(self, enrolment_id: str, award_id: str, at: dt.datetime) -> bool:
        result = self._session.execute(
            update(EnrolmentRow)
            .where(EnrolmentRow.id == enrolment_id, EnrolmentRow.award_id.is_(None))
            .values(award_id=award_id, completed_at=at, check_due_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def places_held(self, offering_id: str) -> int:
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(EnrolmentRow)
                .where(EnrolmentRow.offering_id == offering_id, EnrolmentRow.status.in_(_HELD))
            )
            or 0
        )

    def append_event(self, event: EnrolmentEvent) -> None:
        self._session.add(
            EnrolmentEventRow(
                at=event.at,
                actor=event.actor,
                enrolment_id=event.enrolment_id,
                action=event.action.value,
                note=event.note,
            )
        )

    def events(self, enrolment_id: str) -> list[EnrolmentEvent]:
        rows = self._session.scalars(
            select(EnrolmentEventRow)
            .where(EnrolmentEventRow.enrolment_id == enrolment_id)
            .order_by(EnrolmentEventRow.at, EnrolmentEventRow.id)
        )
        return [
            EnrolmentEvent(
                row.at, row.actor, row.enrolment_id, EnrolmentAction(row.action), row.note
            )
            for row in rows
        ]
