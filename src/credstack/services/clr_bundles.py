"""The learner's CLR 2.0 download: a stacked credential bundled with its components, signed.

A read, not a change of state: the awards are loaded in one unit of work, the bundle is
composed by ``credstack.ob.clr_bundle`` and signed with the issuer's active key, the same
suite as awards (``eddsa-rdfc-2022``). Nothing is stored, so each download is a fresh
``ClrCredential`` (new id, proof at the clock's time) around the same signed credentials.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from credstack.domain.awards import Award, Recipient
from credstack.domain.errors import InvalidInputError
from credstack.ob.clr_bundle import clr_document
from credstack.ob.validation import validate_credential
from credstack.services.award_signing import serialize_credential
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.services.ports import UnitOfWork
from credstack.vc import sign_credential
from credstack.vc.errors import VCError

__all__ = ["clr_for"]


def clr_for(
    deps: ServiceDeps,
    issuer_id: str,
    learner_email: str,
    target_award_id: str,
    component_award_ids: Sequence[str],
    *,
    extra_components: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The signed ``ClrCredential`` (compact JSON text) of ``target_award_id`` and its parts.

    The target must be an award of ``issuer_id``; it and every component award must have been
    issued to ``learner_email``. Component awards may be any issuer's on this installation;
    ``extra_components`` are signed credentials from elsewhere (already verified by the
    caller), embedded as given after the component awards.

    Raises ``NotFoundError`` for an unknown issuer or award, ``InvalidInputError`` for an
    award of another issuer or learner, a repeated or self-referencing component, or a
    bundle that is not a valid CLR 2.0 credential or cannot be signed.
    """
    learner = Recipient(email=learner_email)
    with deps.uow() as uow:
        issuer = uow.issuers.get(issuer_id)
        target = _learner_award(uow, target_award_id, learner)
        if target.issuer_id != issuer_id:
            raise InvalidInputError(f"award {target.id} was not issued by {issuer_id}")
        components = [
            _learner_award(uow, award_id, learner)
            for award_id in _distinct(target.id, component_award_ids)
        ]
        _, key = signing_key(uow, deps.vault, issuer_id)
    now = deps.clock.now()
    document = clr_document(
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        issuer=issuer,
        learner=learner,
        salt=secrets.token_hex(16),
        target=_parsed(target),
        components=[*(_parsed(award) for award in components), *extra_components],
        issued_at=now,
    )
    problems = validate_credential(document)
    if problems:
        raise InvalidInputError(f"the bundle is not a valid CLR 2.0 credential: {problems[0]}")
    try:
        signed = sign_credential(document, key, created=now)
    except VCError as error:
        raise InvalidInputError(f"cannot sign the bundle: {error}") from None
    return serialize_credential(signed)


def _learner_award(uow: UnitOfWork, award_id: str, learner: Recipient) -> Award:
    award = uow.awards.get(award_id)
    # a record must never carry another person's credential, whatever ids a caller passes
    if award.recipient.identifier != learner.identifier:
        raise InvalidInputError(f"award {award_id} was not issued to {learner.identifier}")
    return award


def _distinct(target_id: str, component_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(component_ids))
    if len(ids) != len(component_ids):
        raise InvalidInputError("a component award is listed twice")
    if target_id in ids:
        raise InvalidInputError(f"award {target_id} cannot be a component of itself")
    return ids


def _parsed(award: Award) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(award.credential)
    return document
