"""Use cases for awards: issue one, issue a cohort from rows, list, show and export.

A credential is signed once and stored as the exact text that was signed; exports hand out
those bytes (or bake them into an image) and never rebuild them from the database.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import secrets
import uuid
from concurrent.futures import Executor, Future
from typing import Any

from credstack.domain.achievements import AchievementVersion
from credstack.domain.awards import (
    Assessment,
    Award,
    AwardRequest,
    EvidenceItem,
    IdentityVerification,
    ResultValue,
)
from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.issuers import Issuer, SigningKeyRecord
from credstack.domain.status import AuditEvent, StatusAction
from credstack.ob.awards_v3p0 import CredentialTemplate, achievement_uri, result_description_id
from credstack.services.award_signing import (
    CohortSigner,
    SignedCredential,
    SigningFailure,
    SigningRow,
)
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import signing_key
from credstack.services.pathway_marks import mark_holdings, settle_marked
from credstack.services.ports import UnitOfWork
from credstack.services.status import (
    PendingSlot,
    StatusSlot,
    release_positions,
    reserve_positions,
    status_links,
)
from credstack.services.webhooks import record_event
from credstack.vc import Ed25519KeyPair

__all__ = [
    "IssueContext",
    "SlotPool",
    "build_award",
    "credential_id_for",
    "issue_award",
    "issue_once",
    "list_awards",
    "load_issue_context",
    "prior_award",
    "renew_award",
    "show_award",
    "signed_award",
    "signing_row",
    "validate_request",
    "with_validity",
]


@dataclasses.dataclass(frozen=True, slots=True)
class IssueContext:
    """What every award of one achievement shares, loaded once per run."""

    issuer: Issuer
    version: AchievementVersion
    uri: str
    key_record: SigningKeyRecord
    key: Ed25519KeyPair
    template: CredentialTemplate


def load_issue_context(uow: UnitOfWork, deps: ServiceDeps, achievement_id: str) -> IssueContext:
    version = uow.achievements.latest_published(achievement_id)
    if version is None:
        raise InvalidInputError(
            f"achievement '{achievement_id}' has no published version; "
            f"publish it first (credstack achievement publish {achievement_id})"
        )
    issuer = uow.issuers.get(version.issuer_id)
    record, key = signing_key(uow, deps.vault, issuer.id)
    uri = achievement_uri(version, deps.base_url)
    return IssueContext(issuer, version, uri, record, key, CredentialTemplate(issuer, version, uri))


def _check_result(context: IssueContext, request: AwardRequest) -> None:
    if request.result is None:
        return
    description = context.version.spec.result_description(request.result_id)
    if description is None and request.result_id is not None:
        raise InvalidInputError(
            f"result: achievement '{context.version.achievement_id}' has no result "
            f"description '{request.result_id}'"
        )
    allowed = description.allowed_values if description else None
    if allowed and request.result not in allowed:
        raise InvalidInputError(f"result: '{request.result}' is not one of {', '.join(allowed)}")


def credential_id_for(deps: ServiceDeps, award_id: str) -> str:
    if deps.base_url:
        return f"{deps.base_url.rstrip('/')}/credentials/{award_id}"
    return f"urn:uuid:{award_id}"


def validate_request(deps: ServiceDeps, context: IssueContext, request: AwardRequest) -> None:
    """Refuse a bad request before a status slot is spent on it."""
    _check_result(context, request)
    if request.valid_until is not None and request.valid_until <= deps.clock.now():
        raise InvalidInputError("valid_until is in the past")


def with_validity(context: IssueContext, request: AwardRequest, now: dt.datetime) -> AwardRequest:
    """The request with the definition's default validity (``valid_for_days``) applied."""
    days = context.version.spec.valid_for_days
    if request.valid_until is None and days is not None:
        return dataclasses.replace(request, valid_until=now + dt.timedelta(days=days))
    return request


def signing_row(
    deps: ServiceDeps,
    context: IssueContext,
    request: AwardRequest,
    award_id: str,
    slot: PendingSlot | StatusSlot,
) -> SigningRow:
    """What a signer needs for one award besides the template: ids, salt, status slot."""
    return SigningRow(
        credential_id=credential_id_for(deps, award_id),
        request=request,
        salt=secrets.token_hex(16),
        slot=slot,
        links=status_links(deps, context.issuer.id, slot.number),
    )


def signed_award(
    context: IssueContext,
    award_id: str,
    row: SigningRow,
    signed: SignedCredential,
    issued_at: dt.datetime,
    renewed_from: str | None = None,
) -> Award:
    """The award record of a credential signed from ``row``."""
    request = row.request
    slot = signed.slot
    return Award(
        id=award_id,
        credential_id=row.credential_id,
        issuer_id=context.issuer.id,
        achievement_id=context.version.achievement_id,
        achievement_version=context.version.version,
        recipient=request.recipient,
        issued_at=issued_at,
        valid_until=request.valid_until,
        source_key=request.source_key,
        signing_key_id=context.key_record.id,
        credential=signed.text,
        status_list_id=slot.list_id if slot else None,
        status_index=slot.index if slot else None,
        renewed_from=renewed_from,
    )


def build_award(
    deps: ServiceDeps,
    context: IssueContext,
    request: AwardRequest,
    slot: PendingSlot | StatusSlot,
    renewed_from: str | None = None,
) -> Award:
    """Sign one credential (no database access: the caller stores it)."""
    validate_request(deps, context, request)
    now = deps.clock.now()
    award_id = str(uuid.uuid4())
    row = signing_row(deps, context, with_validity(context, request, now), award_id, slot)
    (signed,) = CohortSigner(context.template, context.key).sign([row], now)
    if isinstance(signed, SigningFailure):
        raise InvalidInputError(f"cannot sign the credential: {signed.message}")
    return signed_award(context, award_id, row, signed, now, renewed_from)


def duplicate_error(existing: Award) -> ConflictError:
    return ConflictError(
        f"{existing.recipient.identifier} already has '{existing.achievement_id}' "
        f"(credential {existing.id})"
    )


def prior_award(uow: UnitOfWork, request: AwardRequest) -> Award | None:
    """The award that makes ``request`` a repeat: same source id, or, when the request has
    no id of its own, the same learner (an id lets a provider award a learner twice on
    purpose, e.g. for a second cohort)."""
    prior = uow.awards.by_source_key(request.achievement_id, request.source_key)
    if prior is None and request.source_id is None:
        prior = uow.awards.by_recipient(request.achievement_id, request.recipient.identifier)
    return prior


class SlotPool:
    """Status slots reserved ``chunk`` at a time, so a cohort costs one reservation per batch.

    With ``ahead`` (the cohort's writer thread), the next chunk is reserved there while this
    one is used: on SQLite a reservation is a write, which would otherwise wait for the commit
    of the batch being stored (a fifth of a cohort's time went there). ``release`` gives back
    what was reserved and not used.
    """

    def __init__(
        self, deps: ServiceDeps, context: IssueContext, chunk: int, ahead: Executor | None = None
    ) -> None:
        self._deps, self._context, self._chunk, self._ahead = deps, context, chunk, ahead
        self._slots: collections.deque[PendingSlot] = collections.deque()
        self._next: Future[list[PendingSlot]] | None = None

    def take(self, count: int, *, more: bool = False) -> list[PendingSlot]:
        """The next ``count`` reserved slots; their indexes are worked out by the signer.
        ``more``: further rows follow, so reserve the next chunk ahead (when there is an
        ``ahead``); the last batch reserves nothing it will not use."""
        while len(self._slots) < count:
            if self._next is not None:
                future, self._next = self._next, None
                self._slots.extend(future.result())
            else:
                needed = count - len(self._slots)
                self._slots.extend(self._reserve(max(self._chunk, needed) if more else needed))
        taken = [self._slots.popleft() for _ in range(count)]
        ahead = self._ahead is not None and more and self._next is None
        if ahead and len(self._slots) < self._chunk:
            assert self._ahead is not None
            self._next = self._ahead.submit(self._reserve, self._chunk)
        return taken

    def release(self) -> int:
        """Give back the slots not taken (``release_positions``); how many went back."""
        if self._next is not None:
            future, self._next = self._next, None
            self._slots.extend(future.result())
        unused, self._slots = list(self._slots), collections.deque()
        return release_positions(self._deps, unused) if unused else 0

    def _reserve(self, count: int) -> list[PendingSlot]:
        context = self._context
        return reserve_positions(
            self._deps, context.issuer.id, context.key_record.id, context.key, count
        )


def issue_award(
    deps: ServiceDeps,
    request: AwardRequest,
    *,
    renewed_from: str | None = None,
    audit: AuditEvent | None = None,
) -> Award:
    """Issue one credential, signed by the issuer's active key, stored in one transaction.

    Raises ``ConflictError`` when this learner (or this source id) already has it,
    ``InvalidInputError`` when the achievement is unpublished or a field is wrong.
    """
    with deps.uow() as uow:
        context = load_issue_context(uow, deps, request.achievement_id)
        existing = prior_award(uow, request)
        if existing is not None:
            raise duplicate_error(existing)
    validate_request(deps, context, request)
    (slot,) = SlotPool(deps, context, 1).take(1)
    award = build_award(deps, context, request, slot, renewed_from)
    with deps.uow() as uow:
        existing = prior_award(uow, request)
        if existing is not None:
            raise duplicate_error(existing)
        # the recipient's pathways are to be looked at: this may complete one (read before
        # the insert, whose clash with a racing process must surface at commit, below)
        due = mark_holdings(uow, request.recipient.email, award.issued_at)
        uow.awards.add(award)
        if audit is not None:
            uow.audit.append(dataclasses.replace(audit, reason=f"{audit.reason} as {award.id}"))
        # the outbox: the event is stored exactly when the award is
        record_event(uow, deps, "credential.issued", award, at=award.issued_at)
        try:
            uow.commit()
        except ConflictError:
            # Another process issued the same award between our check and commit.
            raise ConflictError(
                f"{request.recipient.identifier} was just awarded '{request.achievement_id}' "
                "by another process"
            ) from None
    settle_marked(deps, due)
    return award


def issue_once(deps: ServiceDeps, request: AwardRequest) -> Award:
    """``issue_award``, or the award issued already under the request's idempotency key: what
    a settler wants (earning, pathways), since another one may have issued it meanwhile.
    A clash with an award under another key (the learner has it by hand) is still raised."""
    try:
        return issue_award(deps, request)
    except ConflictError:
        with deps.uow() as uow:
            existing = uow.awards.by_source_key(request.achievement_id, request.source_key)
        if existing is None:
            raise
        return existing


def renew_award(
    deps: ServiceDeps, award_id: str, *, valid_until: dt.datetime | None, actor: str
) -> Award:
    """Issue a successor of ``award_id`` with a new validity (same learner, result,
    narrative and evidence, under the newest published version), linked to it and recorded
    in the audit log. A revoked credential cannot be renewed."""
    with deps.uow() as uow:
        old = uow.awards.get(award_id)
        version = uow.achievements.latest_published(old.achievement_id)
        issued_under = uow.achievements.version(old.achievement_id, old.achievement_version)
    if old.state.revoked:
        raise ConflictError(f"credential {old.id} is revoked; revocation is final")
    if old.state.suspended:
        raise ConflictError(f"credential {old.id} is suspended; unsuspend it before renewing")
    if valid_until is None and (version is None or version.spec.valid_for_days is None):
        raise InvalidInputError(
            "give the new validity (--valid-until): the definition sets no validity period"
        )
    document = json.loads(old.credential)
    subject = document.get("credentialSubject", {})
    request = AwardRequest(
        achievement_id=old.achievement_id,
        recipient=old.recipient,
        narrative=subject.get("narrative"),
        valid_until=valid_until,
        source_id=f"renewal-of:{old.id}",
        evidence=_evidence_of(document),
        results=_results_of(subject, issued_under),
        assessment=_assessment_of(subject),
    )
    event = AuditEvent(deps.clock.now(), actor, StatusAction.RENEW, old.id, "renewed")
    return issue_award(deps, request, renewed_from=old.id, audit=event)


def _evidence_of(document: dict[str, Any]) -> tuple[EvidenceItem, ...]:
    """The evidence of an issued credential, to be carried into its successor."""
    found = document.get("evidence") or []
    return tuple(
        EvidenceItem(
            name=item.get("name"),
            description=item.get("description"),
            url=item.get("id"),
            genre=item.get("genre"),
            narrative=item.get("narrative"),
        )
        for item in (found if isinstance(found, list) else [found])
        if isinstance(item, dict)
    )


def _results_of(
    subject: dict[str, Any], issued_under: AchievementVersion
) -> tuple[ResultValue, ...]:
    """The results of an issued credential, each matched again to its result description."""
    uri = subject.get("achievement", {}).get("id", "")
    by_id = {
        result_description_id(uri, rd.id): rd.id for rd in issued_under.spec.result_descriptions
    }
    found = subject.get("result") or []
    return tuple(
        ResultValue(by_id.get(result.get("resultDescription", ""), ""), str(result["value"]))
        for result in (found if isinstance(found, list) else [found])
        if isinstance(result, dict) and "value" in result
    )


def _assessment_of(subject: dict[str, Any]) -> Assessment | None:
    record = subject.get("assessmentRecord")
    if not isinstance(record, dict):
        return None
    return Assessment(record["supervision"], IdentityVerification(record["identityVerification"]))


def list_awards(
    deps: ServiceDeps, *, issuer_id: str | None = None, achievement_id: str | None = None
) -> list[Award]:
    with deps.uow() as uow:
        return list(uow.awards.list(issuer_id=issuer_id, achievement_id=achievement_id))


def show_award(deps: ServiceDeps, award_id: str) -> Award:
    with deps.uow() as uow:
        return uow.awards.get(award_id)


def credential_json(award: Award) -> dict[str, Any]:
    """The stored credential, parsed (for display; exports use ``award.credential``)."""
    document: dict[str, Any] = json.loads(award.credential)
    return document
