"""Use cases for credential status: index allocation, revoke/suspend/unsuspend, publishing.

Every credential gets a bit in a revocation list and a suspension list of its issuer
(W3C Bitstring Status List 1.0). Lists are made on demand (131,072 entries each), signed by
the key of the DID the credentials name, and re-signed with a fresh ``validFrom``/``validUntil``
whenever a bit changes or the validity runs low, so caches expire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from credstack.domain.awards import Award
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.status import (
    PURPOSES,
    AuditEvent,
    StatusAction,
    StatusList,
    apply_action,
)
from credstack.domain.status_indexes import index_for_position
from credstack.ob.awards_v3p0 import xsd_date_time
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.services.pathway_marks import mark_holdings, settle_marked
from credstack.services.ports import UnitOfWork
from credstack.services.webhooks import STATUS_EVENTS, record_event
from credstack.vc import Ed25519KeyPair, sign_credential
from credstack.vc.status_list import MIN_LIST_BITS, set_bit, status_list_credential

__all__ = [
    "PendingSlot",
    "PublishedList",
    "StatusLinks",
    "StatusSlot",
    "change_status",
    "export_status_lists",
    "list_status_lists",
    "published_list",
    "refresh_status_lists",
    "release_positions",
    "reserve_positions",
    "reserve_slots",
    "status_entries",
    "status_links",
    "status_list_url",
]

_MAX_ATTEMPTS = 20


@dataclasses.dataclass(frozen=True, slots=True)
class StatusSlot:
    """One credential's place in its issuer's lists."""

    list_id: int
    number: int
    index: int


def status_list_url(deps: ServiceDeps, issuer_id: str, number: int, purpose: str) -> str:
    return f"{deps.public_url}/status/{issuer_id}/{number}/{purpose}.json"


@dataclasses.dataclass(frozen=True, slots=True)
class PendingSlot:
    """A reserved position whose index is not worked out yet: the keyed permutation
    (``domain.status_indexes``) runs where the credential is signed, in a worker process when
    there are workers."""

    list_id: int
    number: int
    position: int
    permutation_key: bytes
    size: int

    def resolve(self) -> StatusSlot:
        index = index_for_position(self.permutation_key, self.position, self.size)
        return StatusSlot(self.list_id, self.number, index)


@dataclasses.dataclass(frozen=True, slots=True)
class StatusLinks:
    """Where the credentials of one list point: the list URL of each purpose."""

    urls: tuple[tuple[str, str], ...]
    #: suspension entries are off: one revocation entry, as an object rather than an array
    single: bool

    def entries(self, index: int) -> list[dict[str, Any]] | dict[str, Any]:
        """The ``credentialStatus`` of the credential at ``index``."""
        entries = [
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
            for purpose, url in self.urls
        ]
        return entries[0] if self.single else entries


def status_links(deps: ServiceDeps, issuer_id: str, number: int) -> StatusLinks:
    purposes = PURPOSES if deps.suspension else ("revocation",)
    urls = tuple((p, status_list_url(deps, issuer_id, number, p)) for p in purposes)
    return StatusLinks(urls, single=not deps.suspension)


def status_entries(
    deps: ServiceDeps, issuer_id: str, slot: StatusSlot
) -> list[dict[str, Any]] | dict[str, Any]:
    """The ``credentialStatus`` of a credential in ``slot``: a revocation and a suspension
    entry, or (suspension off) the revocation entry alone, as a single object."""
    return status_links(deps, issuer_id, slot.number).entries(slot.index)


def _signed_list(
    deps: ServiceDeps, status_list: StatusList, purpose: str, key: Ed25519KeyPair
) -> str:
    now = deps.clock.now()
    document = status_list_credential(
        url=status_list_url(deps, status_list.issuer_id, status_list.number, purpose),
        issuer=status_list.did,
        purpose=purpose,
        bitstring=bytes(status_list.bits(purpose)),
        valid_from=xsd_date_time(now),
        valid_until=xsd_date_time(now + deps.status_list_ttl),
    )
    return json.dumps(sign_credential(document, key, created=now), indent=2)


def _resign(
    deps: ServiceDeps, status_list: StatusList, key: Ed25519KeyPair, purposes: tuple[str, ...]
) -> None:
    for purpose in purposes:
        text = _signed_list(deps, status_list, purpose, key)
        if purpose == "revocation":
            status_list.revocation_credential = text
        else:
            status_list.suspension_credential = text
    status_list.updated_at = deps.clock.now()
    status_list.valid_until = status_list.updated_at + deps.status_list_ttl


def _new_list(
    uow: UnitOfWork, deps: ServiceDeps, issuer_id: str, key_id: str, key: Ed25519KeyPair
) -> StatusList:
    empty = bytearray(MIN_LIST_BITS // 8)
    now = deps.clock.now()
    status_list = StatusList(
        id=None,
        issuer_id=issuer_id,
        number=uow.status_lists.next_number(issuer_id),
        did=key.controller,
        signing_key_id=key_id,
        size=MIN_LIST_BITS,
        next_position=0,
        permutation_key=os.urandom(32),
        revocation_bits=empty,
        suspension_bits=bytearray(empty),
        revocation_credential="",
        suspension_credential="",
        valid_until=now,
        updated_at=now,
    )
    _resign(deps, status_list, key, PURPOSES)
    return uow.status_lists.create(status_list)


def reserve_slots(
    deps: ServiceDeps, issuer_id: str, key_id: str, key: Ed25519KeyPair, count: int
) -> list[StatusSlot]:
    """``count`` fresh slots in the lists of ``key``'s DID, opening new lists as they fill.

    Each reservation is committed at once, so a slot is never handed out twice, even when
    several processes issue at the same time; a slot whose credential is then not issued stays
    unused (its bit is never set, which reads as "active" for a credential that never existed).
    """
    return [slot.resolve() for slot in reserve_positions(deps, issuer_id, key_id, key, count)]


def reserve_positions(
    deps: ServiceDeps, issuer_id: str, key_id: str, key: Ed25519KeyPair, count: int
) -> list[PendingSlot]:
    """``reserve_slots`` without working out the indexes (``PendingSlot.resolve`` does)."""
    slots: list[PendingSlot] = []
    for _ in range(_MAX_ATTEMPTS):
        if len(slots) == count:
            return slots
        try:
            with deps.uow() as uow:
                status_list = uow.status_lists.open_list(issuer_id, key.controller)
                if status_list is None:
                    status_list = _new_list(uow, deps, issuer_id, key_id, key)
                assert status_list.id is not None
                start, taken = uow.status_lists.reserve(status_list.id, count - len(slots))
                uow.commit()
        except ConflictError:
            continue  # another process opened the next list first: use theirs
        slots += [
            PendingSlot(
                status_list.id,
                status_list.number,
                position,
                status_list.permutation_key,
                status_list.size,
            )
            for position in range(start, start + taken)
        ]
    if len(slots) < count:
        raise ConflictError("could not reserve status list entries; try again")
    return slots


def release_positions(deps: ServiceDeps, slots: Sequence[PendingSlot]) -> int:
    """Give back reserved slots that were never used, so that a run which reserved ahead
    leaves no gap; how many were given back. Per list, only a tail that nobody reserved
    after can go back (the counter is moved back by compare-and-set); anything else stays
    reserved and unused, which is harmless."""
    ranges: dict[int, list[int]] = {}
    for slot in slots:
        ranges.setdefault(slot.list_id, []).append(slot.position)
    given = 0
    with deps.uow() as uow:
        for list_id, positions in ranges.items():
            start, end = min(positions), max(positions) + 1
            if end - start == len(set(positions)) and uow.status_lists.release(list_id, start, end):
                given += end - start
        uow.commit()
    return given


def change_status(
    deps: ServiceDeps, award_id: str, action: StatusAction, *, reason: str | None, actor: str
) -> Award:
    """Revoke, suspend or unsuspend a credential: flip its bit, re-sign the list, and write
    the audit event, all in one transaction.

    Raises ``ConflictError`` when the rules forbid it (revocation is final),
    ``InvalidInputError`` without a reason or for a credential without a status entry.
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        award = uow.awards.get(award_id)
        if award.status_list_id is None or award.status_index is None:
            raise InvalidInputError(f"credential {award.id} has no status entry")
        status_index = award.status_index
        if not _has_entry(award.credential, action):
            raise InvalidInputError(
                f"credential {award.id} has no suspension entry (issued with suspension off)"
            )
        # Lock the list first, then read the award's state again: a concurrent change to
        # this credential (or any in the list) has committed by now or waits for us.
        status_list = uow.status_lists.get(award.status_list_id, for_update=True)
        award = uow.awards.get(award.id)
        state = apply_action(award.state, action, reason, now)
        purposes = _changed_purposes(action)
        index = status_index
        for purpose in purposes:
            set_bit(status_list.bits(purpose), index, action is not StatusAction.UNSUSPEND)
        _resign(deps, status_list, _list_key(uow, deps, status_list), purposes)
        uow.status_lists.save(status_list)
        uow.awards.set_state(award.id, state)
        reason = (reason or "").strip() or None
        uow.audit.append(AuditEvent(now, actor, action, award.id, reason))
        if action in STATUS_EVENTS:
            record_event(uow, deps, STATUS_EVENTS[action], award, reason=reason, at=now)
        # what the recipient holds changed: their pathways are looked at (a stacked
        # credential may have lost a component, or gained one back)
        due = mark_holdings(uow, award.recipient.email, now)
        uow.commit()
    settle_marked(deps, due)
    return dataclasses.replace(award, state=state)


def _list_key(uow: UnitOfWork, deps: ServiceDeps, status_list: StatusList) -> Ed25519KeyPair:
    """The key that signs a list: the issuer's active key while its DID is the list's (did:web
    keeps its DID across rotations), else the key the list was made with (a rotated did:key
    issuer's old DID can only be signed for by its old key)."""
    issuer = uow.issuers.get(status_list.issuer_id)
    key_id = None if issuer.did == status_list.did else status_list.signing_key_id
    _, key = signing_key(uow, deps.vault, status_list.issuer_id, key_id)
    return key


def _has_entry(credential: str, action: StatusAction) -> bool:
    if action is StatusAction.REVOKE:
        return True
    status = json.loads(credential).get("credentialStatus")
    entries = status if isinstance(status, list) else [status]
    return any(isinstance(e, dict) and e.get("statusPurpose") == "suspension" for e in entries)


def _changed_purposes(action: StatusAction) -> tuple[str, ...]:
    return ("revocation",) if action is StatusAction.REVOKE else ("suspension",)


def refresh_status_lists(
    deps: ServiceDeps, *, force: bool = False, issuer_id: str | None = None
) -> int:
    """Re-sign every list (of ``issuer_id``, or of all) whose validity has less than half its
    lifetime left (all with ``force``); returns how many were re-signed."""
    now = deps.clock.now()
    count = 0
    with deps.uow() as uow:
        due = [
            status_list.id
            for status_list in uow.status_lists.list(issuer_id)
            if force or status_list.valid_until - now <= deps.status_list_ttl / 2
        ]
    for list_id in due:
        assert list_id is not None
        # One transaction per list, re-read under its lock: a revocation committed since the
        # listing above must not be overwritten by stale bits.
        with deps.uow() as uow:
            status_list = uow.status_lists.get(list_id, for_update=True)
            _resign(deps, status_list, _list_key(uow, deps, status_list), PURPOSES)
            uow.status_lists.save(status_list)
            uow.commit()
        count += 1
    return count


def list_status_lists(deps: ServiceDeps, issuer_id: str) -> list[StatusList]:
    """The issuer's status lists, in the order they were opened."""
    with deps.uow() as uow:
        return uow.status_lists.list(issuer_id)


@dataclasses.dataclass(frozen=True, slots=True)
class PublishedList:
    """A signed status list credential as served: its text, and until when it is valid."""

    text: str
    valid_until: dt.datetime
    updated_at: dt.datetime


def published_list(deps: ServiceDeps, issuer_id: str, number: int, purpose: str) -> PublishedList:
    """The signed list credential at ``status/<issuer>/<number>/<purpose>.json``, re-signed
    first when it runs low (so a served list is never stale). ``NotFoundError`` otherwise."""
    if purpose not in PURPOSES:
        raise NotFoundError(f"no status list purpose '{purpose}' (revocation or suspension)")
    with deps.uow() as uow:
        status_list = uow.status_lists.by_number(issuer_id, number)
    if status_list is None:
        raise NotFoundError(f"issuer '{issuer_id}' has no status list {number}")
    if status_list.valid_until - deps.clock.now() <= deps.status_list_ttl / 2:
        refresh_status_lists(deps)
        with deps.uow() as uow:
            status_list = uow.status_lists.by_number(issuer_id, number)
        assert status_list is not None
    text = (
        status_list.revocation_credential
        if purpose == "revocation"
        else status_list.suspension_credential
    )
    return PublishedList(text, status_list.valid_until, status_list.updated_at)


def export_status_lists(deps: ServiceDeps, folder: Path) -> list[Path]:
    """Write every signed list where a static web server rooted at ``folder`` serves it at
    the URL the credentials name (re-signing lists that run low first)."""
    refresh_status_lists(deps)
    base_path = urlsplit(deps.public_url).path.strip("/")
    written = []
    with deps.uow() as uow:
        lists = uow.status_lists.list()
    for status_list in lists:
        for purpose in PURPOSES:
            url = status_list_url(deps, status_list.issuer_id, status_list.number, purpose)
            relative = urlsplit(url).path.strip("/").removeprefix(base_path).strip("/")
            target = folder / relative
            text = (
                status_list.revocation_credential
                if purpose == "revocation"
                else status_list.suspension_credential
            )
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            except OSError as error:
                raise InvalidInputError(f"cannot write {target}: {error.strerror}") from None
            written.append(target)
    return written
