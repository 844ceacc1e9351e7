"""Recognised issuers, equivalences and their change log; learners' foreign credentials and
their recognition log (``domain.recognition``)."""

from __future__ import annotations

import decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError
from credstack.domain.holdings import Credit, CreditUnit
from credstack.domain.recognition import (
    Equivalence,
    ForeignCredential,
    RecognisedIssuer,
    RecognitionChange,
    RecognitionEvent,
    Verification,
)
from credstack.storage.rows import (
    EquivalenceRow,
    ForeignCredentialRow,
    RecognisedIssuerRow,
    RecognitionChangeRow,
    RecognitionEventRow,
)

__all__ = ["SqlRecognitionRepository", "credits_data", "credits_from"]


def credits_data(credits: tuple[Credit, ...]) -> list[list[str]]:
    """Credits as stored: ``[[amount, unit], ...]`` (the fake stores the same shape)."""
    return [[str(c.amount), c.unit.value] for c in credits]


def credits_from(data: list[Any]) -> tuple[Credit, ...]:
    return tuple(Credit(decimal.Decimal(amount), CreditUnit(unit)) for amount, unit in data)


def _issuer(row: RecognisedIssuerRow) -> RecognisedIssuer:
    return RecognisedIssuer(row.id, row.issuer_id, row.issuer, row.name, row.created_at, row.note)


def _equivalence(row: EquivalenceRow) -> Equivalence:
    credit = None
    if row.credit_amount is not None and row.credit_unit is not None:
        credit = Credit(decimal.Decimal(row.credit_amount), CreditUnit(row.credit_unit))
    return Equivalence(
        id=row.id,
        organisation_id=row.issuer_id,
        achievement_id=row.achievement_id,
        created_at=row.created_at,
        foreign_achievement=row.foreign_achievement,
        alignment=row.alignment,
        credits=credit,
    )


def _credential(row: ForeignCredentialRow) -> ForeignCredential:
    return ForeignCredential(
        id=row.id,
        user_id=row.user_id,
        key=row.key,
        text=row.text,
        credential=row.credential,
        source=row.source,
        added_at=row.added_at,
        verification=Verification.from_data(row.verification),
    )


def _event(row: RecognitionEventRow) -> RecognitionEvent:
    return RecognitionEvent(
        at=row.at,
        actor=row.actor,
        credential_id=row.credential_id,
        action=row.action,
        why=row.why,
        organisation_id=row.issuer_id,
        counted=row.counted,
        counts_as=frozenset(row.counts_as),
        credits=credits_from(row.credits),
    )


class SqlRecognitionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _flush_or_conflict(self, message: str) -> None:
        # the unique constraint fails here, inside the use case, with a message that names it
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError(message) from None

    def add_issuer(self, entry: RecognisedIssuer) -> None:
        self._session.add(
            RecognisedIssuerRow(
                id=entry.id,
                issuer_id=entry.organisation_id,
                issuer=entry.issuer,
                name=entry.name,
                note=entry.note,
                created_at=entry.created_at,
            )
        )
        self._flush_or_conflict(f"issuer {entry.issuer} is already recognised")

    def issuers_of(self, organisation_id: str) -> list[RecognisedIssuer]:
        rows = self._session.scalars(
            select(RecognisedIssuerRow)
            .where(RecognisedIssuerRow.issuer_id == organisation_id)
            .order_by(RecognisedIssuerRow.created_at, RecognisedIssuerRow.id)
        )
        return [_issuer(row) for row in rows]

    def recognising(self, issuer: str) -> list[RecognisedIssuer]:
        rows = self._session.scalars(
            select(RecognisedIssuerRow)
            .where(RecognisedIssuerRow.issuer == issuer)
            .order_by(RecognisedIssuerRow.created_at, RecognisedIssuerRow.id)
        )
        return [_issuer(row) for row in rows]

    def remove_issuer(self, entry_id: str) -> None:
        self._session.execute(delete(RecognisedIssuerRow).where(RecognisedIssuerRow.id == entry_id))

    def add_equivalence(self, entry: Equivalence) -> None:
        credit = entry.credits
        self._session.add(
            EquivalenceRow(
                id=entry.id,
                issuer_id=entry.organisation_id,
                achievement_id=entry.achievement_id,
                foreign_achievement=entry.foreign_achievement,
                alignment=entry.alignment,
                credit_amount=None if credit is None else str(credit.amount),
                credit_unit=None if credit is None else credit.unit.value,
                created_at=entry.created_at,
            )
        )

    def equivalences_of(self, organisation_id: str) -> list[Equivalence]:
        rows = self._session.scalars(
            select(EquivalenceRow)
            .where(EquivalenceRow.issuer_id == organisation_id)
            .order_by(EquivalenceRow.created_at, EquivalenceRow.id)
        )
        return [_equivalence(row) for row in rows]

    def remove_equivalence(self, entry_id: str) -> None:
        self._session.execute(delete(EquivalenceRow).where(EquivalenceRow.id == entry_id))

    def record_change(self, change: RecognitionChange) -> None:
        self._session.add(
            RecognitionChangeRow(
                at=change.at,
                actor=change.actor,
                issuer_id=change.organisation_id,
                action=change.action,
                subject_id=change.subject_id,
                detail=change.detail,
            )
        )

    def changes(self, organisation_id: str) -> list[RecognitionChange]:
        rows = self._session.scalars(
            select(RecognitionChangeRow)
            .where(RecognitionChangeRow.issuer_id == organisation_id)
            .order_by(RecognitionChangeRow.id)
        )
        return [
            RecognitionChange(
                row.at, row.actor, row.issuer_id, row.action, row.subject_id, row.detail
            )
            for row in rows
        ]

    def add_credential(self, credential: ForeignCredential) -> None:
        self._session.add(
            ForeignCredentialRow(
                id=credential.id,
                user_id=credential.user_id,
                key=credential.key,
                text=credential.text,
                credential=dict(credential.credential),
                source=credential.source,
                added_at=credential.added_at,
                verification=credential.verification.data(),
            )
        )
        self._flush_or_conflict("you have added this credential already")

    def credential(self, credential_id: str) -> ForeignCredential | None:
        row = self._session.get(ForeignCredentialRow, credential_id)
        return None if row is None else _credential(row)

    def credentials_of(self, user_id: str) -> list[ForeignCredential]:
        rows = self._session.scalars(
            select(ForeignCredentialRow)
            .where(ForeignCredentialRow.user_id == user_id)
            .order_by(ForeignCredentialRow.added_at, ForeignCredentialRow.id)
        )
        return [_credential(row) for row in rows]

    def set_verification(self, credential_id: str, verification: Verification) -> None:
        row = self._session.get(ForeignCredentialRow, credential_id)
        if row is not None:
            row.verification = verification.data()

    def record(self, event: RecognitionEvent) -> None:
        self._session.flush()  # the credential it names may be pending in this session
        self._session.add(
            RecognitionEventRow(
                at=event.at,
                actor=event.actor,
                credential_id=event.credential_id,
                action=event.action,
                issuer_id=event.organisation_id,
                counted=event.counted,
                counts_as=sorted(event.counts_as),
                credits=credits_data(event.credits),
                why=event.why,
            )
        )

    def events(self, credential_id: str) -> list[RecognitionEvent]:
        rows = self._session.scalars(
            select(RecognitionEventRow)
            .where(RecognitionEventRow.credential_id == credential_id)
            .order_by(RecognitionEventRow.id)
        )
        return [_event(row) for row in rows]

    def last_decision(self, credential_id: str, organisation_id: str) -> RecognitionEvent | None:
        row = self._session.scalars(
            select(RecognitionEventRow)
            .where(
                RecognitionEventRow.credential_id == credential_id,
                RecognitionEventRow.issuer_id == organisation_id,
                RecognitionEventRow.action == "decided",
            )
            .order_by(RecognitionEventRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _event(row)
