"""SQLAlchemy implementations of the repository ports: rows in, domain objects out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.awards import Award, Recipient
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.issuers import Address, Issuer, SigningKeyRecord
from credstack.domain.status import AuditEvent, CredentialState, StatusAction, StatusList
from credstack.storage.rows import (
    AchievementRow,
    AchievementVersionRow,
    AuditEventRow,
    AwardRow,
    IssuerRow,
    SigningKeyRow,
    StatusListRow,
)

__all__ = [
    "SqlAchievementRepository",
    "SqlAuditRepository",
    "SqlAwardRepository",
    "SqlIssuerRepository",
    "SqlKeyRepository",
    "SqlStatusListRepository",
]


def _issuer_profile(issuer: Issuer) -> dict[str, Any]:
    a = issuer.address
    return {
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image_url": issuer.image_url,
        "address": {
            "country_code": a.country_code,
            "country": a.country,
            "region": a.region,
            "locality": a.locality,
            "postal_code": a.postal_code,
            "street_address": a.street_address,
        },
    }


def _issuer(row: IssuerRow) -> Issuer:
    profile = row.profile
    return Issuer(
        id=row.id,
        name=row.name,
        did=row.did,
        address=Address(**profile["address"]),
        created_at=row.created_at,
        url=profile.get("url"),
        email=profile.get("email"),
        description=profile.get("description"),
        image_url=profile.get("image_url"),
        domain=row.domain,
    )


class SqlIssuerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, issuer: Issuer) -> None:
        if self._session.get(IssuerRow, issuer.id) is not None:
            raise ConflictError(f"issuer '{issuer.id}' exists already")
        self._session.add(
            IssuerRow(
                id=issuer.id,
                name=issuer.name,
                did=issuer.did,
                domain=issuer.domain,
                profile=_issuer_profile(issuer),
                created_at=issuer.created_at,
            )
        )
        self._session.flush()

    def find(self, issuer_id: str) -> Issuer | None:
        row = self._session.get(IssuerRow, issuer_id)
        return None if row is None else _issuer(row)

    def get(self, issuer_id: str) -> Issuer:
        issuer = self.find(issuer_id)
        if issuer is None:
            raise NotFoundError(f"no issuer '{issuer_id}'")
        return issuer

    def update(self, issuer: Issuer) -> None:
        row = self._session.get(IssuerRow, issuer.id)
        if row is None:
            raise NotFoundError(f"no issuer '{issuer.id}'")
        row.name, row.did, row.domain = issuer.name, issuer.did, issuer.domain
        row.profile = _issuer_profile(issuer)
        self._session.flush()

    def list(self) -> list[Issuer]:
        rows = self._session.scalars(select(IssuerRow).order_by(IssuerRow.id))
        return [_issuer(row) for row in rows]


def _key(row: SigningKeyRow) -> SigningKeyRecord:
    return SigningKeyRecord(
        id=row.id,
        issuer_id=row.issuer_id,
        verification_method=row.verification_method,
        controller=row.controller,
        public_multibase=row.public_multibase,
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


class SqlKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: SigningKeyRecord, sealed: bytes) -> None:
        self._session.add(
            SigningKeyRow(
                id=record.id,
                issuer_id=record.issuer_id,
                verification_method=record.verification_method,
                controller=record.controller,
                public_multibase=record.public_multibase,
                sealed_secret=sealed,
                created_at=record.created_at,
                retired_at=record.retired_at,
            )
        )
        self._session.flush()

    def active(self, issuer_id: str) -> tuple[SigningKeyRecord, bytes]:
        row = self._session.scalars(
            select(SigningKeyRow)
            .where(SigningKeyRow.issuer_id == issuer_id, SigningKeyRow.retired_at.is_(None))
            .order_by(SigningKeyRow.created_at.desc())
        ).first()
        if row is None:
            raise NotFoundError(f"issuer '{issuer_id}' has no active signing key")
        return _key(row), row.sealed_secret

    def get(self, key_id: str) -> tuple[SigningKeyRecord, bytes]:
        row = self._session.get(SigningKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"no signing key '{key_id}'")
        return _key(row), row.sealed_secret

    def for_issuer(self, issuer_id: str) -> list[SigningKeyRecord]:
        rows = self._session.scalars(
            select(SigningKeyRow)
            .where(SigningKeyRow.issuer_id == issuer_id)
            .order_by(SigningKeyRow.created_at, SigningKeyRow.id)
        )
        return [_key(row) for row in rows]

    def retire(self, key_id: str, at: dt.datetime) -> None:
        self._session.execute(
            update(SigningKeyRow).where(SigningKeyRow.id == key_id).values(retired_at=at)
        )


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
    )


class SqlAwardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, award: Award) -> None:
        self._session.add(
            AwardRow(
                id=award.id,
                credential_id=award.credential_id,
                issuer_id=award.issuer_id,
                achievement_id=award.achievement_id,
                achievement_version=award.achievement_version,
                recipient_kind=award.recipient.kind,
                recipient=award.recipient.identifier,
                recipient_key=award.recipient.identifier.lower(),
                recipient_name=award.recipient.name,
                source_key=award.source_key,
                signing_key_id=award.signing_key_id,
                issued_at=award.issued_at,
                valid_until=award.valid_until,
                credential=award.credential,
                jwt=award.jwt,
                status_list_id=award.status_list_id,
                status_index=award.status_index,
                renewed_from=award.renewed_from,
            )
        )

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
        self, *, issuer_id: str | None = None, achievement_id: str | None = None
    ) -> Iterator[Award]:
        query = select(AwardRow).order_by(AwardRow.issued_at, AwardRow.id)
        if issuer_id is not None:
            query = query.where(AwardRow.issuer_id == issuer_id)
        if achievement_id is not None:
            query = query.where(AwardRow.achievement_id == achievement_id)
        for row in self._session.scalars(query.execution_options(yield_per=500)):
            yield _award(row)

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
