"""The earning settler: a thread that settles enrolments and pathway learners left due
(``services.earning``, ``services.pathways``).

A change that counts toward a requirement settles its enrolments itself, right after its
commit; this catches what that missed (a process that died in between, a mail server that
made the request fail after the commit), so the credential still arrives within seconds.
"""

from __future__ import annotations

import time

from credstack.adapters.periodic import Periodic
from credstack.services.deps import ServiceDeps
from credstack.services.earning import settle_due
from credstack.services.pathways import settle_due_pathways, sweep_expired

__all__ = ["EarningSettler"]

_BATCH = 100


class EarningSettler(Periodic):
    """Settles due enrolments and pathway learners every ``interval`` seconds, a batch at a
    time; every ``expiry_every`` seconds (and once on start) it first marks the holders of
    stacked credentials, whose components may have expired meanwhile."""

    def __init__(
        self, deps: ServiceDeps, *, interval: float = 5.0, expiry_every: float = 6 * 3600.0
    ) -> None:
        last_sweep = [-expiry_every]

        def step() -> bool:
            if time.monotonic() - last_sweep[0] >= expiry_every:
                last_sweep[0] = time.monotonic()
                sweep_expired(deps)
            with deps.uow() as uow:
                due = len(uow.offerings.due(_BATCH))
                stacked = len(uow.pathways.due(_BATCH))
            settle_due(deps, _BATCH)
            settle_due_pathways(deps, _BATCH)
            return _BATCH in (due, stacked)

        super().__init__("earning", step, interval=interval)
