"""A stacked credential and its components → one CLR 2.0 ``ClrCredential`` (unsigned).

When a learner completes a pathway, the target credential and the component credentials it
was built from travel together as a Comprehensive Learner Record: the ``ClrSubject`` embeds
each signed credential *as given* (``verifiableCredential``), so every one keeps its own
proof and still verifies on its own once taken out; lists their achievements
(``achievement``); and says how they relate (``association``). The bundle's own proof, added
by the service, covers the whole document, embedded credentials included.

Associations (CLR 2.0 ``AssociationTypeEnum``) go both ways for each component: the
component's achievement ``isChildOf`` the target's, and the target's ``isParentOf`` the
component's, the direction 1EdTech's own sample record uses (a programme ``isParentOf`` its
courses); a consumer that reads either direction finds the tree (decision 0034).

Pure: no I/O, no clock; time, ids and the salt are parameters.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from credstack.domain.awards import Recipient
from credstack.domain.errors import InvalidInputError
from credstack.domain.issuers import Issuer
from credstack.ob._common import as_list
from credstack.ob.awards_v3p0 import OB_V3P0, VC_V2, profile_document, xsd_date_time

# the recipient's IdentityObjects exactly as the awards write them (salted e-mail hash, name)
from credstack.ob.awards_v3p0 import _identifiers as identifiers_of

__all__ = ["CLR_V2P0", "associations", "clr_document"]

CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"
# OB core contexts: the bundle has its own (3.0.3); other versions define the same protected
# terms, so they stay inside the credentials that name them.
_OB_CORE = "https://purl.imsglobal.org/spec/ob/v3p0/context"


def clr_document(
    *,
    credential_id: str,
    issuer: Issuer,
    learner: Recipient,
    salt: str,
    target: Mapping[str, Any],
    components: Sequence[Mapping[str, Any]],
    issued_at: dt.datetime,
    name: str | None = None,
) -> dict[str, Any]:
    """The unsigned ``ClrCredential`` bundling ``target`` and ``components`` for ``learner``.

    ``target`` and ``components`` are signed OB 3.0 credentials (parsed JSON); they are
    embedded unchanged, target first. ``salt`` salts the learner's e-mail hash, as in an
    award. ``name`` defaults to "<target's name> with its components". The same inputs
    always give the same document.

    Raises ``InvalidInputError`` when a credential has no proof or no achievement (with an
    id), or a component's achievement is the target's own.
    """
    for position, credential in enumerate([target, *components]):
        _check_signed(credential, _where(position))
    # copies, so that the document does not share objects with the caller's credentials
    credentials = [copy.deepcopy(dict(credential)) for credential in [target, *components]]
    target_achievement = _achievement_of(target, _where(0))
    subject: dict[str, Any] = {
        "id": learner.did,
        "type": ["ClrSubject"],
        "identifier": identifiers_of(learner, salt) or None,
        "verifiableCredential": credentials,
        "achievement": _unique_achievements(credentials),
        "association": associations(
            str(target_achievement["id"]),
            [
                str(_achievement_of(component, _where(position))["id"])
                for position, component in enumerate(components, start=1)
            ],
        )
        or None,
    }
    document: dict[str, Any] = {
        "@context": [VC_V2, CLR_V2P0, OB_V3P0, *_extra_contexts(credentials)],
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": profile_document(issuer),
        "validFrom": xsd_date_time(issued_at),
        "name": name or f"{_name_of(target, target_achievement)} with its components",
        "credentialSubject": {key: value for key, value in subject.items() if value is not None},
    }
    return document


def associations(target_id: str, component_ids: Iterable[str]) -> list[dict[str, Any]]:
    """``isChildOf`` (component → target) and ``isParentOf`` (target → component) for each
    component achievement id, once each, in the order given.

    Raises ``InvalidInputError`` when a component's achievement is the target's.
    """
    result: list[dict[str, Any]] = []
    for component_id in dict.fromkeys(component_ids):
        if component_id == target_id:
            raise InvalidInputError(
                f"a component's achievement ({component_id}) is the target's own achievement"
            )
        result.append(_association("isChildOf", component_id, target_id))
        result.append(_association("isParentOf", target_id, component_id))
    return result


def _association(kind: str, source_id: str, target_id: str) -> dict[str, Any]:
    return {
        "type": "Association",
        "associationType": kind,
        "sourceId": source_id,
        "targetId": target_id,
    }


def _where(position: int) -> str:
    return "the target credential" if position == 0 else f"component {position}"


def _check_signed(credential: Mapping[str, Any], where: str) -> None:
    # An unsigned component would make the record vouch for what nobody signed.
    if not isinstance(credential, Mapping) or not credential.get("proof"):
        raise InvalidInputError(f"{where} is not a signed credential (it has no proof)")


def _achievement_of(credential: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping) or not isinstance(achievement.get("id"), str):
        raise InvalidInputError(f"{where} names no achievement with an id")
    return achievement


def _unique_achievements(credentials: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Each credential's achievement, once per id (two credentials of one achievement)."""
    seen: dict[str, Any] = {}
    for credential in credentials:
        achievement = credential["credentialSubject"]["achievement"]
        seen.setdefault(achievement["id"], achievement)
    return list(seen.values())


def _extra_contexts(credentials: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Contexts the copied achievements may need beyond the bundle's own (the EU-elements
    extension, OB's extensions.json), in first-seen order: the ``achievement`` list is read
    under the bundle's context, not the embedded credentials'."""
    extra: list[Any] = []
    for credential in credentials:
        for context in as_list(credential.get("@context")):
            if isinstance(context, str) and (
                context in (VC_V2, _VC_V1, CLR_V2P0) or context.startswith(_OB_CORE)
            ):
                continue
            if context not in extra:
                extra.append(context)
    return extra


def _name_of(credential: Mapping[str, Any], achievement: Mapping[str, Any]) -> str:
    name = credential.get("name") or achievement.get("name")
    return str(name) if name else "Credential"
