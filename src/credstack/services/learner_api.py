"""What the learner APIs (OB 3.0 / CLR 2.0) do for a signed-in learner: list their
credentials, keep the ones their apps send, show and change their profile.

A learner's credentials are those credstack issued to their e-mail address (the signed text
as issued) followed by those their apps stored here (``upsert_credential``: kept exactly as
sent, one per credential id). CLR 2.0 lists only the stored ones: credstack issues no CLRs.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import re
from typing import Any

from credstack.domain.accounts import User
from credstack.domain.errors import InvalidInputError
from credstack.domain.oauth import LearnerApi, PortfolioEntry
from credstack.services.deps import ServiceDeps

__all__ = [
    "CredentialPage",
    "HeldCredential",
    "learner",
    "learner_credentials",
    "rename_learner",
    "upsert_credential",
]

_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
#: the credential types each API exchanges (OB 3.0 §B.1.2; CLR 2.0's ClrCredential)
_TYPES = {
    LearnerApi.OB: ("OpenBadgeCredential", "AchievementCredential"),
    LearnerApi.CLR: ("ClrCredential",),
}
_MAX_ID = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class HeldCredential:
    """A credential as held: its JSON text, or a compact JWS when ``jws``."""

    content: str
    jws: bool


@dataclasses.dataclass(frozen=True, slots=True)
class CredentialPage:
    """One page of a learner's credentials, and how many there are in all."""

    total: int
    items: list[HeldCredential]


def learner(deps: ServiceDeps, user_id: str) -> User:
    with deps.uow() as uow:
        return uow.accounts.user(user_id)


def learner_credentials(
    deps: ServiceDeps,
    user_id: str,
    api: LearnerApi,
    *,
    since: dt.datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> CredentialPage:
    """Credentials issued to the learner (OB only) then stored for them, issued or stored
    after ``since``; ``offset``/``limit`` over that one list."""
    with deps.uow() as uow:
        user = uow.accounts.user(user_id)
        issued = (
            uow.awards.count_for_recipient(user.email, since=since) if api is LearnerApi.OB else 0
        )
        stored = uow.portfolio.count(user_id, api, since=since)
        items: list[HeldCredential] = []
        if offset < issued:
            awards = uow.awards.for_recipient(user.email, since=since, offset=offset, limit=limit)
            items += [HeldCredential(award.credential, jws=False) for award in awards]
        room = limit - len(items)
        if room > 0 and offset + len(items) < issued + stored:
            entries = uow.portfolio.list(
                user_id, api, since=since, offset=max(0, offset - issued), limit=room
            )
            items += [HeldCredential(entry.content, entry.jws) for entry in entries]
    return CredentialPage(issued + stored, items)


def upsert_credential(
    deps: ServiceDeps, user_id: str, api: LearnerApi, body: bytes, *, jws: bool
) -> tuple[bool, HeldCredential]:
    """Keep ``body`` (a credential as JSON, or as a compact JWS when ``jws``) for the
    learner, replacing the one of the same id; ``(created, what is held)``.

    The bytes are kept as sent, so the credential reads back equal. Raises
    ``InvalidInputError`` for a body that is not such a credential of this API's types.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("the body is not UTF-8 text") from None
    document = _jws_payload(text) if jws else _json_object(text, "the body")
    credential_id = _credential_id(document, api)
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.accounts.user(user_id)
        created = uow.portfolio.get(user_id, api, credential_id) is None
        uow.portfolio.put(PortfolioEntry(user_id, api, credential_id, text, jws, now, now))
        uow.commit()
    return created, HeldCredential(text, jws)


def rename_learner(deps: ServiceDeps, user_id: str, name: str) -> User:
    """Give the learner a new display name (1 to 500 characters, not blank)."""
    name = name.strip()
    if not name or len(name) > 500:
        raise InvalidInputError("name must be 1 to 500 characters")
    with deps.uow() as uow:
        uow.accounts.user(user_id)
        uow.accounts.set_name(user_id, name)
        uow.commit()
        return uow.accounts.user(user_id)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInputError(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{what} is not a JSON object")
    return value


def _jws_payload(text: str) -> dict[str, Any]:
    """The credential inside a compact JWS (VC-JWT): the payload, or its ``vc`` claim."""
    if not _JWS.fullmatch(text):
        raise InvalidInputError("a text/plain body must be one compact JWS (header.payload.sig)")
    segment = text.split(".")[1]
    try:
        payload = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInputError("the JWS payload is not base64url-encoded UTF-8") from None
    claims = _json_object(payload, "the JWS payload")
    vc = claims.get("vc")
    return vc if isinstance(vc, dict) else claims


def _credential_id(document: dict[str, Any], api: LearnerApi) -> str:
    types = document.get("type")
    listed = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    wanted = _TYPES[api]
    if "VerifiableCredential" not in listed or not any(t in listed for t in wanted):
        raise InvalidInputError(f"type must list VerifiableCredential and {' or '.join(wanted)}")
    credential_id = document.get("id")
    if not isinstance(credential_id, str) or not credential_id.strip():
        raise InvalidInputError("the credential has no id (a string)")
    if len(credential_id) > _MAX_ID:
        raise InvalidInputError(f"the credential id is longer than {_MAX_ID} characters")
    return credential_id
