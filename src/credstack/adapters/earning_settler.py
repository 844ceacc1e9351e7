"""The earning settler: a thread that settles enrolments and pathway learners left due
(``services.earning``, ``services.pathways``).

A change that counts toward a requirement settles its enrolments itself, right after its
commit; this catches what that missed (a process that died in between, a mail server that
made the request fail after the commit), so the credential still arrives within seconds.
"""

from __future__ import annotations

from credstack.adapters.periodic import Periodic
from credstack.services.deps import ServiceDeps
from credstack.services.earning import settle_due
from credstack.services.pathways import settle_due_pathways

__all__ = ["EarningSettler"]

_BATCH = 100


class EarningSettler(Periodic):
    """Settles due enrolments every ``interval`` seconds, a batch at a time."""

    def __init__(self, deps: ServiceDeps, *, interval: float = 5.0) -> None:
        def step() -> bool:
            with deps.uow() as uow:
                due = len(uow.offerings.due(_BATCH))
                stacked = len(uow.pathways.due(_BATCH))
            settle_due(deps, _BATCH)
            settle_due_pathways(deps, _BATCH)
            return _BATCH in (due, stacked)

        super().__init__("earning", step, interval=interval)
