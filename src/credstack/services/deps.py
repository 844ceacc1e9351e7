"""What every use case receives: the ports, wired once by ``credstack.bootstrap``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from credstack.services.ports import Clock, KeyVault, Mailer, UnitOfWorkFactory
from credstack.vc.fetching import Fetcher

__all__ = ["DEFAULT_PUBLIC_URL", "ServiceDeps", "SystemClock"]

#: Where ``credstack serve`` listens by default: status lists point here until a provider
#: sets ``CREDSTACK_BASE_URL`` to its public address.
DEFAULT_PUBLIC_URL = "http://localhost:8000"


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
    #: how long a signed status list stays valid; verifiers re-fetch after that
    status_list_ttl: dt.timedelta = dt.timedelta(hours=48)
    #: also give every credential a suspension entry (two status entries, an array: see
    #: docs/decisions/0012-two-status-entries.md); off gives one revocation entry, an object
    suspension: bool = True
    #: webhooks may go to http://localhost and to private addresses (development, tests, or
    #: receivers on the installation's own network); off: https to public addresses only
    webhooks_allow_local: bool = False
    #: sends e-mail (sign-up confirmations); ``None``: no SMTP server is set, and what needs
    #: e-mail is refused with a clear message rather than done without it
    mailer: Mailer | None = None
    #: reads what verifying another issuer's credential needs (its DID document, status
    #: list) and a credential a learner links to; ``None``: offline, such checks are "not
    #: checked" and links are refused (``web.create_app`` sets the server's fetcher here)
    fetcher: Fetcher | None = None

    @property
    def public_url(self) -> str:
        """Where this installation's documents (status lists) are published."""
        return (self.base_url or DEFAULT_PUBLIC_URL).rstrip("/")
