"""The background dispatcher: a thread that runs ``deliver_due`` every few seconds.

The web service starts one per server process (``web.app`` lifespan) and stops it on
shutdown; leases (``services.webhook_delivery``) keep several of them from sending one
delivery twice. It never touches a request: an event waits in the outbox until this thread
(or ``credstack webhooks deliver``) sends it.
"""

from __future__ import annotations

from credstack.adapters.periodic import Periodic
from credstack.services.deps import ServiceDeps
from credstack.services.ports import WebhookSender
from credstack.services.webhook_delivery import deliver_due

__all__ = ["WebhookDispatcher"]


class WebhookDispatcher(Periodic):
    """Sends due deliveries every ``interval`` seconds (at once after ``wake``)."""

    def __init__(self, deps: ServiceDeps, sender: WebhookSender, *, interval: float = 2.0) -> None:
        def step() -> bool:
            run = deliver_due(deps, sender)
            return bool(run.delivered or run.retried or run.failed)

        super().__init__("webhooks", step, interval=interval)
