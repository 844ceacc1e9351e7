"""Claiming: a signed-in person adds a credential issued to their e-mail to their account.

A person is the recipient of a credential when the e-mail it was issued to is their user's
e-mail (ignoring case). Users are made by an installation's admins (there is no sign-up),
so the e-mail of a user is the one the organisation gave. Claiming records ``claimed_at``
once and emits ``credential.claimed`` in the same transaction; claiming again changes
nothing and emits nothing.
"""

from __future__ import annotations

import dataclasses

from credstack.domain.awards import Award
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.services.deps import ServiceDeps
from credstack.services.webhooks import record_event

__all__ = ["claim_award", "credentials_of"]


def credentials_of(deps: ServiceDeps, user_id: str) -> list[Award]:
    """The credentials issued to the user's e-mail, newest first."""
    with deps.uow() as uow:
        user = uow.accounts.user(user_id)
        return uow.awards.for_email(user.email)


def claim_award(deps: ServiceDeps, user_id: str, award_id: str) -> Award:
    """Claim the credential ``award_id`` for the user; the award as it is now.

    Raises ``NotFoundError`` when it is not issued to the user's e-mail (whether or not it
    exists: nothing is told about others' credentials), ``ConflictError`` when it is revoked.
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        user = uow.accounts.user(user_id)
        try:
            award = uow.awards.get(award_id)
        except NotFoundError:
            award = None
        if award is None or award.recipient.email != user.email.strip().lower():
            raise NotFoundError(f"no credential '{award_id}' issued to you")
        if award.claimed_at is not None:
            return award
        if award.state.revoked:
            raise ConflictError(f"credential {award.id} is revoked: it cannot be claimed")
        if uow.awards.set_claimed(award.id, now):
            claimed = dataclasses.replace(award, claimed_at=now)
            record_event(uow, deps, "credential.claimed", claimed, at=now)
            uow.commit()
            return claimed
    # claimed by a concurrent request between the read and the update: that one emitted
    with deps.uow() as uow:
        return uow.awards.get(award_id)
