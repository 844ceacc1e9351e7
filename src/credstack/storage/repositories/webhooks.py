"""Webhook subscriptions, the event outbox and deliveries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.webhooks import (
    Delivery,
    DeliveryState,
    Event,
    SealedSecrets,
    Subscription,
)
from credstack.storage.bulk_insert import insert_rows
from credstack.storage.rows import WebhookDeliveryRow, WebhookEventRow, WebhookSubscriptionRow

__all__ = ["SqlWebhookRepository"]

_EVENTS = cast(Table, WebhookEventRow.__table__)
_DELIVERIES = cast(Table, WebhookDeliveryRow.__table__)


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        issuer_id=row.issuer_id,
        url=row.url,
        events=frozenset(filter(None, row.events.split(" "))),
        description=row.description,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
    )


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        event_id=row.event_id,
        subscription_id=row.subscription_id,
        event_type=row.event_type,
        created_at=row.created_at,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
    )


def _delivery_columns(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "subscription_id": delivery.subscription_id,
        "event_type": delivery.event_type,
        "created_at": delivery.created_at,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "lease_until": None,
        "lease_token": None,
    }


class SqlWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, subscription_id: str) -> WebhookSubscriptionRow:
        row = self._session.get(WebhookSubscriptionRow, subscription_id)
        if row is None:
            raise NotFoundError(f"no webhook {subscription_id}")
        return row

    def add_subscription(self, subscription: Subscription, secrets: SealedSecrets) -> None:
        self._session.add(
            WebhookSubscriptionRow(
                id=subscription.id,
                issuer_id=subscription.issuer_id,
                url=subscription.url,
                events=" ".join(sorted(subscription.events)),
                description=subscription.description,
                sealed_secret=secrets.current,
                previous_sealed_secret=secrets.previous,
                previous_until=secrets.previous_until,
                created_at=subscription.created_at,
                disabled_at=subscription.disabled_at,
                disabled_reason=subscription.disabled_reason,
            )
        )

    def subscription(self, subscription_id: str) -> Subscription:
        return _subscription(self._row(subscription_id))

    def subscriptions(self, issuer_id: str | None = None) -> list[Subscription]:
        query = select(WebhookSubscriptionRow).order_by(
            WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id
        )
        if issuer_id is not None:
            query = query.where(WebhookSubscriptionRow.issuer_id == issuer_id)
        return [_subscription(row) for row in self._session.scalars(query)]

    def subscribers(self, issuer_id: str, event_type: str) -> list[str]:
        # Asked after the change it reports is added (issue_award): no autoflush, so that a
        # clash of that change still surfaces at commit, where it becomes a ConflictError
        # that names the learner, and not here as a bare IntegrityError.
        with self._session.no_autoflush:
            rows = self._session.execute(
                select(WebhookSubscriptionRow.id, WebhookSubscriptionRow.events)
                .where(
                    WebhookSubscriptionRow.issuer_id == issuer_id,
                    WebhookSubscriptionRow.disabled_at.is_(None),
                )
                .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id)
            ).all()
        return [id for id, events in rows if event_type in events.split(" ")]

    def secrets(self, subscription_id: str) -> SealedSecrets:
        row = self._row(subscription_id)
        return SealedSecrets(row.sealed_secret, row.previous_sealed_secret, row.previous_until)

    def set_secrets(self, subscription_id: str, secrets: SealedSecrets) -> None:
        row = self._row(subscription_id)
        row.sealed_secret = secrets.current
        row.previous_sealed_secret = secrets.previous
        row.previous_until = secrets.previous_until

    def disable(self, subscription_id: str, at: dt.datetime, reason: str) -> None:
        row = self._row(subscription_id)
        row.disabled_at = at
        row.disabled_reason = reason
        self._session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.state == DeliveryState.PENDING.value,
            )
            .values(
                state=DeliveryState.FAILED.value,
                next_attempt_at=None,
                last_error=reason,
                lease_until=None,
                lease_token=None,
            )
        )

    def delete_subscription(self, subscription_id: str) -> None:
        row = self._row(subscription_id)
        self._session.execute(
            delete(WebhookDeliveryRow).where(WebhookDeliveryRow.subscription_id == subscription_id)
        )
        self._session.delete(row)

    def add_events(self, events: Sequence[Event], deliveries: Sequence[Delivery]) -> None:
        if not events:
            return
        # Core inserts on the session's connection: a cohort's batch of events costs two
        # statements, not one ORM object per row
        self._session.flush()
        connection = self._session.connection()
        try:
            self._insert(connection, events, deliveries)
        except IntegrityError as error:
            # the statements run now, not at commit: the clash is reported here, as commit would
            self._session.rollback()
            detail = str(error.orig).strip().splitlines()[0] if error.orig else "constraint"
            raise ConflictError(f"conflicts with what is stored: {detail}") from None

    @staticmethod
    def _insert(
        connection: Connection, events: Sequence[Event], deliveries: Sequence[Delivery]
    ) -> None:
        insert_rows(
            connection,
            _EVENTS,
            [
                {
                    "id": e.id,
                    "issuer_id": e.issuer_id,
                    "type": e.type,
                    "occurred_at": e.occurred_at,
                    "body": e.body,
                }
                for e in events
            ],
        )
        if deliveries:
            insert_rows(connection, _DELIVERIES, [_delivery_columns(d) for d in deliveries])

    def event(self, event_id: str) -> Event:
        row = self._session.get(WebhookEventRow, event_id)
        if row is None:
            raise NotFoundError(f"no webhook event {event_id}")
        return Event(row.id, row.issuer_id, row.type, row.occurred_at, row.body)

    def deliveries(self, subscription_id: str, limit: int = 50) -> list[Delivery]:
        rows = self._session.scalars(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription_id)
            .order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in rows]

    def _due(self, now: dt.datetime) -> Any:
        return (
            WebhookDeliveryRow.state == DeliveryState.PENDING.value,
            WebhookDeliveryRow.next_attempt_at <= now,
            or_(WebhookDeliveryRow.lease_until.is_(None), WebhookDeliveryRow.lease_until <= now),
        )

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, token: str, limit: int
    ) -> list[Delivery]:
        candidates = list(
            self._session.scalars(
                select(WebhookDeliveryRow.id)
                .where(*self._due(now))
                .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
                .limit(limit)
            )
        )
        claimed: list[Delivery] = []
        for delivery_id in candidates:
            # Compare-and-set: the row is taken only if it is still due and unleased. Another
            # dispatcher's concurrent update makes this one match no row (PostgreSQL
            # re-checks the condition on the row it waited for; SQLite serialises writers).
            moved = self._session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery_id, *self._due(now))
                .values(lease_until=lease_until, lease_token=token)
                .execution_options(synchronize_session=False)
            )
            if moved.rowcount:  # type: ignore[attr-defined]
                row = self._session.get(WebhookDeliveryRow, delivery_id, populate_existing=True)
                assert row is not None
                claimed.append(_delivery(row))
        return claimed

    def finish(self, delivery: Delivery, token: str) -> bool:
        columns = _delivery_columns(delivery)
        for fixed in ("id", "event_id", "subscription_id", "event_type", "created_at"):
            del columns[fixed]
        moved = self._session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id == delivery.id, WebhookDeliveryRow.lease_token == token)
            .values(**columns)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]
