"""Credential status: revocation (final) and suspension (reversible), and their audit trail.

A credential's status lives in its issuer's status lists (W3C Bitstring Status List): one bit
per credential in a revocation list and one in a suspension list, at the same index. The rules
here decide which changes are allowed; the services flip the bits and re-sign the lists.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from credstack.domain.errors import ConflictError, InvalidInputError

__all__ = [
    "PURPOSES",
    "AuditEvent",
    "CredentialState",
    "StatusAction",
    "StatusList",
    "apply_action",
]

PURPOSES = ("revocation", "suspension")


class StatusAction(enum.StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    RENEW = "renew"


@dataclass(frozen=True, slots=True)
class CredentialState:
    """What the issuer has said about one credential so far."""

    revoked_at: dt.datetime | None = None
    revocation_reason: str | None = None
    suspended_at: dt.datetime | None = None
    suspension_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None


def apply_action(
    state: CredentialState, action: StatusAction, reason: str | None, now: dt.datetime
) -> CredentialState:
    """The state after ``action``; ``ConflictError`` when the rules forbid it.

    Revocation is final: a revoked credential cannot be suspended, unsuspended or revoked
    again. Revoking a suspended credential is allowed (and ends the suspension's meaning).
    """
    text = (reason or "").strip()
    if action in (StatusAction.REVOKE, StatusAction.SUSPEND) and not text:
        raise InvalidInputError(f"a reason is required to {action.value} a credential")
    if len(text) > 2_000:
        raise InvalidInputError("the reason is longer than 2,000 characters")
    if state.revoked:
        when = state.revoked_at.date().isoformat() if state.revoked_at else ""
        raise ConflictError(f"the credential was revoked on {when}; revocation is final")
    if action is StatusAction.REVOKE:
        return CredentialState(now, text, state.suspended_at, state.suspension_reason)
    if action is StatusAction.SUSPEND:
        if state.suspended:
            raise ConflictError("the credential is suspended already")
        return CredentialState(None, None, now, text)
    if action is StatusAction.UNSUSPEND:
        if not state.suspended:
            raise ConflictError("the credential is not suspended")
        return CredentialState()
    raise InvalidInputError(f"{action.value} does not change a credential's status")


@dataclass(slots=True)
class StatusList:
    """A revocation list and a suspension list sharing one index space.

    ``next_position`` counts positions handed out; ``domain.status_indexes`` maps each to its
    index. The signed list credentials are the exact text to publish.
    """

    id: int | None
    issuer_id: str
    number: int
    did: str
    signing_key_id: str
    size: int
    next_position: int
    permutation_key: bytes
    revocation_bits: bytearray
    suspension_bits: bytearray
    revocation_credential: str
    suspension_credential: str
    valid_until: dt.datetime
    updated_at: dt.datetime

    def bits(self, purpose: str) -> bytearray:
        return self.revocation_bits if purpose == "revocation" else self.suspension_bits


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the append-only audit log."""

    at: dt.datetime
    actor: str
    action: StatusAction
    award_id: str
    reason: str | None = None
