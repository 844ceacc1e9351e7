"""Webhooks: register, list, delete and rotate an organisation's subscriptions, and write
the events of credential changes into the outbox.

The outbox is transactional: ``record_event`` / ``record_events`` add the event and one
delivery per subscribed URL to the unit of work of the change they report, so an event
exists exactly when its change was committed. Nothing is sent here: the dispatcher
(``services.webhook_delivery``) sends what is due, later, so a slow receiver never slows
or fails the request that made the event.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from credstack.domain.awards import Award
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.domain.status import StatusAction
from credstack.domain.webhooks import (
    PING,
    Delivery,
    Event,
    SealedSecrets,
    Subscription,
    check_events,
    check_url,
    encode_secret,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = [
    "ROTATION_OVERLAP",
    "STATUS_EVENTS",
    "credential_payload",
    "delete_webhook",
    "list_webhooks",
    "new_event",
    "record_event",
    "record_events",
    "register_webhook",
    "rotate_secret",
    "send_test",
    "show_webhook",
    "webhook_deliveries",
]

#: the event each status change reports
STATUS_EVENTS = {
    StatusAction.REVOKE: "credential.revoked",
    StatusAction.SUSPEND: "credential.suspended",
    StatusAction.UNSUSPEND: "credential.unsuspended",
}
#: after a rotation, the old secret signs too for this long (receivers switch meanwhile)
ROTATION_OVERLAP = dt.timedelta(hours=24)
#: 32 random bytes: the specification asks for 24 at least
_SECRET_BYTES = 32


def _vault_id(subscription_id: str) -> str:
    return f"webhook:{subscription_id}"


def _new_secret(deps: ServiceDeps, subscription_id: str) -> tuple[bytes, str]:
    key = secrets.token_bytes(_SECRET_BYTES)
    return deps.vault.seal(_vault_id(subscription_id), key), encode_secret(key)


def open_secrets(deps: ServiceDeps, subscription_id: str, sealed: Sequence[bytes]) -> list[bytes]:
    """The HMAC keys of a subscription, unsealed (for signing only)."""
    return [deps.vault.open(_vault_id(subscription_id), s) for s in sealed]


def register_webhook(
    deps: ServiceDeps,
    issuer_id: str,
    *,
    url: str,
    events: Collection[str],
    description: str | None = None,
) -> tuple[Subscription, str]:
    """A new subscription and its secret (``whsec_...``: shown this once, stored sealed).

    Raises ``InvalidInputError`` for a URL events may not go to (``domain.webhooks.check_url``)
    or an unknown event type, ``NotFoundError`` for an unknown organisation.
    """
    checked_url = check_url(url, allow_local=deps.webhooks_allow_local)
    chosen = check_events(events)
    subscription = Subscription(
        id=str(uuid.uuid4()),
        issuer_id=issuer_id,
        url=checked_url,
        events=chosen,
        description=(description or "").strip() or None,
        created_at=deps.clock.now(),
    )
    sealed, shown = _new_secret(deps, subscription.id)
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        uow.webhooks.add_subscription(subscription, SealedSecrets(sealed))
        uow.commit()
    return subscription, shown


def _own(uow: UnitOfWork, issuer_id: str, subscription_id: str) -> Subscription:
    """The organisation's subscription; another organisation's is ``NotFoundError`` too."""
    try:
        subscription = uow.webhooks.subscription(subscription_id)
    except NotFoundError:
        subscription = None
    if subscription is None or subscription.issuer_id != issuer_id:
        raise NotFoundError(f"no webhook {subscription_id}")
    return subscription


def list_webhooks(deps: ServiceDeps, issuer_id: str | None = None) -> list[Subscription]:
    with deps.uow() as uow:
        return uow.webhooks.subscriptions(issuer_id)


def show_webhook(deps: ServiceDeps, issuer_id: str, subscription_id: str) -> Subscription:
    with deps.uow() as uow:
        return _own(uow, issuer_id, subscription_id)


def delete_webhook(deps: ServiceDeps, issuer_id: str, subscription_id: str) -> None:
    """Remove the subscription and its deliveries (pending ones are not sent)."""
    with deps.uow() as uow:
        _own(uow, issuer_id, subscription_id)
        uow.webhooks.delete_subscription(subscription_id)
        uow.commit()


def rotate_secret(deps: ServiceDeps, issuer_id: str, subscription_id: str) -> str:
    """A new secret (shown once); the old one keeps signing beside it for
    ``ROTATION_OVERLAP``, so a receiver can switch without losing a delivery."""
    sealed, shown = _new_secret(deps, subscription_id)
    with deps.uow() as uow:
        _own(uow, issuer_id, subscription_id)
        old = uow.webhooks.secrets(subscription_id)
        until = deps.clock.now() + ROTATION_OVERLAP
        uow.webhooks.set_secrets(subscription_id, SealedSecrets(sealed, old.current, until))
        uow.commit()
    return shown


def webhook_deliveries(
    deps: ServiceDeps, issuer_id: str, subscription_id: str, limit: int = 50
) -> list[Delivery]:
    with deps.uow() as uow:
        _own(uow, issuer_id, subscription_id)
        return uow.webhooks.deliveries(subscription_id, limit)


def new_event(issuer_id: str, type: str, at: dt.datetime, data: dict[str, Any]) -> Event:
    """An event with a fresh id (``msg_`` + 32 hex digits: no '.', as signing requires) and
    its body, the compact JSON every receiver gets (the Standard Webhooks payload shape)."""
    body = {"type": type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Event(f"msg_{uuid.uuid4().hex}", issuer_id, type, at, text)


def _recipient(award: Award) -> dict[str, Any]:
    """The recipient as the credential names it: the salted e-mail hash (with its salt) or
    the DID, never the e-mail address itself (decision 0019: the organisation's systems
    know the address; an event that travels through logs and automation tools should not)."""
    if award.recipient.did is not None:
        return {"type": "did", "id": award.recipient.did}
    subject = json.loads(award.credential).get("credentialSubject", {})
    identifiers = subject.get("identifier") or []
    for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(identifier, dict) and identifier.get("identityType") == "emailAddress":
            return {
                "type": "emailAddress",
                "hashed": True,
                "identityHash": identifier.get("identityHash"),
                "salt": identifier.get("salt"),
            }
    return {"type": "emailAddress", "hashed": True, "identityHash": None, "salt": None}


def credential_payload(
    deps: ServiceDeps, award: Award, reason: str | None = None
) -> dict[str, Any]:
    """The ``data`` of a credential event: ids and links, no personal data but the
    credential's own recipient hash."""
    data: dict[str, Any] = {
        "awardId": award.id,
        "credentialId": award.credential_id,
        "credentialUrl": f"{deps.public_url}/credentials/{award.id}",
        "achievementId": award.achievement_id,
        "achievementVersion": award.achievement_version,
        "recipient": _recipient(award),
    }
    if reason is not None:
        data["reason"] = reason
    return data


def _deliveries(event: Event, subscribers: Sequence[str]) -> list[Delivery]:
    return [
        Delivery(
            id=str(uuid.uuid4()),
            event_id=event.id,
            subscription_id=subscription_id,
            event_type=event.type,
            created_at=event.occurred_at,
            next_attempt_at=event.occurred_at,
        )
        for subscription_id in subscribers
    ]


def record_events(
    uow: UnitOfWork, events: Sequence[Event], subscribers: Sequence[str] | None = None
) -> None:
    """Put events (all of one organisation and type) in the outbox of ``uow``, with one
    delivery per active subscription to their type; none when nobody subscribed.
    ``subscribers``: the subscription ids, when the caller looked them up already (a cohort
    looks once per run)."""
    if not events:
        return
    if subscribers is None:
        subscribers = uow.webhooks.subscribers(events[0].issuer_id, events[0].type)
    if not subscribers:
        return
    deliveries = [d for event in events for d in _deliveries(event, subscribers)]
    uow.webhooks.add_events(events, deliveries)


def record_event(
    uow: UnitOfWork,
    deps: ServiceDeps,
    type: str,
    award: Award,
    *,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """The event of one change to ``award``, in the change's own unit of work."""
    data = credential_payload(deps, award, reason)
    record_events(uow, [new_event(award.issuer_id, type, at or deps.clock.now(), data)])


def send_test(deps: ServiceDeps, issuer_id: str, subscription_id: str) -> Delivery:
    """Queue a ``ping`` event to this one subscription (sent by the dispatcher at once)."""
    now = deps.clock.now()
    with deps.uow() as uow:
        subscription = _own(uow, issuer_id, subscription_id)
        if not subscription.active:
            raise ConflictError(f"webhook {subscription_id} is disabled")
        event = new_event(issuer_id, PING, now, {"webhookId": subscription_id})
        (delivery,) = _deliveries(event, [subscription_id])
        uow.webhooks.add_events([event], [delivery])
        uow.commit()
    return delivery
