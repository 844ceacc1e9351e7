"""Sending what the outbox holds: take due deliveries under a lease, sign, POST, record.

``deliver_due`` is one step of the dispatcher (the web service runs it in a background
thread, ``credstack webhooks deliver`` once). A delivery is leased by a compare-and-set
before it is sent, so several server processes never send one twice at once; the outcome
is recorded only while the lease is still held. 2xx is delivered; 410 Gone disables the
subscription; anything else is retried on the schedule of ``domain.webhooks.next_attempt``
until it gives up (failed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable

from credstack.domain.errors import NotFoundError
from credstack.domain.webhooks import (
    Delivery,
    DeliveryState,
    SendResult,
    next_attempt,
    signature_header,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ports import WebhookSender
from credstack.services.webhooks import open_secrets

__all__ = ["ATTEMPT_ALLOWANCE", "LEASE", "DeliveryRun", "deliver_due"]

_log = logging.getLogger("credstack.webhooks")

#: how long a dispatcher holds what it took, at least; a lease must outlast the batch's
#: sends (each up to the sender's timeout, 15 s), so it is ``ATTEMPT_ALLOWANCE`` per
#: delivery when that is longer: a lease runs out only when its holder died
LEASE = dt.timedelta(minutes=5)
ATTEMPT_ALLOWANCE = dt.timedelta(seconds=30)
USER_AGENT = "credstack-webhooks/0.1"


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryRun:
    """What one step did: how many were delivered, will be retried, or failed for good."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0

    def __add__(self, other: DeliveryRun) -> DeliveryRun:
        return DeliveryRun(
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.failed + other.failed,
        )


def deliver_due(
    deps: ServiceDeps,
    sender: WebhookSender,
    *,
    limit: int = 10,
    jitter: Callable[[], float] = random.random,
) -> DeliveryRun:
    """Send up to ``limit`` deliveries that are due now, one attempt each."""
    now = deps.clock.now()
    token = str(uuid.uuid4())
    with deps.uow() as uow:
        lease = max(LEASE, limit * ATTEMPT_ALLOWANCE)
        claimed = uow.webhooks.claim_due(now, now + lease, token, limit)
        uow.commit()
    run = DeliveryRun()
    for delivery in claimed:
        run += _attempt(deps, sender, delivery, token, jitter)
    return run


def _attempt(
    deps: ServiceDeps,
    sender: WebhookSender,
    delivery: Delivery,
    token: str,
    jitter: Callable[[], float],
) -> DeliveryRun:
    try:
        with deps.uow() as uow:
            subscription = uow.webhooks.subscription(delivery.subscription_id)
            event = uow.webhooks.event(delivery.event_id)
            sealed = uow.webhooks.secrets(delivery.subscription_id)
    except NotFoundError:  # the webhook was deleted since the delivery was taken
        return DeliveryRun()
    now = deps.clock.now()
    if not subscription.active:
        result = SendResult(None, "the webhook is disabled")
    else:
        body = event.body.encode("utf-8")
        timestamp = int(now.timestamp())
        keys = open_secrets(deps, subscription.id, sealed.valid(now))
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": event.id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(keys, event.id, timestamp, body),
        }
        try:
            result = sender.send(subscription.url, headers, body)
        except Exception as error:  # a sender must not raise; if it does, it is a failure
            _log.exception("webhook sender failed")
            result = SendResult(None, f"could not send: {type(error).__name__}")
    return _record(deps, delivery, token, result, now, jitter(), subscription.active)


def _record(
    deps: ServiceDeps,
    delivery: Delivery,
    token: str,
    result: SendResult,
    now: dt.datetime,
    jitter: float,
    active: bool,
) -> DeliveryRun:
    attempts = delivery.attempts + 1
    gone = result.status == 410
    if result.delivered:
        state, retry = DeliveryState.DELIVERED, None
    elif gone or not active:
        state, retry = DeliveryState.FAILED, None
    else:
        retry = next_attempt(attempts, now, jitter, result.retry_after)
        state = DeliveryState.PENDING if retry is not None else DeliveryState.FAILED
    error = result.error
    if gone:
        error = "410 Gone: the receiver asked to stop; the webhook is disabled"
    outcome = dataclasses.replace(
        delivery,
        state=state,
        attempts=attempts,
        next_attempt_at=retry,
        last_attempt_at=now,
        last_status=result.status,
        last_error=None if error is None else error[:500],
    )
    with deps.uow() as uow:
        if not uow.webhooks.finish(outcome, token):
            # the lease ran out and another dispatcher took it: its attempt counts
            return DeliveryRun()
        if gone:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile
                uow.webhooks.disable(delivery.subscription_id, now, "410 Gone from the receiver")
        uow.commit()
    if state is DeliveryState.DELIVERED:
        return DeliveryRun(delivered=1)
    if state is DeliveryState.PENDING:
        return DeliveryRun(retried=1)
    return DeliveryRun(failed=1)
