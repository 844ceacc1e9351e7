"""The webhooks API: an organisation's admins register the URLs that receive its events.

Under ``/api/v1/organisations/{issuer_id}/webhooks``, scope ``organisation:admin`` (owners
have it). The secret is shown once, when the webhook is made or its secret rotated. Another
organisation's webhook is 404 here, as for credentials.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from credstack.adapters.webhook_dispatcher import WebhookDispatcher
from credstack.domain.webhooks import EVENT_TYPES, Delivery, Subscription
from credstack.services.accounts import require
from credstack.services.webhooks import (
    delete_webhook,
    list_webhooks,
    register_webhook,
    rotate_secret,
    send_test,
    show_webhook,
    webhook_deliveries,
)
from credstack.web.auth import Caller, deps_of
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}/webhooks", tags=["Webhooks"])
SCOPE = "organisation:admin"


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="https URL that receives the events")
    events: list[str] = Field(
        min_length=1, max_length=len(EVENT_TYPES), description=f"of {', '.join(EVENT_TYPES)}"
    )
    description: str | None = Field(default=None, max_length=500)


def _webhook_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "url": subscription.url,
        "events": sorted(subscription.events),
        "description": subscription.description,
        "createdAt": subscription.created_at.isoformat(),
        "active": subscription.active,
        "disabledAt": subscription.disabled_at.isoformat() if subscription.disabled_at else None,
        "disabledReason": subscription.disabled_reason,
    }


def _delivery_out(delivery: Delivery) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": delivery.id,
        "eventId": delivery.event_id,
        "event": delivery.event_type,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "lastAttemptAt": when(delivery.last_attempt_at),
        "statusCode": delivery.last_status,
        "error": delivery.last_error,
        "nextAttemptAt": when(delivery.next_attempt_at),
        "createdAt": when(delivery.created_at),
    }


@router.post("", status_code=201, summary="Register a URL for events (the secret is shown once)")
def create(request: Request, issuer_id: str, caller: Caller, body: WebhookIn) -> Response:
    require(caller, issuer_id, SCOPE)
    subscription, secret = register_webhook(
        deps_of(request),
        issuer_id,
        url=body.url,
        events=body.events,
        description=body.description,
    )
    location = f"{request.url.path}/{subscription.id}"
    return json_response(
        {**_webhook_out(subscription), "secret": secret}, 201, {"Location": location}
    )


@router.get("", summary="The organisation's webhooks")
def index(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, SCOPE)
    return json_response([_webhook_out(s) for s in list_webhooks(deps_of(request), issuer_id)])


@router.get("/{webhook_id}", summary="One webhook")
def show(request: Request, issuer_id: str, webhook_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, SCOPE)
    return json_response(_webhook_out(show_webhook(deps_of(request), issuer_id, webhook_id)))


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook")
def remove(request: Request, issuer_id: str, webhook_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, SCOPE)
    delete_webhook(deps_of(request), issuer_id, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="A new secret (shown once); the old one also signs for 24 hours",
)
def rotate(request: Request, issuer_id: str, webhook_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, SCOPE)
    secret = rotate_secret(deps_of(request), issuer_id, webhook_id)
    return json_response({"id": webhook_id, "secret": secret})


@router.get("/{webhook_id}/deliveries", summary="Recent deliveries and how their attempts went")
def deliveries(
    request: Request,
    issuer_id: str,
    webhook_id: str,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    require(caller, issuer_id, SCOPE)
    found = webhook_deliveries(deps_of(request), issuer_id, webhook_id, limit)
    return json_response([_delivery_out(d) for d in found])


@router.post("/{webhook_id}/test", status_code=202, summary="Send a ping event to the webhook")
def test(request: Request, issuer_id: str, webhook_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, SCOPE)
    delivery = send_test(deps_of(request), issuer_id, webhook_id)
    dispatcher: WebhookDispatcher | None = request.app.state.webhook_dispatcher
    if dispatcher is not None:
        dispatcher.wake()
    return json_response(_delivery_out(delivery), 202)
