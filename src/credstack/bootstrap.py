"""The one place that turns settings into concrete adapters for the services."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from credstack.adapters.smtp_mailer import SmtpMailer
from credstack.domain.errors import StorageError
from credstack.services.deps import ServiceDeps, SystemClock
from credstack.services.ports import Clock
from credstack.settings import Settings, load_settings
from credstack.storage.database import open_database
from credstack.storage.key_vault import AesGcmKeyVault, load_or_create_key_file, parse_kek
from credstack.storage.unit_of_work import SqlUnitOfWorkFactory

__all__ = ["build_services", "key_vault", "mailer"]


def key_vault(settings: Settings) -> AesGcmKeyVault:
    """The vault under the configured KEK, or under a generated key file (made on first use)."""
    if settings.key_encryption_key is not None:
        return AesGcmKeyVault(parse_kek(settings.key_encryption_key.get_secret_value()))
    path = settings.resolved_key_file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(
            f"cannot create the data folder {path.parent}: {error.strerror}"
        ) from None
    return AesGcmKeyVault(load_or_create_key_file(path))


def mailer(settings: Settings) -> SmtpMailer | None:
    """The SMTP mailer, when ``CREDSTACK_SMTP_HOST`` is set."""
    if not settings.smtp_host:
        return None
    sender = settings.smtp_from
    if not sender:
        host = urlsplit(settings.base_url or "").hostname or settings.smtp_host
        sender = f"credstack@{host}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=sender,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
    )


def build_services(settings: Settings | None = None, *, clock: Clock | None = None) -> ServiceDeps:
    """Services on the configured database (migrated on first use) and key vault."""
    settings = settings or load_settings()
    engine = open_database(settings.resolved_database_url)
    return ServiceDeps(
        uow=SqlUnitOfWorkFactory(engine),
        vault=key_vault(settings),
        clock=clock or SystemClock(),
        base_url=settings.base_url,
        status_list_ttl=dt.timedelta(hours=settings.status_list_ttl_hours),
        suspension=settings.status_suspension,
        webhooks_allow_local=settings.webhooks_allow_local,
        mailer=mailer(settings),
    )
