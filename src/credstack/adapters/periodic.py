"""A background thread that runs one step of work every few seconds, until stopped.

The web service keeps a few of these per server process (webhook deliveries, the earning
settler): each step is a use case that claims its own work safely (leases, compare-and-set),
so any number of processes may run them side by side. Errors are logged and the loop goes
on: a step that fails now is tried again at the next tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["Periodic"]


class Periodic:
    """``start`` / ``stop`` a thread that calls ``step`` every ``interval`` seconds, at once
    after ``wake``, and again straight away while ``step`` says it did a full batch."""

    def __init__(self, name: str, step: Callable[[], bool], *, interval: float = 2.0) -> None:
        self._name = name
        self._step = step
        self._interval = interval
        self._log = logging.getLogger(f"credstack.{name}")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name=f"credstack-{self._name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for it (a step under way finishes first)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look for work now (e.g. right after some was queued)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and self._step():
                    pass  # a full batch: look again at once
            except Exception:
                self._log.exception("%s step failed; trying again later", self._name)
            self._wake.wait(self._interval)
            self._wake.clear()
