"""In-memory implementations of the service ports, for unit tests (STYLE.md habit 6).

``MemoryUnitOfWorkFactory`` keeps every table in plain dicts and behaves as the SQL unit of
work does: a unit of work changes a private copy of the data, ``commit`` checks the unique and
foreign-key constraints and publishes the copy, leaving the block without ``commit`` throws
the copy away. ``tests/integration/test_repository_contract.py`` runs the same contract
against this and the SQL implementation.

Isolation is stricter than the databases': a unit of work whose snapshot was overtaken by
another commit fails at its own commit with ``ConflictError`` (the services treat that as
"try again"), instead of merging the two.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Collection, Container, Iterator, Sequence
from types import TracebackType
from typing import Any, Self

from credstack.domain.accounts import ApiToken, Membership, User, UserSession
from credstack.domain.achievements import AchievementVersion, Status
from credstack.domain.award_jobs import AwardJob, JobStatus, Outcome, ReportLine
from credstack.domain.awards import Award
from credstack.domain.completions import Completion, CompletionEvent, Integration
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.evidence import EvidenceEvent, Rubric, Submission, SubmissionState
from credstack.domain.issuers import Issuer, SigningKeyRecord
from credstack.domain.oauth import (
    AuthorizationCode,
    LearnerApi,
    OAuthClient,
    OAuthToken,
    PortfolioEntry,
)
from credstack.domain.offerings import Enrolment, EnrolmentEvent, EnrolmentStatus, Offering
from credstack.domain.pathway_records import PathwayEvent, PathwayLearner, StoredPathway
from credstack.domain.quiz_attempts import Attempt, AttemptState, Quiz, QuizEvent
from credstack.domain.recognition import (
    Equivalence,
    ForeignCredential,
    RecognisedIssuer,
    RecognitionChange,
    RecognitionEvent,
    Verification,
)
from credstack.domain.signups import EmailToken
from credstack.domain.status import AuditEvent, CredentialState, StatusList
from credstack.domain.webhooks import (
    Delivery,
    DeliveryState,
    Event,
    SealedSecrets,
    Subscription,
)
from credstack.services.deps import ServiceDeps

__all__ = [
    "FixedClock",
    "MemoryKeyVault",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "memory_deps",
]


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.moment = start or dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


class MemoryKeyVault:
    """Seals with a reversible transform bound to the key id: not secret, but a sealed secret
    moved onto another key id fails to open, as with ``AesGcmKeyVault``."""

    _MAGIC = b"mem1"

    @staticmethod
    def _binding(key_id: str) -> bytes:
        return hashlib.sha256(key_id.encode("utf-8")).digest()[:8]

    def seal(self, key_id: str, secret: bytes) -> bytes:
        return self._MAGIC + self._binding(key_id) + secret[::-1]

    def open(self, key_id: str, sealed: bytes) -> bytes:
        head, binding, body = sealed[:4], sealed[4:12], sealed[12:]
        if head != self._MAGIC or binding != self._binding(key_id):
            raise InvalidInputError(f"cannot open signing key {key_id}: sealed for another key")
        return body[::-1]


# --- the store -------------------------------------------------------------------------------


@dataclasses.dataclass
class _Store:
    """Every table; rows are domain objects (copied in and out where they are mutable)."""

    issuers: dict[str, Issuer] = dataclasses.field(default_factory=dict)
    keys: dict[str, tuple[SigningKeyRecord, bytes]] = dataclasses.field(default_factory=dict)
    #: achievement id → (issuer id, created at)
    achievements: dict[str, tuple[str, dt.datetime]] = dataclasses.field(default_factory=dict)
    versions: dict[tuple[str, int], AchievementVersion] = dataclasses.field(default_factory=dict)
    awards: dict[str, Award] = dataclasses.field(default_factory=dict)
    status_lists: dict[int, StatusList] = dataclasses.field(default_factory=dict)
    #: (row id, event), in insertion order
    audit: list[tuple[int, AuditEvent]] = dataclasses.field(default_factory=list)
    users: dict[str, User] = dataclasses.field(default_factory=dict)
    memberships: dict[tuple[str, str], Membership] = dataclasses.field(default_factory=dict)
    tokens: dict[str, ApiToken] = dataclasses.field(default_factory=dict)
    sessions: dict[str, UserSession] = dataclasses.field(default_factory=dict)
    award_jobs: dict[str, AwardJob] = dataclasses.field(default_factory=dict)
    award_job_inputs: dict[tuple[str, int], bytes] = dataclasses.field(default_factory=dict)
    #: job id → row → report line
    award_job_lines: dict[str, dict[int, ReportLine]] = dataclasses.field(default_factory=dict)
    subscriptions: dict[str, tuple[Subscription, SealedSecrets]] = dataclasses.field(
        default_factory=dict
    )
    events: dict[str, Event] = dataclasses.field(default_factory=dict)
    #: delivery id → (delivery, lease until, lease token)
    deliveries: dict[str, tuple[Delivery, dt.datetime | None, str | None]] = dataclasses.field(
        default_factory=dict
    )
    oauth_clients: dict[str, OAuthClient] = dataclasses.field(default_factory=dict)
    oauth_codes: dict[str, AuthorizationCode] = dataclasses.field(default_factory=dict)
    oauth_tokens: dict[str, OAuthToken] = dataclasses.field(default_factory=dict)
    #: (user id, api, credential id) → entry, in the order first stored
    portfolio: dict[tuple[str, str, str], PortfolioEntry] = dataclasses.field(default_factory=dict)
    quizzes: dict[str, Quiz] = dataclasses.field(default_factory=dict)
    quiz_attempts: dict[str, Attempt] = dataclasses.field(default_factory=dict)
    #: (row id, event), in insertion order
    quiz_events: list[tuple[int, QuizEvent]] = dataclasses.field(default_factory=list)
    rubrics: dict[str, Rubric] = dataclasses.field(default_factory=dict)
    #: submission id → (submission, its file's bytes)
    submissions: dict[str, tuple[Submission, bytes | None]] = dataclasses.field(
        default_factory=dict
    )
    #: (row id, event), in insertion order
    evidence_events: list[tuple[int, EvidenceEvent]] = dataclasses.field(default_factory=list)
    offerings: dict[str, Offering] = dataclasses.field(default_factory=dict)
    enrolments: dict[str, Enrolment] = dataclasses.field(default_factory=dict)
    enrolment_events: list[EnrolmentEvent] = dataclasses.field(default_factory=list)
    email_tokens: dict[str, EmailToken] = dataclasses.field(default_factory=dict)
    recognised_issuers: dict[str, RecognisedIssuer] = dataclasses.field(default_factory=dict)
    equivalences: dict[str, Equivalence] = dataclasses.field(default_factory=dict)
    recognition_changes: list[RecognitionChange] = dataclasses.field(default_factory=list)
    foreign_credentials: dict[str, ForeignCredential] = dataclasses.field(default_factory=dict)
    recognition_events: list[RecognitionEvent] = dataclasses.field(default_factory=list)
    #: (issuer id, name) → (integration, its sealed secrets)
    integrations: dict[tuple[str, str], tuple[Integration, SealedSecrets]] = dataclasses.field(
        default_factory=dict
    )
    completions: dict[str, Completion] = dataclasses.field(default_factory=dict)
    completion_events: list[CompletionEvent] = dataclasses.field(default_factory=list)
    pathways: dict[tuple[str, int], StoredPathway] = dataclasses.field(default_factory=dict)
    pathway_learners: dict[str, PathwayLearner] = dataclasses.field(default_factory=dict)
    pathway_events: list[PathwayEvent] = dataclasses.field(default_factory=list)
    #: like database sequences, never reused
    next_status_list_id: int = 1
    next_audit_id: int = 1
    next_quiz_event_id: int = 1
    next_evidence_event_id: int = 1
    #: bumped by every commit, to notice a snapshot that another commit overtook
    generation: int = 0


# --- repositories ----------------------------------------------------------------------------


class MemoryIssuerRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, issuer: Issuer) -> None:
        if issuer.id in self._store.issuers:
            raise ConflictError(f"issuer '{issuer.id}' exists already")
        self._store.issuers[issuer.id] = issuer

    def find(self, issuer_id: str) -> Issuer | None:
        return self._store.issuers.get(issuer_id)

    def get(self, issuer_id: str) -> Issuer:
        issuer = self.find(issuer_id)
        if issuer is None:
            raise NotFoundError(f"no issuer '{issuer_id}'")
        return issuer

    def update(self, issuer: Issuer) -> None:
        stored = self._store.issuers.get(issuer.id)
        if stored is None:
            raise NotFoundError(f"no issuer '{issuer.id}'")
        # As the SQL row: created_at is never rewritten.
        self._store.issuers[issuer.id] = dataclasses.replace(issuer, created_at=stored.created_at)

    def list(self) -> list[Issuer]:
        return [self._store.issuers[key] for key in sorted(self._store.issuers)]


class MemoryKeyRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, record: SigningKeyRecord, sealed: bytes) -> None:
        if record.id in self._store.keys:
            raise ConflictError(f"signing key '{record.id}' exists already")
        self._store.keys[record.id] = (record, bytes(sealed))

    def active(self, issuer_id: str) -> tuple[SigningKeyRecord, bytes]:
        candidates = [
            entry
            for entry in self._store.keys.values()
            if entry[0].issuer_id == issuer_id and entry[0].retired_at is None
        ]
        if not candidates:
            raise NotFoundError(f"issuer '{issuer_id}' has no active signing key")
        return max(candidates, key=lambda entry: entry[0].created_at)

    def get(self, key_id: str) -> tuple[SigningKeyRecord, bytes]:
        entry = self._store.keys.get(key_id)
        if entry is None:
            raise NotFoundError(f"no signing key '{key_id}'")
        return entry

    def for_issuer(self, issuer_id: str) -> list[SigningKeyRecord]:
        records = [r for r, _ in self._store.keys.values() if r.issuer_id == issuer_id]
        return sorted(records, key=lambda r: (r.created_at, r.id))

    def retire(self, key_id: str, at: dt.datetime) -> None:
        entry = self._store.keys.get(key_id)
        if entry is not None:  # an UPDATE that matches nothing changes nothing
            self._store.keys[key_id] = (dataclasses.replace(entry[0], retired_at=at), entry[1])


class MemoryAchievementRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def create(self, version: AchievementVersion) -> None:
        if version.achievement_id in self._store.achievements:
            raise ConflictError(f"achievement '{version.achievement_id}' exists already")
        self._store.achievements[version.achievement_id] = (
            version.issuer_id,
            version.created_at,
        )
        self.save(version)

    def save(self, version: AchievementVersion) -> None:
        self._store.versions[(version.achievement_id, version.version)] = version

    def _as_stored(self, version: AchievementVersion) -> AchievementVersion:
        # The definition owns the issuer, as the SQL join does.
        issuer_id, _ = self._store.achievements[version.achievement_id]
        return dataclasses.replace(version, issuer_id=issuer_id)

    def _versions(self, achievement_id: str) -> list[AchievementVersion]:
        if achievement_id not in self._store.achievements:
            raise NotFoundError(f"no achievement '{achievement_id}'")
        found = [v for (a, _), v in self._store.versions.items() if a == achievement_id]
        return sorted(found, key=lambda v: v.version)

    def latest(self, achievement_id: str) -> AchievementVersion:
        versions = self._versions(achievement_id)
        if not versions:
            raise NotFoundError(f"no achievement '{achievement_id}'")
        return self._as_stored(versions[-1])

    def latest_published(self, achievement_id: str) -> AchievementVersion | None:
        published = [v for v in self._versions(achievement_id) if v.status is Status.PUBLISHED]
        return self._as_stored(published[-1]) if published else None

    def version(self, achievement_id: str, version: int) -> AchievementVersion:
        self._versions(achievement_id)
        found = self._store.versions.get((achievement_id, version))
        if found is None:
            raise NotFoundError(f"achievement '{achievement_id}' has no version {version}")
        return self._as_stored(found)

    def discard(self, achievement_id: str, version: int) -> None:
        self._store.versions.pop((achievement_id, version), None)
        if not any(a == achievement_id for a, _ in self._store.versions):
            self._store.achievements.pop(achievement_id, None)

    def list(self, issuer_id: str | None = None) -> list[AchievementVersion]:
        newest: dict[str, AchievementVersion] = {}
        for (achievement_id, number), version in self._store.versions.items():
            if achievement_id not in newest or number > newest[achievement_id].version:
                newest[achievement_id] = version
        result = [self._as_stored(newest[key]) for key in sorted(newest)]
        return [v for v in result if issuer_id is None or v.issuer_id == issuer_id]


class MemoryAwardRepository:
    def __init__(self, store: _Store, duplicates: list[str]) -> None:
        self._store = store
        self._duplicates = duplicates

    def add(self, award: Award) -> None:
        if award.id in self._store.awards:
            # A second row with this primary key: the database refuses it at commit.
            self._duplicates.append(f"award id {award.id}")
            return
        self._store.awards[award.id] = award

    def add_many(self, awards: Sequence[Award]) -> None:
        for award in awards:
            self.add(award)

    def prior_ids(
        self, achievement_id: str, source_keys: Collection[str], recipients: Collection[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        keys = set(source_keys)
        wanted = {r.lower() for r in recipients}
        by_key: dict[str, str] = {}
        by_recipient: dict[str, str] = {}
        for award in sorted(self._store.awards.values(), key=lambda a: a.issued_at):
            if award.achievement_id != achievement_id:
                continue
            if award.source_key in keys:
                by_key.setdefault(award.source_key, award.id)
            recipient = award.recipient.identifier.lower()
            if recipient in wanted:
                by_recipient.setdefault(recipient, award.id)
        return by_key, by_recipient

    def get(self, award_id: str) -> Award:
        award = self._store.awards.get(award_id) if len(award_id) == 36 else None
        if award is None:
            award = next(
                (a for a in self._store.awards.values() if a.credential_id == award_id), None
            )
        if award is None:
            raise NotFoundError(f"no credential '{award_id}'")
        return award

    def by_source_key(self, achievement_id: str, source_key: str) -> Award | None:
        return next(
            (
                a
                for a in self._store.awards.values()
                if a.achievement_id == achievement_id and a.source_key == source_key
            ),
            None,
        )

    def by_recipient(self, achievement_id: str, identifier: str) -> Award | None:
        key = identifier.lower()
        matches = [
            a
            for a in self._store.awards.values()
            if a.achievement_id == achievement_id and a.recipient.identifier.lower() == key
        ]
        return min(matches, key=lambda a: a.issued_at) if matches else None

    def list(
        self,
        *,
        issuer_id: str | None = None,
        achievement_id: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Iterator[Award]:
        awards = sorted(self._store.awards.values(), key=lambda a: (a.issued_at, a.id))
        chosen = [
            award
            for award in awards
            if (issuer_id is None or award.issuer_id == issuer_id)
            and (achievement_id is None or award.achievement_id == achievement_id)
        ]
        yield from chosen[offset : None if limit is None else offset + limit]

    def count(self, *, issuer_id: str | None = None) -> int:
        return sum(
            issuer_id is None or a.issuer_id == issuer_id for a in self._store.awards.values()
        )

    def for_recipient(
        self,
        identifier: str,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Sequence[Award]:
        key = identifier.lower()
        awards = sorted(
            (
                a
                for a in self._store.awards.values()
                if a.recipient.identifier.lower() == key and (since is None or a.issued_at > since)
            ),
            key=lambda a: (a.issued_at, a.id),
        )
        return awards[offset : None if limit is None else offset + limit]

    def count_for_recipient(self, identifier: str, *, since: dt.datetime | None = None) -> int:
        return len(self.for_recipient(identifier, since=since))

    def set_jwt(self, award_id: str, jwt: str) -> None:
        award = self._store.awards.get(award_id)
        if award is not None:
            self._store.awards[award_id] = dataclasses.replace(award, jwt=jwt)

    def set_state(self, award_id: str, state: CredentialState) -> None:
        award = self._store.awards.get(award_id)
        if award is not None:
            self._store.awards[award_id] = dataclasses.replace(award, state=state)

    def by_status_index(self, list_id: int, index: int) -> Award | None:
        return next(
            (
                a
                for a in self._store.awards.values()
                if a.status_list_id == list_id and a.status_index == index
            ),
            None,
        )

    def for_email(self, email: str) -> list[Award]:
        key = email.lower()
        found = [
            a
            for a in self._store.awards.values()
            if a.recipient.email is not None and a.recipient.email.lower() == key
        ]
        # newest first, then by id (as the SQL repository orders)
        found.sort(key=lambda a: a.id)
        found.sort(key=lambda a: a.issued_at, reverse=True)
        return found

    def set_claimed(self, award_id: str, at: dt.datetime) -> bool:
        award = self._store.awards.get(award_id)
        if award is None or award.claimed_at is not None:
            return False
        self._store.awards[award_id] = dataclasses.replace(award, claimed_at=at)
        return True


class MemoryStatusListRepository:
    """Lists are mutable objects: they are copied in and out, so that only ``save`` (and
    ``reserve``) change what is stored."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def open_list(self, issuer_id: str, did: str) -> StatusList | None:
        lists = [
            s
            for s in self._store.status_lists.values()
            if s.issuer_id == issuer_id and s.did == did and s.next_position < s.size
        ]
        return copy.deepcopy(max(lists, key=lambda s: s.number)) if lists else None

    def next_number(self, issuer_id: str) -> int:
        numbers = [s.number for s in self._store.status_lists.values() if s.issuer_id == issuer_id]
        return max(numbers, default=0) + 1

    def create(self, status_list: StatusList) -> StatusList:
        if self.by_number(status_list.issuer_id, status_list.number) is not None:
            raise ConflictError(
                f"status list {status_list.number} of '{status_list.issuer_id}' exists already"
            )
        status_list.id = self._store.next_status_list_id
        self._store.next_status_list_id += 1
        self._store.status_lists[status_list.id] = copy.deepcopy(status_list)
        return status_list

    def reserve(self, list_id: int, count: int) -> tuple[int, int]:
        stored = self._store.status_lists.get(list_id)
        if stored is None:
            raise NotFoundError(f"no status list {list_id}")
        start = stored.next_position
        take = min(count, stored.size - start)
        if take <= 0:
            return 0, 0
        stored.next_position = start + take
        return start, take

    def release(self, list_id: int, start: int, end: int) -> bool:
        stored = self._store.status_lists.get(list_id)
        if stored is None or stored.next_position != end:
            return False
        stored.next_position = start
        return True

    def get(self, list_id: int, *, for_update: bool = False) -> StatusList:
        stored = self._store.status_lists.get(list_id)
        if stored is None:
            raise NotFoundError(f"no status list {list_id}")
        return copy.deepcopy(stored)

    def by_number(self, issuer_id: str, number: int) -> StatusList | None:
        found = next(
            (
                s
                for s in self._store.status_lists.values()
                if s.issuer_id == issuer_id and s.number == number
            ),
            None,
        )
        return None if found is None else copy.deepcopy(found)

    def bits_by_number(
        self, issuer_id: str, number: int, purpose: str
    ) -> tuple[int, str, bytes] | None:
        found = self.by_number(issuer_id, number)
        if found is None or found.id is None:
            return None
        bits = found.revocation_bits if purpose == "revocation" else found.suspension_bits
        return found.id, found.did, bytes(bits)

    def save(self, status_list: StatusList) -> None:
        if status_list.id is None:
            return
        stored = self._store.status_lists.get(status_list.id)
        if stored is None:
            return
        # The columns the SQL UPDATE writes, no others (next_position belongs to reserve).
        stored.revocation_bits = bytearray(status_list.revocation_bits)
        stored.suspension_bits = bytearray(status_list.suspension_bits)
        stored.revocation_credential = status_list.revocation_credential
        stored.suspension_credential = status_list.suspension_credential
        stored.valid_until = status_list.valid_until
        stored.updated_at = status_list.updated_at

    def list(self, issuer_id: str | None = None) -> list[StatusList]:
        lists = sorted(self._store.status_lists.values(), key=lambda s: (s.issuer_id, s.number))
        return [copy.deepcopy(s) for s in lists if issuer_id is None or s.issuer_id == issuer_id]


class MemoryAuditRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def append(self, event: AuditEvent) -> None:
        self._store.audit.append((self._store.next_audit_id, event))
        self._store.next_audit_id += 1

    def for_award(self, award_id: str) -> list[AuditEvent]:
        rows = sorted(
            (row for row in self._store.audit if row[1].award_id == award_id),
            key=lambda row: (row[1].at, row[0]),
        )
        return [event for _, event in rows]


# --- constraints -----------------------------------------------------------------------------


def _unique(what: str, keys: list[tuple[object, ...]]) -> None:
    seen: set[tuple[object, ...]] = set()
    for key in keys:
        if any(part is None for part in key):
            continue  # as in SQL, NULLs never clash
        if key in seen:
            raise ConflictError(f"conflicts with what is stored: duplicate {what} {key}")
        seen.add(key)


def _refers(what: str, value: object, table: Container[object]) -> None:
    if value is not None and value not in table:
        raise ConflictError(f"conflicts with what is stored: {what} {value!r} does not exist")


def _check_constraints(store: _Store) -> None:
    """The schema's unique and foreign-key constraints (``storage/rows.py``)."""
    awards = list(store.awards.values())
    _unique("credential id", [(a.credential_id,) for a in awards])
    _unique("achievement and source key", [(a.achievement_id, a.source_key) for a in awards])
    _unique("status list and index", [(a.status_list_id, a.status_index) for a in awards])
    for record, _ in store.keys.values():
        _refers("issuer", record.issuer_id, store.issuers)
    for issuer_id, _ in store.achievements.values():
        _refers("issuer", issuer_id, store.issuers)
    for achievement_id, _ in store.versions:
        _refers("achievement", achievement_id, store.achievements)
    for award in awards:
        _refers("issuer", award.issuer_id, store.issuers)
        _refers("achievement", award.achievement_id, store.achievements)
        _refers("signing key", award.signing_key_id, store.keys)
        _refers("status list", award.status_list_id, store.status_lists)
        _refers("award", award.renewed_from, store.awards)
    for status_list in store.status_lists.values():
        _refers("issuer", status_list.issuer_id, store.issuers)
        _refers("signing key", status_list.signing_key_id, store.keys)
    for _, event in store.audit:
        _refers("award", event.award_id, store.awards)
    for subscription, _ in store.subscriptions.values():
        _refers("issuer", subscription.issuer_id, store.issuers)
    for event in store.events.values():
        _refers("issuer", event.issuer_id, store.issuers)
    _unique(
        "event and subscription",
        [(d.event_id, d.subscription_id) for d, _, _ in store.deliveries.values()],
    )
    for delivery, _, _ in store.deliveries.values():
        _refers("webhook event", delivery.event_id, store.events)
        _refers("webhook", delivery.subscription_id, store.subscriptions)
    for user_id, issuer_id in store.memberships:
        _refers("user", user_id, store.users)
        _refers("issuer", issuer_id, store.issuers)
    for session in store.sessions.values():
        _refers("user", session.user_id, store.users)
    for token in store.tokens.values():
        _refers("user", token.user_id, store.users)
        _refers("issuer", token.issuer_id, store.issuers)
    for code in store.oauth_codes.values():
        _refers("oauth client", code.client_id, store.oauth_clients)
        _refers("user", code.user_id, store.users)
    hashes: set[str] = set()
    for oauth_token in store.oauth_tokens.values():
        _refers("oauth client", oauth_token.client_id, store.oauth_clients)
        _refers("user", oauth_token.user_id, store.users)
        for digest in (oauth_token.access_hash, oauth_token.refresh_hash):
            if digest is not None and digest in hashes:
                raise ConflictError("conflicts with what is stored: a token hash is taken")
            if digest is not None:
                hashes.add(digest)
    for user_id, _, _ in store.portfolio:
        _refers("user", user_id, store.users)
    for offering in store.offerings.values():
        _refers("issuer", offering.issuer_id, store.issuers)
        _refers("achievement", offering.achievement_id, store.achievements)
    enrolments = list(store.enrolments.values())
    _unique("offering and user", [(e.offering_id, e.user_id) for e in enrolments])
    for enrolment in enrolments:
        _refers("offering", enrolment.offering_id, store.offerings)
        _refers("user", enrolment.user_id, store.users)
    for enrolment_event in store.enrolment_events:
        _refers("enrolment", enrolment_event.enrolment_id, store.enrolments)
    for email_token in store.email_tokens.values():
        _refers("user", email_token.user_id, store.users)
    _check_quizzes(store)
    _check_completions(store)


def _check_completions(store: _Store) -> None:
    for issuer_id, _ in store.integrations:
        _refers("issuer", issuer_id, store.issuers)
    completions = list(store.completions.values())
    _unique(
        "system, issuer and external id",
        [(c.system, c.issuer_id, c.external_id) for c in completions],
    )
    for completion in completions:
        _refers("issuer", completion.issuer_id, store.issuers)
        _refers("offering", completion.offering_id, store.offerings)
        _refers("user", completion.user_id, store.users)
    for event in store.completion_events:
        _refers("issuer", event.issuer_id, store.issuers)
        _refers("completion", event.completion_id, store.completions)
    _check_evidence(store)
    _check_recognition(store)


def _check_quizzes(store: _Store) -> None:
    for quiz in store.quizzes.values():
        _refers("issuer", quiz.issuer_id, store.issuers)
    attempts = list(store.quiz_attempts.values())
    _unique("quiz, user and number", [(a.quiz_id, a.user_id, a.number) for a in attempts])
    for attempt in attempts:
        _refers("quiz", attempt.quiz_id, store.quizzes)
        _refers("user", attempt.user_id, store.users)
    for _, event in store.quiz_events:
        _refers("quiz", event.quiz_id, store.quizzes)
        _refers("quiz attempt", event.attempt_id, store.quiz_attempts)


def _check_evidence(store: _Store) -> None:
    for rubric in store.rubrics.values():
        _refers("issuer", rubric.issuer_id, store.issuers)
    submissions = [submission for submission, _ in store.submissions.values()]
    _unique(
        "offering, requirement, user and version",
        [(s.offering_id, s.requirement_id, s.user_id, s.version) for s in submissions],
    )
    for submission in submissions:
        _refers("issuer", submission.issuer_id, store.issuers)
        _refers("offering", submission.offering_id, store.offerings)
        _refers("rubric", submission.rubric_id, store.rubrics)
        _refers("user", submission.user_id, store.users)
    for _, event in store.evidence_events:
        _refers("rubric", event.rubric_id, store.rubrics)
        _refers("submission", event.submission_id, store.submissions)


def _check_recognition(store: _Store) -> None:
    entries = list(store.recognised_issuers.values())
    _unique("organisation and issuer", [(e.organisation_id, e.issuer) for e in entries])
    for entry in entries:
        _refers("issuer", entry.organisation_id, store.issuers)
    for equivalence in store.equivalences.values():
        _refers("issuer", equivalence.organisation_id, store.issuers)
        _refers("achievement", equivalence.achievement_id, store.achievements)
    for change in store.recognition_changes:
        _refers("issuer", change.organisation_id, store.issuers)
    credentials = list(store.foreign_credentials.values())
    _unique("user and key", [(c.user_id, c.key) for c in credentials])
    for credential in credentials:
        _refers("user", credential.user_id, store.users)
    for event in store.recognition_events:
        _refers("foreign credential", event.credential_id, store.foreign_credentials)
        _refers("issuer", event.organisation_id, store.issuers)


class MemoryRecognitionRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_issuer(self, entry: RecognisedIssuer) -> None:
        key = (entry.organisation_id, entry.issuer)
        if any(
            (e.organisation_id, e.issuer) == key for e in self._store.recognised_issuers.values()
        ):
            raise ConflictError(f"issuer {entry.issuer} is already recognised")
        self._store.recognised_issuers[entry.id] = entry

    def issuers_of(self, organisation_id: str) -> list[RecognisedIssuer]:
        found = (e for e in self._store.recognised_issuers.values())
        return sorted(
            (e for e in found if e.organisation_id == organisation_id),
            key=lambda e: (e.created_at, e.id),
        )

    def recognising(self, issuer: str) -> list[RecognisedIssuer]:
        return sorted(
            (e for e in self._store.recognised_issuers.values() if e.issuer == issuer),
            key=lambda e: (e.created_at, e.id),
        )

    def remove_issuer(self, entry_id: str) -> None:
        self._store.recognised_issuers.pop(entry_id, None)

    def add_equivalence(self, entry: Equivalence) -> None:
        self._store.equivalences[entry.id] = entry

    def equivalences_of(self, organisation_id: str) -> list[Equivalence]:
        return sorted(
            (e for e in self._store.equivalences.values() if e.organisation_id == organisation_id),
            key=lambda e: (e.created_at, e.id),
        )

    def remove_equivalence(self, entry_id: str) -> None:
        self._store.equivalences.pop(entry_id, None)

    def record_change(self, change: RecognitionChange) -> None:
        self._store.recognition_changes.append(change)

    def changes(self, organisation_id: str) -> list[RecognitionChange]:
        return [c for c in self._store.recognition_changes if c.organisation_id == organisation_id]

    def add_credential(self, credential: ForeignCredential) -> None:
        key = (credential.user_id, credential.key)
        if any((c.user_id, c.key) == key for c in self._store.foreign_credentials.values()):
            raise ConflictError("you have added this credential already")
        self._store.foreign_credentials[credential.id] = credential

    def credential(self, credential_id: str) -> ForeignCredential | None:
        return self._store.foreign_credentials.get(credential_id)

    def credentials_of(self, user_id: str) -> list[ForeignCredential]:
        return sorted(
            (c for c in self._store.foreign_credentials.values() if c.user_id == user_id),
            key=lambda c: (c.added_at, c.id),
        )

    def set_verification(self, credential_id: str, verification: Verification) -> None:
        stored = self._store.foreign_credentials.get(credential_id)
        if stored is not None:
            self._store.foreign_credentials[credential_id] = dataclasses.replace(
                stored, verification=verification
            )

    def record(self, event: RecognitionEvent) -> None:
        self._store.recognition_events.append(event)

    def events(self, credential_id: str) -> list[RecognitionEvent]:
        return [e for e in self._store.recognition_events if e.credential_id == credential_id]

    def last_decision(self, credential_id: str, organisation_id: str) -> RecognitionEvent | None:
        return next(
            (
                e
                for e in reversed(self._store.recognition_events)
                if e.credential_id == credential_id
                and e.organisation_id == organisation_id
                and e.action == "decided"
            ),
            None,
        )


class MemoryOAuthRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_client(self, client: OAuthClient) -> None:
        if client.client_id in self._store.oauth_clients:
            raise ConflictError(f"client {client.client_id} exists already")
        self._store.oauth_clients[client.client_id] = client

    def client(self, client_id: str) -> OAuthClient | None:
        return self._store.oauth_clients.get(client_id)

    def add_code(self, code: AuthorizationCode) -> None:
        if code.code_hash in self._store.oauth_codes:
            raise ConflictError("that code exists already")
        self._store.oauth_codes[code.code_hash] = code

    def code(self, code_hash: str) -> AuthorizationCode | None:
        return self._store.oauth_codes.get(code_hash)

    def use_code(self, code_hash: str, at: dt.datetime) -> bool:
        code = self._store.oauth_codes.get(code_hash)
        if code is None or code.used_at is not None:
            return False
        self._store.oauth_codes[code_hash] = dataclasses.replace(code, used_at=at)
        return True

    def add_token(self, token: OAuthToken) -> None:
        if token.id in self._store.oauth_tokens:
            raise ConflictError(f"token {token.id} exists already")
        self._store.oauth_tokens[token.id] = token

    def token_by_access(self, access_hash: str) -> OAuthToken | None:
        tokens = self._store.oauth_tokens.values()
        return next((t for t in tokens if t.access_hash == access_hash), None)

    def token_by_refresh(self, refresh_hash: str) -> OAuthToken | None:
        tokens = self._store.oauth_tokens.values()
        return next((t for t in tokens if t.refresh_hash == refresh_hash), None)

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        token = self._store.oauth_tokens.get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        self._store.oauth_tokens[token_id] = dataclasses.replace(token, revoked_at=at)
        return True

    def revoke_tokens_of_code(self, code_hash: str, at: dt.datetime) -> int:
        live = [
            t.id
            for t in self._store.oauth_tokens.values()
            if t.code_hash == code_hash and t.revoked_at is None
        ]
        return sum(self.revoke_token(token_id, at) for token_id in live)


class MemoryPortfolioRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def get(self, user_id: str, api: LearnerApi, credential_id: str) -> PortfolioEntry | None:
        return self._store.portfolio.get((user_id, api.value, credential_id))

    def put(self, entry: PortfolioEntry) -> None:
        key = (entry.user_id, entry.api.value, entry.credential_id)
        stored = self._store.portfolio.get(key)
        if stored is not None:
            entry = dataclasses.replace(entry, stored_at=stored.stored_at)
        self._store.portfolio[key] = entry

    def list(
        self,
        user_id: str,
        api: LearnerApi,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[PortfolioEntry]:
        entries = [
            e
            for (user, kind, _), e in self._store.portfolio.items()
            if user == user_id and kind == api.value and (since is None or e.updated_at > since)
        ]
        # first stored first; insertion order breaks ties, as the row id does in SQL
        entries.sort(key=lambda e: e.stored_at)
        return entries[offset : None if limit is None else offset + limit]

    def count(self, user_id: str, api: LearnerApi, *, since: dt.datetime | None = None) -> int:
        return len(self.list(user_id, api, since=since))


class MemoryAccountRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_user(self, user: User) -> None:
        if self.user_by_email(user.email) is not None:
            raise ConflictError(f"there is a user {user.email} already")
        self._store.users[user.id] = user

    def user(self, user_id: str) -> User:
        found = self._store.users.get(user_id)
        if found is None:
            raise NotFoundError(f"no user {user_id}")
        return found

    def user_by_email(self, email: str) -> User | None:
        key = email.lower()
        return next((u for u in self._store.users.values() if u.email.lower() == key), None)

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None:
        user = self.user(user_id)
        self._store.users[user_id] = dataclasses.replace(user, password_hash=password_hash)

    def set_name(self, user_id: str, name: str) -> None:
        user = self.user(user_id)
        self._store.users[user_id] = dataclasses.replace(user, name=name)

    def set_membership(self, membership: Membership) -> None:
        self._store.memberships[(membership.user_id, membership.issuer_id)] = membership

    def membership(self, user_id: str, issuer_id: str) -> Membership | None:
        return self._store.memberships.get((user_id, issuer_id))

    def memberships_of(self, user_id: str) -> list[Membership]:
        found = [m for (user, _), m in self._store.memberships.items() if user == user_id]
        return sorted(found, key=lambda m: m.issuer_id)

    def add_token(self, token: ApiToken) -> None:
        if token.id in self._store.tokens:
            raise ConflictError(f"token {token.id} exists already")
        self._store.tokens[token.id] = token

    def token(self, token_id: str) -> ApiToken | None:
        return self._store.tokens.get(token_id)

    def tokens_for(self, issuer_id: str) -> list[ApiToken]:
        tokens = [t for t in self._store.tokens.values() if t.issuer_id == issuer_id]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))

    def add_session(self, session: UserSession) -> None:
        if session.id in self._store.sessions:
            raise ConflictError(f"session {session.id} exists already")
        self._store.sessions[session.id] = session

    def session(self, session_id: str) -> UserSession | None:
        return self._store.sessions.get(session_id)

    def end_sessions(
        self, at: dt.datetime, *, session_id: str | None = None, user_id: str | None = None
    ) -> int:
        ended = 0
        for found in list(self._store.sessions.values()):
            if found.ended_at is not None:
                continue
            if session_id is not None and found.id != session_id:
                continue
            if user_id is not None and found.user_id != user_id:
                continue
            self._store.sessions[found.id] = dataclasses.replace(found, ended_at=at)
            ended += 1
        return ended

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        token = self._store.tokens.get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        self._store.tokens[token_id] = dataclasses.replace(token, revoked_at=at)
        return True


class MemoryWebhookRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def _get(self, subscription_id: str) -> tuple[Subscription, SealedSecrets]:
        found = self._store.subscriptions.get(subscription_id)
        if found is None:
            raise NotFoundError(f"no webhook {subscription_id}")
        return found

    def add_subscription(self, subscription: Subscription, secrets: SealedSecrets) -> None:
        if subscription.id in self._store.subscriptions:
            raise ConflictError(f"webhook {subscription.id} exists already")
        self._store.subscriptions[subscription.id] = (subscription, secrets)

    def subscription(self, subscription_id: str) -> Subscription:
        return self._get(subscription_id)[0]

    def subscriptions(self, issuer_id: str | None = None) -> list[Subscription]:
        found = [
            s
            for s, _ in self._store.subscriptions.values()
            if issuer_id is None or s.issuer_id == issuer_id
        ]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    def subscribers(self, issuer_id: str, event_type: str) -> list[str]:
        return [s.id for s in self.subscriptions(issuer_id) if s.active and event_type in s.events]

    def secrets(self, subscription_id: str) -> SealedSecrets:
        return self._get(subscription_id)[1]

    def set_secrets(self, subscription_id: str, secrets: SealedSecrets) -> None:
        subscription, _ = self._get(subscription_id)
        self._store.subscriptions[subscription_id] = (subscription, secrets)

    def disable(self, subscription_id: str, at: dt.datetime, reason: str) -> None:
        subscription, secrets = self._get(subscription_id)
        disabled = dataclasses.replace(subscription, disabled_at=at, disabled_reason=reason)
        self._store.subscriptions[subscription_id] = (disabled, secrets)
        for key, (delivery, _, _) in list(self._store.deliveries.items()):
            if delivery.subscription_id == subscription_id and (
                delivery.state is DeliveryState.PENDING
            ):
                failed = dataclasses.replace(
                    delivery, state=DeliveryState.FAILED, next_attempt_at=None, last_error=reason
                )
                self._store.deliveries[key] = (failed, None, None)

    def delete_subscription(self, subscription_id: str) -> None:
        self._get(subscription_id)
        for key, (delivery, _, _) in list(self._store.deliveries.items()):
            if delivery.subscription_id == subscription_id:
                del self._store.deliveries[key]
        del self._store.subscriptions[subscription_id]

    def add_events(self, events: Sequence[Event], deliveries: Sequence[Delivery]) -> None:
        for event in events:
            if event.id in self._store.events:
                raise ConflictError(f"conflicts with what is stored: event {event.id}")
            self._store.events[event.id] = event
        for delivery in deliveries:
            self._store.deliveries[delivery.id] = (delivery, None, None)

    def event(self, event_id: str) -> Event:
        found = self._store.events.get(event_id)
        if found is None:
            raise NotFoundError(f"no webhook event {event_id}")
        return found

    def deliveries(self, subscription_id: str, limit: int = 50) -> list[Delivery]:
        found = [
            d for d, _, _ in self._store.deliveries.values() if d.subscription_id == subscription_id
        ]
        found.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return found[:limit]

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, token: str, limit: int
    ) -> list[Delivery]:
        due = [
            d
            for d, until, _ in self._store.deliveries.values()
            if d.state is DeliveryState.PENDING
            and d.next_attempt_at is not None
            and d.next_attempt_at <= now
            and (until is None or until <= now)
        ]
        due.sort(key=lambda d: (d.next_attempt_at or now, d.id))
        for delivery in due[:limit]:
            self._store.deliveries[delivery.id] = (delivery, lease_until, token)
        return due[:limit]

    def finish(self, delivery: Delivery, token: str) -> bool:
        found = self._store.deliveries.get(delivery.id)
        if found is None or found[2] != token:
            return False
        self._store.deliveries[delivery.id] = (delivery, None, None)
        return True


class MemoryQuizRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, quiz: Quiz) -> None:
        if quiz.id in self._store.quizzes:
            raise ConflictError(f"conflicts with what is stored: duplicate quiz id {quiz.id}")
        self._store.quizzes[quiz.id] = quiz

    def find(self, quiz_id: str) -> Quiz | None:
        return self._store.quizzes.get(quiz_id)

    def replace(self, quiz: Quiz) -> None:
        self._store.quizzes[quiz.id] = quiz

    def for_issuer(self, issuer_id: str) -> list[Quiz]:
        return sorted(
            (q for q in self._store.quizzes.values() if q.issuer_id == issuer_id),
            key=lambda q: q.id,
        )

    def add_attempt(self, attempt: Attempt) -> None:
        key = (attempt.quiz_id, attempt.user_id, attempt.number)
        if any((a.quiz_id, a.user_id, a.number) == key for a in self._store.quiz_attempts.values()):
            raise ConflictError(f"conflicts with what is stored: duplicate attempt {key}")
        self._store.quiz_attempts[attempt.id] = attempt

    def attempt(self, attempt_id: str) -> Attempt | None:
        return self._store.quiz_attempts.get(attempt_id)

    def attempts_of(self, quiz_id: str, user_id: str) -> list[Attempt]:
        return sorted(
            (
                a
                for a in self._store.quiz_attempts.values()
                if a.quiz_id == quiz_id and a.user_id == user_id
            ),
            key=lambda a: a.number,
        )

    def count_attempts(self, quiz_id: str) -> int:
        return sum(1 for a in self._store.quiz_attempts.values() if a.quiz_id == quiz_id)

    def finish(self, attempt: Attempt) -> bool:
        stored = self._store.quiz_attempts.get(attempt.id)
        if stored is None or stored.state is not AttemptState.IN_PROGRESS:
            return False
        self._store.quiz_attempts[attempt.id] = attempt
        return True

    def record(self, event: QuizEvent) -> None:
        self._store.quiz_events.append((self._store.next_quiz_event_id, event))
        self._store.next_quiz_event_id += 1

    def events(self, quiz_id: str) -> list[QuizEvent]:
        rows = sorted(
            (row for row in self._store.quiz_events if row[1].quiz_id == quiz_id),
            key=lambda row: (row[1].at, row[0]),
        )
        return [event for _, event in rows]


class MemoryPathwayRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, pathway: StoredPathway) -> None:
        key = (pathway.id, pathway.version)
        if key in self._store.pathways:
            raise ConflictError("conflicts with what is stored: that version was saved")
        self._store.pathways[key] = pathway

    def latest(self, pathway_id: str) -> StoredPathway | None:
        found = [p for (i, _), p in self._store.pathways.items() if i == pathway_id]
        return max(found, key=lambda p: p.version) if found else None

    def version(self, pathway_id: str, version: int) -> StoredPathway | None:
        return self._store.pathways.get((pathway_id, version))

    def for_issuer(self, issuer_id: str) -> list[StoredPathway]:
        ids = sorted({i for (i, _), p in self._store.pathways.items() if p.issuer_id == issuer_id})
        return [p for p in (self.latest(i) for i in ids) if p is not None]

    def add_learner(self, learner: PathwayLearner) -> None:
        if self.learner_of(learner.pathway_id, learner.user_id) is not None:
            raise ConflictError("conflicts with what is stored: the learner is on it already")
        self._store.pathway_learners[learner.id] = learner

    def learner(self, learner_id: str) -> PathwayLearner:
        found = self._store.pathway_learners.get(learner_id)
        if found is None:
            raise NotFoundError(f"no learner '{learner_id}' on a pathway")
        return found

    def _learners(self, keep: Callable[[PathwayLearner], bool]) -> list[PathwayLearner]:
        found = [p for p in self._store.pathway_learners.values() if keep(p)]
        return sorted(found, key=lambda p: (p.started_at, p.id))

    def learner_of(self, pathway_id: str, user_id: str) -> PathwayLearner | None:
        found = self._learners(lambda p: (p.pathway_id, p.user_id) == (pathway_id, user_id))
        return found[0] if found else None

    def learners(self, pathway_id: str) -> list[PathwayLearner]:
        return self._learners(lambda p: p.pathway_id == pathway_id)

    def learners_of_user(self, user_id: str) -> list[PathwayLearner]:
        return self._learners(lambda p: p.user_id == user_id)

    def _change(self, learner_id: str, **changes: Any) -> None:
        found = self._store.pathway_learners[learner_id]
        self._store.pathway_learners[learner_id] = dataclasses.replace(found, **changes)

    def has_learners(self) -> bool:
        return bool(self._store.pathway_learners)

    def learner_ids_for_emails(self, emails: Collection[str]) -> list[str]:
        users = {u.id for u in self._store.users.values() if u.email in set(emails)}
        return sorted(p.id for p in self._store.pathway_learners.values() if p.user_id in users)

    def mark_due(self, learner_ids: Collection[str], at: dt.datetime) -> None:
        for learner_id in learner_ids:
            if learner_id in self._store.pathway_learners:
                self._change(learner_id, check_due_at=at)

    def mark_awarded_due(self, at: dt.datetime) -> int:
        awarded = [p.id for p in self._store.pathway_learners.values() if p.award_id is not None]
        self.mark_due(awarded, at)
        return len(awarded)

    def due(self, limit: int) -> list[PathwayLearner]:
        found = [p for p in self._store.pathway_learners.values() if p.check_due_at is not None]
        return sorted(found, key=lambda p: (p.check_due_at or p.started_at, p.id))[:limit]

    def clear_due(self, learner_id: str, seen_due_at: dt.datetime) -> bool:
        found = self._store.pathway_learners.get(learner_id)
        if found is None or found.check_due_at != seen_due_at:
            return False
        self._change(learner_id, check_due_at=None)
        return True

    def record_award(self, learner_id: str, award_id: str, at: dt.datetime) -> bool:
        found = self._store.pathway_learners.get(learner_id)
        if found is None or found.award_id is not None:
            return False
        self._change(learner_id, award_id=award_id, completed_at=at, check_due_at=None)
        return True

    def set_flag(self, learner_id: str, flagged: str | None) -> None:
        if learner_id in self._store.pathway_learners:
            self._change(learner_id, flagged=flagged)

    def record(self, event: PathwayEvent) -> None:
        self._store.pathway_events.append(event)

    def events(self, pathway_id: str) -> list[PathwayEvent]:
        found = [(n, e) for n, e in enumerate(self._store.pathway_events)]
        ordered = sorted(found, key=lambda pair: (pair[1].at, pair[0]))
        return [e for _, e in ordered if e.pathway_id == pathway_id]


class MemoryCompletionRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_integration(self, integration: Integration, secrets: SealedSecrets) -> None:
        key = (integration.issuer_id, integration.name)
        if key in self._store.integrations:
            raise ConflictError(f"conflicts with what is stored: integration {key}")
        self._store.integrations[key] = (integration, secrets)

    def integration(self, issuer_id: str, name: str) -> Integration | None:
        found = self._store.integrations.get((issuer_id, name))
        return None if found is None else found[0]

    def integration_secrets(self, issuer_id: str, name: str) -> SealedSecrets:
        found = self._store.integrations.get((issuer_id, name))
        if found is None:
            raise NotFoundError(f"no integration '{name}'")
        return found[1]

    def integrations(self, issuer_id: str) -> list[Integration]:
        return [
            integration
            for (issuer, _), (integration, _) in sorted(self._store.integrations.items())
            if issuer == issuer_id
        ]

    def set_integration(
        self, integration: Integration, secrets: SealedSecrets | None = None
    ) -> None:
        key = (integration.issuer_id, integration.name)
        found = self._store.integrations.get(key)
        if found is None:
            raise NotFoundError(f"no integration '{integration.name}'")
        stored = dataclasses.replace(
            found[0], rotated_at=integration.rotated_at, disabled_at=integration.disabled_at
        )
        self._store.integrations[key] = (stored, secrets or found[1])

    def add(self, completion: Completion) -> None:
        key = (completion.system, completion.issuer_id, completion.external_id)
        if completion.id in self._store.completions or any(
            (c.system, c.issuer_id, c.external_id) == key for c in self._store.completions.values()
        ):
            raise ConflictError(
                f"{completion.system} reported completion '{completion.external_id}' already"
            )
        self._store.completions[completion.id] = completion

    def by_external_id(self, issuer_id: str, system: str, external_id: str) -> Completion | None:
        key = (system, issuer_id, external_id)
        return next(
            (
                c
                for c in self._store.completions.values()
                if (c.system, c.issuer_id, c.external_id) == key
            ),
            None,
        )

    def for_learner(self, offering_id: str, user_id: str) -> list[Completion]:
        found = [
            c
            for c in self._store.completions.values()
            if c.offering_id == offering_id and c.user_id == user_id
        ]
        return sorted(found, key=lambda c: (c.completed_at, c.recorded_at, c.id))

    def record(self, event: CompletionEvent) -> None:
        self._store.completion_events.append(event)

    def events(self, issuer_id: str) -> list[CompletionEvent]:
        found = [
            (n, e) for n, e in enumerate(self._store.completion_events) if e.issuer_id == issuer_id
        ]
        return [e for _, e in sorted(found, key=lambda pair: (pair[1].at, pair[0]))]


class MemoryEvidenceRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_rubric(self, rubric: Rubric) -> None:
        if rubric.id in self._store.rubrics:
            raise ConflictError(f"conflicts with what is stored: duplicate rubric id {rubric.id}")
        self._store.rubrics[rubric.id] = rubric

    def rubric(self, rubric_id: str) -> Rubric | None:
        return self._store.rubrics.get(rubric_id)

    def replace_rubric(self, rubric: Rubric) -> None:
        self._store.rubrics[rubric.id] = rubric

    def rubrics_for(self, issuer_id: str) -> list[Rubric]:
        return sorted(
            (r for r in self._store.rubrics.values() if r.issuer_id == issuer_id),
            key=lambda r: r.id,
        )

    def count_reviewed(self, rubric_id: str) -> int:
        return sum(
            1
            for s, _ in self._store.submissions.values()
            if s.rubric_id == rubric_id and s.state is not SubmissionState.SUBMITTED
        )

    def add_submission(self, submission: Submission, content: bytes | None) -> None:
        key = (submission.offering_id, submission.requirement_id, submission.user_id)
        if any(
            (s.offering_id, s.requirement_id, s.user_id) == key and s.version == submission.version
            for s, _ in self._store.submissions.values()
        ):
            raise ConflictError("another submission was made at the same time")
        if submission.file is not None and content is not None:
            digest = hashlib.sha256(content).hexdigest()
            file = dataclasses.replace(submission.file, size=len(content), sha256=digest)
            submission = dataclasses.replace(submission, file=file)
        else:
            submission, content = dataclasses.replace(submission, file=None), None
        self._store.submissions[submission.id] = (submission, content)

    def submission(self, submission_id: str) -> Submission | None:
        found = self._store.submissions.get(submission_id)
        return None if found is None else found[0]

    def versions(self, offering_id: str, requirement_id: str, user_id: str) -> list[Submission]:
        key = (offering_id, requirement_id, user_id)
        return sorted(
            (
                s
                for s, _ in self._store.submissions.values()
                if (s.offering_id, s.requirement_id, s.user_id) == key
            ),
            key=lambda s: s.version,
        )

    def file_content(self, submission_id: str) -> bytes | None:
        found = self._store.submissions.get(submission_id)
        return None if found is None else found[1]

    def review(self, submission: Submission) -> bool:
        found = self._store.submissions.get(submission.id)
        if found is None or found[0].state is not SubmissionState.SUBMITTED:
            return False
        stored, content = found
        reviewed = dataclasses.replace(
            stored,
            state=submission.state,
            reviewed_at=submission.reviewed_at,
            reviewer=submission.reviewer,
            levels=None if submission.levels is None else dict(submission.levels),
            points=submission.points,
            max_points=submission.max_points,
            feedback=submission.feedback,
        )
        self._store.submissions[submission.id] = (reviewed, content)
        return True

    def queue(
        self,
        issuer_ids: Collection[str],
        *,
        state: SubmissionState | None = None,
        offering_id: str | None = None,
        requirement_id: str | None = None,
        user_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Submission], int]:
        found = sorted(
            (
                s
                for s, _ in self._store.submissions.values()
                if s.issuer_id in issuer_ids
                and (state is None or s.state is state)
                and (offering_id is None or s.offering_id == offering_id)
                and (requirement_id is None or s.requirement_id == requirement_id)
                and (user_id is None or s.user_id == user_id)
            ),
            key=lambda s: (s.submitted_at, s.id),
        )
        return found[offset : offset + limit], len(found)

    def record(self, event: EvidenceEvent) -> None:
        self._store.evidence_events.append((self._store.next_evidence_event_id, event))
        self._store.next_evidence_event_id += 1

    def events(
        self, rubric_id: str, submission_ids: Collection[str] | None = None
    ) -> list[EvidenceEvent]:
        rows = sorted(
            (
                row
                for row in self._store.evidence_events
                if row[1].rubric_id == rubric_id
                and (submission_ids is None or row[1].submission_id in submission_ids)
            ),
            key=lambda row: (row[1].at, row[0]),
        )
        return [event for _, event in rows]


# --- unit of work ----------------------------------------------------------------------------


class MemoryUnitOfWork:
    """Repositories over a private copy of the factory's store, published by ``commit``."""

    issuers: MemoryIssuerRepository
    keys: MemoryKeyRepository
    achievements: MemoryAchievementRepository
    awards: MemoryAwardRepository
    status_lists: MemoryStatusListRepository
    audit: MemoryAuditRepository
    accounts: MemoryAccountRepository
    award_jobs: MemoryAwardJobRepository
    webhooks: MemoryWebhookRepository
    oauth: MemoryOAuthRepository
    portfolio: MemoryPortfolioRepository
    quizzes: MemoryQuizRepository
    evidence: MemoryEvidenceRepository
    offerings: MemoryOfferingRepository
    signups: MemorySignupRepository
    recognition: MemoryRecognitionRepository
    completions: MemoryCompletionRepository
    pathways: MemoryPathwayRepository
    recognition: MemoryRecognitionRepository

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self._work: _Store | None = None
        self._duplicates: list[str] = []

    def __enter__(self) -> Self:
        work = self._factory.snapshot()
        self._work = work
        self._duplicates = []
        self.issuers = MemoryIssuerRepository(work)
        self.keys = MemoryKeyRepository(work)
        self.achievements = MemoryAchievementRepository(work)
        self.awards = MemoryAwardRepository(work, self._duplicates)
        self.status_lists = MemoryStatusListRepository(work)
        self.audit = MemoryAuditRepository(work)
        self.accounts = MemoryAccountRepository(work)
        self.award_jobs = MemoryAwardJobRepository(work)
        self.webhooks = MemoryWebhookRepository(work)
        self.oauth = MemoryOAuthRepository(work)
        self.portfolio = MemoryPortfolioRepository(work)
        self.offerings = MemoryOfferingRepository(work)
        self.signups = MemorySignupRepository(work)
        self.quizzes = MemoryQuizRepository(work)
        self.completions = MemoryCompletionRepository(work)
        self.pathways = MemoryPathwayRepository(work)
        self.recognition = MemoryRecognitionRepository(work)
        self.evidence = MemoryEvidenceRepository(work)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work = None  # whatever was not committed is gone

    def commit(self) -> None:
        if self._work is None:
            raise RuntimeError("commit outside the unit of work")
        work = self._work
        try:
            if self._duplicates:
                raise ConflictError(f"conflicts with what is stored: {self._duplicates[0]}")
            _check_constraints(work)
            self._factory.publish(work)
        except ConflictError:
            # As the SQL unit of work: a failed commit rolls back and the block goes on
            # from what is stored.
            self.__enter__()
            raise
        # Go on from what was just stored, as a session does after commit.
        self.__enter__()


class MemoryUnitOfWorkFactory:
    """Makes units of work on one shared in-memory store (what the services receive)."""

    def __init__(self) -> None:
        self._store = _Store()
        self._lock = threading.Lock()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def snapshot(self) -> _Store:
        with self._lock:
            return copy.deepcopy(self._store)

    def publish(self, work: _Store) -> None:
        """Make ``work`` the stored state; ``ConflictError`` if another commit came first."""
        with self._lock:
            if work.generation != self._store.generation:
                raise ConflictError(
                    "conflicts with what is stored: changed by another unit of work; try again"
                )
            published = copy.deepcopy(work)
            published.generation += 1
            self._store = published


def memory_deps(
    clock: FixedClock | None = None, *, base_url: str | None = None, suspension: bool = True
) -> ServiceDeps:
    """Services on an empty in-memory store, a ``MemoryKeyVault`` and a fixed clock."""
    return ServiceDeps(
        uow=MemoryUnitOfWorkFactory(),
        vault=MemoryKeyVault(),
        clock=clock or FixedClock(),
        base_url=base_url,
        suspension=suspension,
    )


# --- award jobs ------------------------------------------------------------------------------


_JOB_COUNTERS = {
    Outcome.ISSUED: "issued",
    Outcome.ALREADY_ISSUED: "already_issued",
    Outcome.ERROR: "errors",
}


class MemoryAwardJobRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, job: AwardJob) -> None:
        if job.id in self._store.award_jobs:
            raise ConflictError(f"conflicts with what is stored: award job {job.id}")
        self._store.award_jobs[job.id] = job
        self._store.award_job_lines[job.id] = {}

    def add_input(self, job_id: str, seq: int, data: bytes) -> None:
        self._store.award_job_inputs[(job_id, seq)] = data

    def input_chunk(self, job_id: str, seq: int) -> bytes | None:
        return self._store.award_job_inputs.get((job_id, seq))

    def get(self, job_id: str) -> AwardJob:
        job = self._store.award_jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no award job '{job_id}'")
        return job

    def for_issuer(
        self, issuer_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[AwardJob]:
        jobs = [j for j in self._store.award_jobs.values() if j.issuer_id == issuer_id]
        jobs.sort(key=lambda j: (j.created_at, j.id), reverse=True)
        return jobs[offset : None if limit is None else offset + limit]

    def count(self, issuer_id: str) -> int:
        return len(self.for_issuer(issuer_id))

    def claimable(self, stale_before: dt.datetime) -> list[AwardJob]:
        jobs = [j for j in self._store.award_jobs.values() if j.claimable(stale_before)]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))[:20]

    def claim(
        self, job_id: str, seen_claim: int, now: dt.datetime, stale_before: dt.datetime
    ) -> bool:
        job = self._store.award_jobs.get(job_id)
        if job is None or job.claim != seen_claim or not job.claimable(stale_before):
            return False
        self._store.award_jobs[job_id] = dataclasses.replace(
            job,
            claim=job.claim + 1,
            status=JobStatus.RUNNING,
            heartbeat_at=now,
            started_at=job.started_at or now,
        )
        return True

    def _mine(self, job_id: str, claim: int) -> AwardJob | None:
        job = self._store.award_jobs.get(job_id)
        if job is None or job.claim != claim or job.status is not JobStatus.RUNNING:
            return None
        return job

    def record(
        self, job_id: str, claim: int, lines: Sequence[ReportLine], now: dt.datetime
    ) -> AwardJob | None:
        job = self._mine(job_id, claim)
        if job is None:
            return None
        stored = self._store.award_job_lines[job_id]
        counts = {name: getattr(job, name) for name in ("done", *_JOB_COUNTERS.values())}
        for line in lines:
            if line.row in stored:
                continue
            stored[line.row] = line
            counts["done"] += 1
            counts[_JOB_COUNTERS[line.outcome]] += 1
        job = dataclasses.replace(job, heartbeat_at=now, **counts)
        self._store.award_jobs[job_id] = job
        return job

    def finish(
        self, job_id: str, claim: int, status: JobStatus, now: dt.datetime, message: str | None
    ) -> bool:
        job = self._mine(job_id, claim)
        if job is None:
            return False
        if status.finished:
            job = dataclasses.replace(
                job, status=status, finished_at=now, heartbeat_at=now, message=message
            )
        else:
            job = dataclasses.replace(job, status=status, heartbeat_at=None)
        self._store.award_jobs[job_id] = job
        return True

    def request_cancel(self, job_id: str, now: dt.datetime) -> AwardJob:
        job = self.get(job_id)
        if job.status is JobStatus.QUEUED:
            job = dataclasses.replace(job, status=JobStatus.CANCELLED, finished_at=now)
        elif job.status is JobStatus.RUNNING:
            job = dataclasses.replace(job, cancel_requested=True)
        self._store.award_jobs[job_id] = job
        return job

    def reported_rows(self, job_id: str) -> set[int]:
        return set(self._store.award_job_lines.get(job_id, {}))

    def report(self, job_id: str, *, after_row: int = 0, limit: int = 1000) -> list[ReportLine]:
        lines = self._store.award_job_lines.get(job_id, {})
        return [lines[row] for row in sorted(lines) if row > after_row][:limit]


# --- offerings and sign-up -------------------------------------------------------------------


class MemoryOfferingRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add(self, offering: Offering) -> None:
        if offering.id in self._store.offerings:
            raise ConflictError(f"conflicts with what is stored: offering {offering.id}")
        self._store.offerings[offering.id] = offering

    def get(self, offering_id: str, *, for_update: bool = False) -> Offering:
        found = self._store.offerings.get(offering_id)
        if found is None:
            raise NotFoundError(f"no offering '{offering_id}'")
        return found

    def update(self, offering: Offering) -> None:
        if offering.id in self._store.offerings:
            self._store.offerings[offering.id] = offering

    def _sorted(self, offerings: list[Offering]) -> list[Offering]:
        return sorted(offerings, key=lambda o: (o.created_at, o.id))

    def for_issuer(self, issuer_id: str) -> list[Offering]:
        return self._sorted([o for o in self._store.offerings.values() if o.issuer_id == issuer_id])

    def for_achievement(self, achievement_id: str) -> list[Offering]:
        found = [o for o in self._store.offerings.values() if o.achievement_id == achievement_id]
        return self._sorted(found)

    def add_enrolment(self, enrolment: Enrolment) -> None:
        if enrolment.id in self._store.enrolments:
            raise ConflictError(f"conflicts with what is stored: enrolment {enrolment.id}")
        self._store.enrolments[enrolment.id] = enrolment

    def set_enrolment(self, enrolment: Enrolment) -> None:
        found = self._store.enrolments.get(enrolment.id)
        if found is not None:
            self._store.enrolments[enrolment.id] = dataclasses.replace(
                found, status=enrolment.status, decided_at=enrolment.decided_at
            )

    def enrolment(self, enrolment_id: str) -> Enrolment:
        found = self._store.enrolments.get(enrolment_id)
        if found is None:
            raise NotFoundError(f"no enrolment '{enrolment_id}'")
        return found

    def enrolment_of(self, offering_id: str, user_id: str) -> Enrolment | None:
        return next(
            (
                e
                for e in self._store.enrolments.values()
                if e.offering_id == offering_id and e.user_id == user_id
            ),
            None,
        )

    def _enrolments(self, keep: Callable[[Enrolment], bool]) -> list[Enrolment]:
        found = [e for e in self._store.enrolments.values() if keep(e)]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    def enrolments(self, offering_id: str) -> list[Enrolment]:
        return self._enrolments(lambda e: e.offering_id == offering_id)

    def enrolments_of(self, user_id: str) -> list[Enrolment]:
        return self._enrolments(lambda e: e.user_id == user_id)

    def mark_due(self, enrolment_ids: Collection[str], at: dt.datetime) -> None:
        for enrolment_id in enrolment_ids:
            found = self._store.enrolments.get(enrolment_id)
            if found is not None and found.award_id is None:
                self._store.enrolments[enrolment_id] = dataclasses.replace(found, check_due_at=at)

    def due(self, limit: int) -> list[Enrolment]:
        found = [e for e in self._store.enrolments.values() if e.check_due_at is not None]
        return sorted(found, key=lambda e: (e.check_due_at or e.created_at, e.id))[:limit]

    def clear_due(self, enrolment_id: str, seen_due_at: dt.datetime) -> bool:
        found = self._store.enrolments.get(enrolment_id)
        if found is None or found.check_due_at != seen_due_at:
            return False
        self._store.enrolments[enrolment_id] = dataclasses.replace(found, check_due_at=None)
        return True

    def record_award(self, enrolment_id: str, award_id: str, at: dt.datetime) -> bool:
        found = self._store.enrolments.get(enrolment_id)
        if found is None or found.award_id is not None:
            return False
        self._store.enrolments[enrolment_id] = dataclasses.replace(
            found, award_id=award_id, completed_at=at, check_due_at=None
        )
        return True

    def places_held(self, offering_id: str) -> int:
        held = (EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED)
        return len(self._enrolments(lambda e: e.offering_id == offering_id and e.status in held))

    def append_event(self, event: EnrolmentEvent) -> None:
        self._store.enrolment_events.append(event)

    def events(self, enrolment_id: str) -> list[EnrolmentEvent]:
        found = [
            (n, e)
            for n, e in enumerate(self._store.enrolment_events)
            if e.enrolment_id == enrolment_id
        ]
        return [e for _, e in sorted(found, key=lambda pair: (pair[1].at, pair[0]))]


class MemorySignupRepository:
    def __init__(self, store: _Store) -> None:
        self._store = store

    def add_token(self, token: EmailToken) -> None:
        if token.id in self._store.email_tokens:
            raise ConflictError("conflicts with what is stored: a token hash is taken")
        self._store.email_tokens[token.id] = token

    def token(self, token_id: str) -> EmailToken | None:
        return self._store.email_tokens.get(token_id)

    def use_token(self, token_id: str, at: dt.datetime) -> bool:
        found = self._store.email_tokens.get(token_id)
        if found is None or not found.usable(at):
            return False
        self._store.email_tokens[token_id] = dataclasses.replace(found, used_at=at)
        return True

    def confirm_email(self, user_id: str, at: dt.datetime) -> None:
        user = self._store.users.get(user_id)
        if user is not None and user.email_confirmed_at is None:
            self._store.users[user_id] = dataclasses.replace(user, email_confirmed_at=at)
