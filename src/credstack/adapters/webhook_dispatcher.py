"""The background dispatcher: a thread that runs ``deliver_due`` every few seconds.

The web service starts one per server process (``web.app`` lifespan) and stops it on
shutdown; leases (``services.webhook_delivery``) keep several of them from sending one
delivery twice. It never touches a request: an event waits in the outbox until this thread
(or ``credstack webhooks deliver``) sends it. Errors are logged and the loop goes on.
"""

from __future__ import annotations

import logging
import threading

from credstack.services.deps import ServiceDeps
from credstack.services.ports import WebhookSender
from credstack.services.webhook_delivery import deliver_due

__all__ = ["WebhookDispatcher"]

_log = logging.getLogger("credstack.webhooks")


class WebhookDispatcher:
    """``start`` / ``stop`` a thread that sends due deliveries every ``interval`` seconds
    (at once after ``wake``)."""

    def __init__(self, deps: ServiceDeps, sender: WebhookSender, *, interval: float = 2.0) -> None:
        self._deps = deps
        self._sender = sender
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="credstack-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for it (an attempt under way finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look for due deliveries now (e.g. right after a test event was queued)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set():
                    run = deliver_due(self._deps, self._sender)
                    if not (run.delivered or run.retried or run.failed):
                        break  # nothing was due: wait; a full batch: look again at once
            except Exception:
                _log.exception("webhook delivery step failed; trying again later")
            self._wake.wait(self._interval)
            self._wake.clear()
