"""What every use case receives: the ports, wired once by ``credstack.bootstrap``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credstack.services.ports import Clock, KeyVault, UnitOfWorkFactory

__all__ = ["ServiceDeps", "SystemClock"]


class SystemClock:
    """The real clock (tests pass a fixed one)."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ServiceDeps:
    """The ports and the few settings the use cases need.

    ``base_url`` is the installation's public URL: when set, credentials and achievements get
    ids under it; when not, name-based ``urn:uuid`` ids.
    """

    uow: UnitOfWorkFactory
    vault: KeyVault
    clock: Clock
    base_url: str | None = None
