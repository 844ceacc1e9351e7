"""Issuers and their signing keys (sealed secrets stay sealed here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.issuers import Address, Issuer, SigningKeyRecord
from credstack.storage.rows import IssuerRow, SigningKeyRow

__all__ = ["SqlIssuerRepository", "SqlKeyRepository"]


def _issuer_profile(issuer: Issuer) -> dict[str, Any]:
    return {
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image_url": issuer.image_url,
        "address": dataclasses.asdict(issuer.address),
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
