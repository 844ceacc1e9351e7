"""Integrations: the external systems an organisation lets report completions, and checking
the signature of a report one of them sent.

A secret is made here (``csi_`` + 32 random bytes, base64url), shown once, and kept sealed by
the installation's key vault exactly as webhook secrets are (``domain.webhooks.SealedSecrets``:
the current one and, for a while after a rotation when asked, the previous one). Every
change is logged in ``completion_events`` in the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from credstack.domain.completions import (
    SECRET_PREFIX,
    CompletionEvent,
    Integration,
    check_integration_name,
    check_timestamp,
    signature_matches,
)
from credstack.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from credstack.domain.webhooks import SealedSecrets
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = [
    "MAX_OVERLAP",
    "SIGNATURE_REFUSED",
    "authenticate_integration",
    "disable_integration",
    "list_integrations",
    "register_integration",
    "rotate_integration_secret",
]

#: the longest a previous secret may keep signing after a rotation
MAX_OVERLAP = dt.timedelta(hours=24)
#: the one answer to an unknown, disabled or wrongly signed report: which it was is not told
SIGNATURE_REFUSED = "the signature does not match an active integration of this organisation"
_SECRET_BYTES = 32


def _vault_id(issuer_id: str, name: str) -> str:
    return f"integration:{issuer_id}:{name}"


def _new_secret(deps: ServiceDeps, issuer_id: str, name: str) -> tuple[bytes, str]:
    """A fresh secret, sealed, and its text (shown once). The HMAC key is the text itself,
    so an LMS developer pastes it into their HMAC call as it is."""
    text = SECRET_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).decode(
        "ascii"
    ).rstrip("=")
    return deps.vault.seal(_vault_id(issuer_id, name), text.encode("ascii")), text


def _event(
    integration: Integration, at: dt.datetime, actor: str, action: str, detail: str | None = None
) -> CompletionEvent:
    return CompletionEvent(at, integration.issuer_id, actor, action, integration.name, None, detail)


def register_integration(
    deps: ServiceDeps, issuer_id: str, name: str, *, actor: str
) -> tuple[Integration, str]:
    """A new integration and its secret (shown this once, stored sealed). Registering a
    disabled one again enables it with a new secret (the old one never signs again).

    Raises ``InvalidInputError`` for a name that is not a slug, ``ConflictError`` when an
    active integration has the name, ``NotFoundError`` for an unknown organisation.
    """
    name = check_integration_name(name)
    now = deps.clock.now()
    sealed, shown = _new_secret(deps, issuer_id, name)
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        existing = uow.completions.integration(issuer_id, name)
        if existing is not None and existing.active:
            raise ConflictError(f"integration '{name}' exists: rotate its secret instead")
        if existing is None:
            integration = Integration(issuer_id, name, now)
            uow.completions.add_integration(integration, SealedSecrets(sealed))
        else:
            integration = Integration(issuer_id, name, existing.created_at, now, None)
            uow.completions.set_integration(integration, SealedSecrets(sealed))
        uow.completions.record(_event(integration, now, actor, "registered"))
        uow.commit()
    return integration, shown


def _own(uow: UnitOfWork, issuer_id: str, name: str) -> Integration:
    found = uow.completions.integration(issuer_id, name)
    if found is None:
        raise NotFoundError(f"no integration '{name}'")
    return found


def list_integrations(deps: ServiceDeps, issuer_id: str) -> list[Integration]:
    """The organisation's integrations, by name (no secrets)."""
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        return uow.completions.integrations(issuer_id)


def rotate_integration_secret(
    deps: ServiceDeps,
    issuer_id: str,
    name: str,
    *,
    actor: str,
    keep_previous: dt.timedelta = dt.timedelta(0),
) -> tuple[Integration, str]:
    """A new secret (shown once). By default the old one stops signing at once (a secret
    that leaked is cut off); ``keep_previous`` (at most ``MAX_OVERLAP``) lets it sign beside
    the new one meanwhile, so the other system can switch without a refused report.
    ``ConflictError`` for a disabled integration (register it again)."""
    if not dt.timedelta(0) <= keep_previous <= MAX_OVERLAP:
        raise InvalidInputError("keep_previous: from 0 to 24 hours")
    now = deps.clock.now()
    sealed, shown = _new_secret(deps, issuer_id, name)
    with deps.uow() as uow:
        integration = _own(uow, issuer_id, name)
        if not integration.active:
            raise ConflictError(f"integration '{name}' is disabled: register it again")
        old = uow.completions.integration_secrets(issuer_id, name)
        kept = SealedSecrets(sealed, old.current, now + keep_previous) if keep_previous else None
        rotated = Integration(issuer_id, name, integration.created_at, now, None)
        uow.completions.set_integration(rotated, kept or SealedSecrets(sealed))
        detail = f"previous secret valid for {keep_previous}" if keep_previous else None
        uow.completions.record(_event(rotated, now, actor, "secret-rotated", detail))
        uow.commit()
    return rotated, shown


def disable_integration(deps: ServiceDeps, issuer_id: str, name: str, *, actor: str) -> None:
    """Stop the integration's reports (its secret never signs again). Completions it
    reported stay recorded. Disabling a disabled one changes nothing."""
    now = deps.clock.now()
    with deps.uow() as uow:
        integration = _own(uow, issuer_id, name)
        if not integration.active:
            return
        disabled = Integration(issuer_id, name, integration.created_at, integration.rotated_at, now)
        uow.completions.set_integration(disabled)
        uow.completions.record(_event(disabled, now, actor, "disabled"))
        uow.commit()


def authenticate_integration(
    deps: ServiceDeps,
    issuer_id: str,
    *,
    name: str,
    timestamp: str,
    signature: str,
    body: bytes,
) -> Integration:
    """The integration that signed ``body``, checked as docs/completions.md says: (1) the
    timestamp is within five minutes of now (a replay later is refused); (2) the organisation
    has an active integration of that name; (3) ``signature`` is the ``v1=`` HMAC of
    ``{timestamp}.{body}`` under its secret (or the previous one while it still signs),
    compared in constant time. Raises ``AuthenticationError``: for (2) and (3) with one
    message, so that a caller cannot find out which names exist."""
    now = deps.clock.now()
    try:
        stamp = check_timestamp(timestamp, now)
    except InvalidInputError as error:
        raise AuthenticationError(str(error)) from None
    with deps.uow() as uow:
        integration = uow.completions.integration(issuer_id, name)
        sealed = (
            uow.completions.integration_secrets(issuer_id, name).valid(now)
            if integration is not None and integration.active
            else []
        )
    keys = [deps.vault.open(_vault_id(issuer_id, name), s).decode("ascii") for s in sealed]
    if integration is None or not signature_matches(keys, signature, stamp, body):
        raise AuthenticationError(SIGNATURE_REFUSED)
    return integration
