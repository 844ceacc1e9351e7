"""Integrations, reported completions and their log (``domain.completions``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.completions import Completion, CompletionEvent, Integration
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.webhooks import SealedSecrets
from credstack.storage.rows import CompletionEventRow, CompletionRow, IntegrationRow

__all__ = ["SqlCompletionRepository"]

_COMPLETION_FIELDS = (
    "id", "issuer_id", "offering_id", "requirement_id", "user_id", "system", "external_id",
    "completed_at", "reported_by", "recorded_at", "score", "grade", "url",
)  # fmt: skip


def _integration(row: IntegrationRow) -> Integration:
    return Integration(row.issuer_id, row.name, row.created_at, row.rotated_at, row.disabled_at)


def _completion(row: CompletionRow) -> Completion:
    return Completion(**{name: getattr(row, name) for name in _COMPLETION_FIELDS})


class SqlCompletionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_integration(self, integration: Integration, secrets: SealedSecrets) -> None:
        self._session.add(
            IntegrationRow(
                issuer_id=integration.issuer_id,
                name=integration.name,
                sealed_secret=secrets.current,
                previous_sealed_secret=secrets.previous,
                previous_until=secrets.previous_until,
                created_at=integration.created_at,
                rotated_at=integration.rotated_at,
                disabled_at=integration.disabled_at,
            )
        )

    def _row(self, issuer_id: str, name: str) -> IntegrationRow | None:
        return self._session.get(IntegrationRow, (issuer_id, name))

    def integration(self, issuer_id: str, name: str) -> Integration | None:
        row = self._row(issuer_id, name)
        return None if row is None else _integration(row)

    def integration_secrets(self, issuer_id: str, name: str) -> SealedSecrets:
        row = self._row(issuer_id, name)
        if row is None:
            raise NotFoundError(f"no integration '{name}'")
        return SealedSecrets(row.sealed_secret, row.previous_sealed_secret, row.previous_until)

    def integrations(self, issuer_id: str) -> list[Integration]:
        rows = self._session.scalars(
            select(IntegrationRow)
            .where(IntegrationRow.issuer_id == issuer_id)
            .order_by(IntegrationRow.name)
        )
        return [_integration(row) for row in rows]

    def set_integration(
        self, integration: Integration, secrets: SealedSecrets | None = None
    ) -> None:
        row = self._row(integration.issuer_id, integration.name)
        if row is None:
            raise NotFoundError(f"no integration '{integration.name}'")
        row.rotated_at = integration.rotated_at
        row.disabled_at = integration.disabled_at
        if secrets is not None:
            row.sealed_secret = secrets.current
            row.previous_sealed_secret = secrets.previous
            row.previous_until = secrets.previous_until

    def add(self, completion: Completion) -> None:
        self._session.add(
            CompletionRow(**{name: getattr(completion, name) for name in _COMPLETION_FIELDS})
        )
        # the unique (system, issuer, external id) fails here, where the caller can answer
        # with the record that won, not at commit
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError(
                f"{completion.system} reported completion '{completion.external_id}' already"
            ) from None

    def by_external_id(self, issuer_id: str, system: str, external_id: str) -> Completion | None:
        row = self._session.scalars(
            select(CompletionRow).where(
                CompletionRow.system == system,
                CompletionRow.issuer_id == issuer_id,
                CompletionRow.external_id == external_id,
            )
        ).first()
        return None if row is None else _completion(row)

    def for_learner(self, offering_id: str, user_id: str) -> list[Completion]:
        rows = self._session.scalars(
            select(CompletionRow)
            .where(CompletionRow.offering_id == offering_id, CompletionRow.user_id == user_id)
            .order_by(CompletionRow.completed_at, CompletionRow.recorded_at, CompletionRow.id)
        )
        return [_completion(row) for row in rows]

    def record(self, event: CompletionEvent) -> None:
        self._session.flush()  # the completion it names may be pending in this session
        self._session.add(
            CompletionEventRow(
                at=event.at,
                issuer_id=event.issuer_id,
                actor=event.actor,
                action=event.action,
                system=event.system,
                completion_id=event.completion_id,
                detail=event.detail,
            )
        )

    def events(self, issuer_id: str) -> list[CompletionEvent]:
        rows = self._session.scalars(
            select(CompletionEventRow)
            .where(CompletionEventRow.issuer_id == issuer_id)
            .order_by(CompletionEventRow.at, CompletionEventRow.id)
        )
        return [
            CompletionEvent(
                row.at,
                row.issuer_id,
                row.actor,
                row.action,
                row.system,
                row.completion_id,
                row.detail,
            )
            for row in rows
        ]
