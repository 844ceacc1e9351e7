"""The ports the use cases need, as Protocols; storage and adapters implement them.

Services depend only on these, so they run the same against SQLite, PostgreSQL or the
in-memory implementations the unit tests use.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from types import TracebackType
from typing import Protocol, Self

from credstack.domain.accounts import ApiToken, Membership, User, UserSession
from credstack.domain.achievements import AchievementVersion
from credstack.domain.award_jobs import AwardJob, JobStatus, ReportLine
from credstack.domain.awards import Award
from credstack.domain.completions import Completion, CompletionEvent, Integration
from credstack.domain.evidence import EvidenceEvent, Rubric, Submission, SubmissionState
from credstack.domain.issuers import Issuer, SigningKeyRecord
from credstack.domain.oauth import (
    AuthorizationCode,
    LearnerApi,
    OAuthClient,
    OAuthToken,
    PortfolioEntry,
)
from credstack.domain.offerings import Enrolment, EnrolmentEvent, Offering
from credstack.domain.pathway_records import PathwayEvent, PathwayLearner, StoredPathway
from credstack.domain.quiz_attempts import Attempt, Quiz, QuizEvent
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
from credstack.domain.webhooks import Delivery, Event, SealedSecrets, SendResult, Subscription

__all__ = [
    "AchievementRepository",
    "AuditRepository",
    "AwardJobRepository",
    "AwardRepository",
    "Clock",
    "CompletionRepository",
    "EvidenceRepository",
    "IssuerRepository",
    "KeyRepository",
    "KeyVault",
    "Mail",
    "Mailer",
    "OAuthRepository",
    "OfferingRepository",
    "PathwayRepository",
    "PortfolioRepository",
    "QuizRepository",
    "RecognitionRepository",
    "SignupRepository",
    "StatusListRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "WebhookRepository",
    "WebhookSender",
]


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class RecognitionRepository(Protocol):
    """Recognised issuers and equivalences (per organisation) with their change log; learners'
    foreign credentials (PERSONAL DATA) with their log of verifications and decisions."""

    def add_issuer(self, entry: RecognisedIssuer) -> None:
        """``ConflictError`` when the organisation already recognises that issuer id."""
        ...

    def issuers_of(self, organisation_id: str) -> builtins.list[RecognisedIssuer]:
        """The organisation's recognised issuers, oldest first (the same instant: by id)."""
        ...

    def recognising(self, issuer: str) -> builtins.list[RecognisedIssuer]:
        """Every organisation's entry for the issuer id ``issuer``, oldest first."""
        ...

    def remove_issuer(self, entry_id: str) -> None: ...

    def add_equivalence(self, entry: Equivalence) -> None: ...

    def equivalences_of(self, organisation_id: str) -> builtins.list[Equivalence]:
        """The organisation's equivalences, oldest first."""
        ...

    def remove_equivalence(self, entry_id: str) -> None: ...

    def record_change(self, change: RecognitionChange) -> None: ...

    def changes(self, organisation_id: str) -> builtins.list[RecognitionChange]:
        """The organisation's change log, in the order written."""
        ...

    def add_credential(self, credential: ForeignCredential) -> None:
        """``ConflictError`` when the learner already added it (same ``key``)."""
        ...

    def credential(self, credential_id: str) -> ForeignCredential | None: ...

    def credentials_of(self, user_id: str) -> builtins.list[ForeignCredential]:
        """The learner's foreign credentials, the first added first."""
        ...

    def set_verification(self, credential_id: str, verification: Verification) -> None: ...

    def record(self, event: RecognitionEvent) -> None: ...

    def events(self, credential_id: str) -> builtins.list[RecognitionEvent]:
        """The credential's log, in the order written."""
        ...

    def last_decision(self, credential_id: str, organisation_id: str) -> RecognitionEvent | None:
        """The newest ``decided`` event of that organisation about that credential."""
        ...


class KeyVault(Protocol):
    """Seals private keys for storage; nothing else ever sees them unsealed."""

    def seal(self, key_id: str, secret: bytes) -> bytes: ...

    def open(self, key_id: str, sealed: bytes) -> bytes:
        """The secret; raises ``InvalidInputError`` when it cannot be unsealed."""
        ...


class IssuerRepository(Protocol):
    def add(self, issuer: Issuer) -> None: ...

    def find(self, issuer_id: str) -> Issuer | None: ...

    def get(self, issuer_id: str) -> Issuer:
        """The issuer; raises ``NotFoundError``."""
        ...

    def update(self, issuer: Issuer) -> None: ...

    def list(self) -> list[Issuer]: ...


class KeyRepository(Protocol):
    def add(self, record: SigningKeyRecord, sealed: bytes) -> None: ...

    def active(self, issuer_id: str) -> tuple[SigningKeyRecord, bytes]:
        """The key that signs for the issuer now, with its sealed secret."""
        ...

    def get(self, key_id: str) -> tuple[SigningKeyRecord, bytes]: ...

    def for_issuer(self, issuer_id: str) -> list[SigningKeyRecord]:
        """Every key the issuer ever had, oldest first."""
        ...

    def retire(self, key_id: str, at: dt.datetime) -> None: ...


class AchievementRepository(Protocol):
    def create(self, version: AchievementVersion) -> None:
        """A new definition with its first version; ``ConflictError`` if the id is taken."""
        ...

    def save(self, version: AchievementVersion) -> None:
        """Insert a new version, or update a draft version in place."""
        ...

    def latest(self, achievement_id: str) -> AchievementVersion:
        """The newest version, draft or published; raises ``NotFoundError``."""
        ...

    def latest_published(self, achievement_id: str) -> AchievementVersion | None: ...

    def version(self, achievement_id: str, version: int) -> AchievementVersion: ...

    def list(self, issuer_id: str | None = None) -> list[AchievementVersion]:
        """The newest version of each definition, by id."""
        ...

    def discard(self, achievement_id: str, version: int) -> None:
        """Delete that version (a draft: the caller checks), and the definition when it was
        its only version."""
        ...


class AwardRepository(Protocol):
    def add(self, award: Award) -> None: ...

    def add_many(self, awards: Sequence[Award]) -> None:
        """Store many at once (one statement per batch, for cohorts). A clash with what is
        stored raises ``ConflictError`` here or at commit, and nothing of the batch is kept."""
        ...

    def prior_ids(
        self, achievement_id: str, source_keys: Collection[str], recipients: Collection[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """For a batch: the award ids of this achievement already stored under these source
        keys (source key -> id), and the earliest award to each of these recipients
        (lower-cased identifier -> id)."""
        ...

    def get(self, award_id: str) -> Award:
        """By award id or credential id; raises ``NotFoundError``."""
        ...

    def by_source_key(self, achievement_id: str, source_key: str) -> Award | None: ...

    def by_recipient(self, achievement_id: str, identifier: str) -> Award | None:
        """An award of this achievement to this e-mail address or DID (any source)."""
        ...

    def list(
        self,
        *,
        issuer_id: str | None = None,
        achievement_id: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Iterator[Award]:
        """Oldest first (issue time, then id); ``offset``/``limit`` for one page."""
        ...

    def count(self, *, issuer_id: str | None = None) -> int: ...

    def for_recipient(
        self,
        identifier: str,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Sequence[Award]:
        """Awards to this e-mail address or DID (any case), issued after ``since``, oldest
        first (issue time, then id)."""
        ...

    def count_for_recipient(self, identifier: str, *, since: dt.datetime | None = None) -> int: ...

    def set_jwt(self, award_id: str, jwt: str) -> None: ...

    def set_state(self, award_id: str, state: CredentialState) -> None: ...

    def by_status_index(self, list_id: int, index: int) -> Award | None: ...

    def for_email(self, email: str) -> builtins.list[Award]:
        """Every award to this e-mail address (ignoring case), newest first."""
        ...

    def set_claimed(self, award_id: str, at: dt.datetime) -> bool:
        """Record that the recipient claimed it; ``False`` (nothing changes) if it was
        claimed already (compare-and-set: two claims at once record one)."""
        ...


class StatusListRepository(Protocol):
    def open_list(self, issuer_id: str, did: str) -> StatusList | None:
        """The newest list of ``did`` with positions left, if any."""
        ...

    def next_number(self, issuer_id: str) -> int: ...

    def create(self, status_list: StatusList) -> StatusList:
        """Store a new list (with its id set); ``ConflictError`` if its number is taken."""
        ...

    def reserve(self, list_id: int, count: int) -> tuple[int, int]:
        """Take up to ``count`` positions atomically: ``(first position, how many)``;
        ``(0, 0)`` when the list is full. Safe when several processes reserve at once."""
        ...

    def release(self, list_id: int, start: int, end: int) -> bool:
        """Give back positions ``start`` to ``end - 1``, reserved and never used, if no
        position after them was handed out since; ``False`` (nothing changes) otherwise."""
        ...

    def get(self, list_id: int, *, for_update: bool = False) -> StatusList: ...

    def by_number(self, issuer_id: str, number: int) -> StatusList | None: ...

    def bits_by_number(
        self, issuer_id: str, number: int, purpose: str
    ) -> tuple[int, str, bytes] | None:
        """``(list id, DID, bitstring)`` of one purpose: what a status check needs, no more."""
        ...

    def save(self, status_list: StatusList) -> None:
        """Store the bits, the signed credentials and their validity."""
        ...

    def list(self, issuer_id: str | None = None) -> list[StatusList]: ...


class AuditRepository(Protocol):
    """Append-only: there is no update or delete."""

    def append(self, event: AuditEvent) -> None: ...

    def for_award(self, award_id: str) -> list[AuditEvent]: ...


class AccountRepository(Protocol):
    def add_user(self, user: User) -> None:
        """Store a new user; ``ConflictError`` if the e-mail (in any case) is taken."""
        ...

    def user(self, user_id: str) -> User: ...

    def user_by_email(self, email: str) -> User | None:
        """The user with this e-mail, ignoring case."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str | None) -> None: ...

    def set_name(self, user_id: str, name: str) -> None: ...

    def set_membership(self, membership: Membership) -> None:
        """Give the user this role in the organisation (replacing any other)."""
        ...

    def membership(self, user_id: str, issuer_id: str) -> Membership | None: ...

    def memberships_of(self, user_id: str) -> list[Membership]:
        """The user's roles, by organisation id."""
        ...

    def add_token(self, token: ApiToken) -> None: ...

    def token(self, token_id: str) -> ApiToken | None: ...

    def tokens_for(self, issuer_id: str) -> list[ApiToken]:
        """The organisation's tokens, oldest first, revoked ones included."""
        ...

    def add_session(self, session: UserSession) -> None: ...

    def session(self, session_id: str) -> UserSession | None: ...

    def end_sessions(
        self, at: dt.datetime, *, session_id: str | None = None, user_id: str | None = None
    ) -> int:
        """End that session, or every live session of ``user_id``; how many were live."""
        ...

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        """Revoke a live token; ``False`` if it was revoked already or is unknown."""
        ...


class AwardJobRepository(Protocol):
    """Bulk award jobs, their stored input and their report (``domain.award_jobs``)."""

    def add(self, job: AwardJob) -> None: ...

    def add_input(self, job_id: str, seq: int, data: bytes) -> None:
        """One chunk of the job's input; chunks are read back in ``seq`` order."""
        ...

    def input_chunk(self, job_id: str, seq: int) -> bytes | None:
        """One chunk of the input (``None`` past the last): a runner reads one at a time, each
        in a short unit of work, so no transaction stays open for the whole run."""
        ...

    def get(self, job_id: str) -> AwardJob:
        """The job; raises ``NotFoundError``."""
        ...

    def for_issuer(
        self, issuer_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[AwardJob]:
        """The organisation's jobs, newest first (creation time, then id)."""
        ...

    def count(self, issuer_id: str) -> int: ...

    def claimable(self, stale_before: dt.datetime) -> list[AwardJob]:
        """Jobs a runner may claim, oldest first: queued ones, and running ones whose
        heartbeat is older than ``stale_before``."""
        ...

    def claim(
        self, job_id: str, seen_claim: int, now: dt.datetime, stale_before: dt.datetime
    ) -> bool:
        """Take the job for a runner (compare-and-set): only if it is still claimable and its
        claim number is still ``seen_claim``; the number goes up by one, the job is running
        and its heartbeat is ``now``. ``False`` when another runner was first."""
        ...

    def record(
        self, job_id: str, claim: int, lines: Sequence[ReportLine], now: dt.datetime
    ) -> AwardJob | None:
        """Add report lines (rows that have one already are left as they are) and count them,
        and beat the heart; ``None`` (nothing changes) if the job's claim is no longer
        ``claim``."""
        ...

    def finish(
        self, job_id: str, claim: int, status: JobStatus, now: dt.datetime, message: str | None
    ) -> bool:
        """End the run: ``status`` is finished (the job ends) or queued (given back for
        another runner); ``False`` if the claim was lost."""
        ...

    def request_cancel(self, job_id: str, now: dt.datetime) -> AwardJob:
        """A queued job is cancelled at once; a running one is asked to stop (its runner
        ends it); a finished one is left as it is. The job as it is now."""
        ...

    def reported_rows(self, job_id: str) -> set[int]:
        """The rows that have a report line."""
        ...

    def report(self, job_id: str, *, after_row: int = 0, limit: int = 1000) -> list[ReportLine]:
        """Report lines by row, from the first row after ``after_row``."""
        ...


class WebhookRepository(Protocol):
    """Subscriptions, the event outbox and the deliveries (one per event and subscription)."""

    def add_subscription(self, subscription: Subscription, secrets: SealedSecrets) -> None: ...

    def subscription(self, subscription_id: str) -> Subscription:
        """Raises ``NotFoundError``."""
        ...

    def subscriptions(self, issuer_id: str | None = None) -> list[Subscription]:
        """Oldest first (all organisations' when ``issuer_id`` is ``None``)."""
        ...

    def subscribers(self, issuer_id: str, event_type: str) -> list[str]:
        """Ids of the organisation's active subscriptions to ``event_type``."""
        ...

    def secrets(self, subscription_id: str) -> SealedSecrets: ...

    def set_secrets(self, subscription_id: str, secrets: SealedSecrets) -> None: ...

    def disable(self, subscription_id: str, at: dt.datetime, reason: str) -> None:
        """Stop sending to it: its pending deliveries fail with ``reason``."""
        ...

    def delete_subscription(self, subscription_id: str) -> None:
        """Remove it and its deliveries."""
        ...

    def add_events(self, events: Sequence[Event], deliveries: Sequence[Delivery]) -> None:
        """Store events and their deliveries (in the caller's unit of work: the outbox). A
        clash with what is stored raises ``ConflictError`` here or at commit."""
        ...

    def event(self, event_id: str) -> Event: ...

    def deliveries(self, subscription_id: str, limit: int = 50) -> list[Delivery]:
        """The most recent first."""
        ...

    def claim_due(
        self, now: dt.datetime, lease_until: dt.datetime, token: str, limit: int
    ) -> list[Delivery]:
        """Take up to ``limit`` pending deliveries due at ``now`` whose lease (if any) ran
        out: each is leased to ``token`` until ``lease_until`` by a compare-and-set, so two
        dispatchers never both take one. Oldest due first."""
        ...

    def finish(self, delivery: Delivery, token: str) -> bool:
        """Record an attempt's outcome (state, attempts, next attempt, last status/error)
        and end the lease; ``False`` (nothing changes) if ``token`` no longer holds it."""
        ...


class WebhookSender(Protocol):
    """Sends one signed delivery over HTTP (``adapters.webhook_sender``)."""

    def send(self, url: str, headers: dict[str, str], body: bytes) -> SendResult: ...


class OAuthRepository(Protocol):
    """Apps, authorisation codes and tokens of the learner APIs (all secrets as hashes)."""

    def add_client(self, client: OAuthClient) -> None: ...

    def client(self, client_id: str) -> OAuthClient | None: ...

    def add_code(self, code: AuthorizationCode) -> None: ...

    def code(self, code_hash: str) -> AuthorizationCode | None: ...

    def use_code(self, code_hash: str, at: dt.datetime) -> bool:
        """Mark the code used; ``False`` (nothing changes) when it was used already. Safe
        when two requests redeem the same code at once: only one gets ``True``."""
        ...

    def add_token(self, token: OAuthToken) -> None: ...

    def token_by_access(self, access_hash: str) -> OAuthToken | None: ...

    def token_by_refresh(self, refresh_hash: str) -> OAuthToken | None: ...

    def revoke_token(self, token_id: str, at: dt.datetime) -> bool:
        """Revoke a live token (access and refresh); ``False`` if revoked already."""
        ...

    def revoke_tokens_of_code(self, code_hash: str, at: dt.datetime) -> int:
        """Revoke every live token that came from this code; how many."""
        ...


class PortfolioRepository(Protocol):
    """Credentials apps stored for learners, as sent."""

    def get(self, user_id: str, api: LearnerApi, credential_id: str) -> PortfolioEntry | None: ...

    def put(self, entry: PortfolioEntry) -> None:
        """Store the entry, replacing the learner's entry of the same API and credential id."""
        ...

    def list(
        self,
        user_id: str,
        api: LearnerApi,
        *,
        since: dt.datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[PortfolioEntry]:
        """The learner's entries updated after ``since``, first stored first."""
        ...

    def count(self, user_id: str, api: LearnerApi, *, since: dt.datetime | None = None) -> int: ...


class QuizRepository(Protocol):
    """Quizzes, their attempts (PERSONAL DATA) and their append-only audit log."""

    def add(self, quiz: Quiz) -> None:
        """A new quiz; a taken id is a ``ConflictError`` here or at commit."""
        ...

    def find(self, quiz_id: str) -> Quiz | None: ...

    def replace(self, quiz: Quiz) -> None:
        """Store a new definition under the quiz's id (the caller checks no attempt exists)."""
        ...

    def for_issuer(self, issuer_id: str) -> builtins.list[Quiz]:
        """The organisation's quizzes, by id."""
        ...

    def add_attempt(self, attempt: Attempt) -> None:
        """Store a new attempt; ``ConflictError`` (here or at commit) when the user has an
        attempt of that number at the quiz already: two starts at once, one wins."""
        ...

    def attempt(self, attempt_id: str) -> Attempt | None: ...

    def attempts_of(self, quiz_id: str, user_id: str) -> builtins.list[Attempt]:
        """The user's attempts at the quiz, first first."""
        ...

    def count_attempts(self, quiz_id: str) -> int:
        """Everyone's attempts at the quiz."""
        ...

    def finish(self, attempt: Attempt) -> bool:
        """Store a finished attempt (state, time, answers, outcome) if it is still in
        progress (compare-and-set); ``False``, and nothing changes, when it was finished."""
        ...

    def record(self, event: QuizEvent) -> None: ...

    def events(self, quiz_id: str) -> builtins.list[QuizEvent]:
        """The quiz's audit log, by time, then in the order written."""


class PathwayRepository(Protocol):
    """Pathway versions, the learners on them (PERSONAL DATA) and the pathway log."""

    def add(self, pathway: StoredPathway) -> None:
        """A new version; ``ConflictError`` when that version exists (two saves at once)."""
        ...

    def latest(self, pathway_id: str) -> StoredPathway | None: ...

    def version(self, pathway_id: str, version: int) -> StoredPathway | None: ...

    def for_issuer(self, issuer_id: str) -> builtins.list[StoredPathway]:
        """The newest version of each of the organisation's pathways, by id."""
        ...

    def add_learner(self, learner: PathwayLearner) -> None:
        """``ConflictError`` when the user is on that pathway already."""
        ...

    def learner(self, learner_id: str) -> PathwayLearner:
        """Raises ``NotFoundError``."""
        ...

    def learner_of(self, pathway_id: str, user_id: str) -> PathwayLearner | None: ...

    def learners(self, pathway_id: str) -> builtins.list[PathwayLearner]:
        """Oldest first."""
        ...

    def learners_of_user(self, user_id: str) -> builtins.list[PathwayLearner]:
        """The user's, oldest first."""
        ...

    def has_learners(self) -> bool:
        """Whether anyone is on any pathway (a cohort run asks once)."""
        ...

    def learner_ids_for_emails(self, emails: Collection[str]) -> builtins.list[str]:
        """The pathway rows of the people with these e-mail addresses."""
        ...

    def mark_due(self, learner_ids: Collection[str], at: dt.datetime) -> None:
        """These learners' holdings changed at ``at``: look at them (awarded ones too: a
        component lost matters after the award)."""
        ...

    def mark_awarded_due(self, at: dt.datetime) -> int:
        """Mark every learner who has their stacked credential (a component may have expired
        since: time changes nothing in the database); how many."""
        ...

    def due(self, limit: int) -> builtins.list[PathwayLearner]: ...

    def clear_due(self, learner_id: str, seen_due_at: dt.datetime) -> bool:
        """Clear the mark if it is still ``seen_due_at``."""
        ...

    def record_award(self, learner_id: str, award_id: str, at: dt.datetime) -> bool:
        """Record the stacked credential unless one is recorded: whether this call did."""
        ...

    def set_flag(self, learner_id: str, flagged: str | None) -> None: ...

    def record(self, event: PathwayEvent) -> None: ...

    def events(self, pathway_id: str) -> builtins.list[PathwayEvent]:
        """The pathway's log, oldest first."""
        ...


class CompletionRepository(Protocol):
    """Integrations (their secrets sealed), completions other systems reported (PERSONAL
    DATA) and the append-only log of both."""

    def add_integration(self, integration: Integration, secrets: SealedSecrets) -> None:
        """A taken (organisation, name) is a ``ConflictError`` here or at commit."""
        ...

    def integration(self, issuer_id: str, name: str) -> Integration | None: ...

    def integration_secrets(self, issuer_id: str, name: str) -> SealedSecrets:
        """Raises ``NotFoundError``."""
        ...

    def integrations(self, issuer_id: str) -> builtins.list[Integration]:
        """The organisation's, by name."""
        ...

    def set_integration(
        self, integration: Integration, secrets: SealedSecrets | None = None
    ) -> None:
        """Store its rotation and disabling times, and its secrets when given."""
        ...

    def add(self, completion: Completion) -> None:
        """A new completion; ``ConflictError`` here (not only at commit) when the system
        reported that external id for the organisation already."""
        ...

    def by_external_id(
        self, issuer_id: str, system: str, external_id: str
    ) -> Completion | None: ...

    def for_learner(self, offering_id: str, user_id: str) -> builtins.list[Completion]:
        """The learner's completions in the offering, the earliest completed first."""
        ...

    def record(self, event: CompletionEvent) -> None: ...

    def events(self, issuer_id: str) -> builtins.list[CompletionEvent]:
        """By time, then in the order written."""
        ...


class EvidenceRepository(Protocol):
    """Rubrics, evidence submissions (PERSONAL DATA) with their files, and their append-only
    audit log."""

    def add_rubric(self, rubric: Rubric) -> None:
        """A new rubric; a taken id is a ``ConflictError`` here or at commit."""
        ...

    def rubric(self, rubric_id: str) -> Rubric | None: ...

    def replace_rubric(self, rubric: Rubric) -> None:
        """Store a new definition under the rubric's id (the caller checks none was used)."""
        ...

    def rubrics_for(self, issuer_id: str) -> builtins.list[Rubric]:
        """The organisation's rubrics, by id."""
        ...

    def count_reviewed(self, rubric_id: str) -> int:
        """How many submissions were accepted or returned against the rubric."""
        ...

    def add_submission(self, submission: Submission, content: bytes | None) -> None:
        """Store a new version and its file's bytes (``submission.file`` says what they are;
        the size and SHA-256 are taken from ``content``); ``ConflictError`` (here or at
        commit) when that version exists already: two submissions at once, one wins."""
        ...

    def submission(self, submission_id: str) -> Submission | None: ...

    def versions(
        self, offering_id: str, requirement_id: str, user_id: str
    ) -> builtins.list[Submission]:
        """The learner's versions for the requirement, first first."""
        ...

    def file_content(self, submission_id: str) -> bytes | None:
        """The bytes of the submission's file (``None``: it has none)."""
        ...

    def review(self, submission: Submission) -> bool:
        """Store the review (state, reviewer, time, levels, points, feedback) if the version
        is still submitted (compare-and-set); ``False``, and nothing changes, otherwise."""
        ...

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
    ) -> tuple[builtins.list[Submission], int]:
        """One page of the organisations' submissions that match, oldest submitted first,
        and how many match in all."""
        ...

    def record(self, event: EvidenceEvent) -> None: ...

    def events(
        self, rubric_id: str, submission_ids: Collection[str] | None = None
    ) -> builtins.list[EvidenceEvent]:
        """The rubric's audit log (only what concerns ``submission_ids`` when given), by
        time, then in the order written."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Mail:
    """One message to one person: plain text, and the same as HTML when ``html`` is set."""

    to: str
    subject: str
    text: str
    html: str | None = None


class Mailer(Protocol):
    """Sends e-mail (``adapters.smtp_mailer``). Raises ``MailError`` when it cannot."""

    def send(self, mail: Mail) -> None: ...


class OfferingRepository(Protocol):
    """Offerings, enrolments (PERSONAL DATA) and the append-only log of decisions."""

    def add(self, offering: Offering) -> None: ...

    def get(self, offering_id: str, *, for_update: bool = False) -> Offering:
        """Raises ``NotFoundError``. ``for_update`` locks the row until the unit of work
        ends, so that enrolments in one offering are decided one at a time."""
        ...

    def update(self, offering: Offering) -> None: ...

    def for_issuer(self, issuer_id: str) -> list[Offering]:
        """Oldest first."""
        ...

    def for_achievement(self, achievement_id: str) -> list[Offering]:
        """Oldest first."""
        ...

    def add_enrolment(self, enrolment: Enrolment) -> None:
        """``ConflictError`` (here or at commit) when the learner has one in that offering."""
        ...

    def set_enrolment(self, enrolment: Enrolment) -> None:
        """Store its status and decision time."""
        ...

    def enrolment(self, enrolment_id: str) -> Enrolment:
        """Raises ``NotFoundError``."""
        ...

    def enrolment_of(self, offering_id: str, user_id: str) -> Enrolment | None: ...

    def enrolments(self, offering_id: str) -> list[Enrolment]:
        """Oldest first."""
        ...

    def enrolments_of(self, user_id: str) -> list[Enrolment]:
        """The learner's, oldest first."""
        ...

    def mark_due(self, enrolment_ids: Collection[str], at: dt.datetime) -> None:
        """Note that these enrolments' progress changed at ``at`` and must be looked at (those
        that have their credential already are left as they are)."""
        ...

    def due(self, limit: int) -> list[Enrolment]:
        """At most ``limit`` enrolments marked due, the longest waiting first."""
        ...

    def clear_due(self, enrolment_id: str, seen_due_at: dt.datetime) -> bool:
        """Clear the mark if it is still ``seen_due_at`` (a change since keeps it due)."""
        ...

    def record_award(self, enrolment_id: str, award_id: str, at: dt.datetime) -> bool:
        """Record the credential earned, and clear the mark, unless one is recorded already:
        whether this call recorded it (only one of several settlers does)."""
        ...

    def places_held(self, offering_id: str) -> int:
        """Enrolments enrolled or pending."""
        ...

    def append_event(self, event: EnrolmentEvent) -> None: ...

    def events(self, enrolment_id: str) -> list[EnrolmentEvent]:
        """By time, then in the order written."""
        ...


class SignupRepository(Protocol):
    """E-mail links (their hashes) and the confirmation of a user's address."""

    def add_token(self, token: EmailToken) -> None: ...

    def token(self, token_id: str) -> EmailToken | None: ...

    def use_token(self, token_id: str, at: dt.datetime) -> bool:
        """Spend a usable token (compare-and-set); ``False`` if used, expired or unknown."""
        ...

    def confirm_email(self, user_id: str, at: dt.datetime) -> None:
        """Record that the user's address is confirmed (once: a later call changes nothing)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Only ``commit`` makes changes last; leaving without it rolls back."""

    @property
    def issuers(self) -> IssuerRepository: ...

    @property
    def keys(self) -> KeyRepository: ...

    @property
    def achievements(self) -> AchievementRepository: ...

    @property
    def awards(self) -> AwardRepository: ...

    @property
    def status_lists(self) -> StatusListRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def award_jobs(self) -> AwardJobRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def oauth(self) -> OAuthRepository: ...

    @property
    def portfolio(self) -> PortfolioRepository: ...

    @property
    def quizzes(self) -> QuizRepository: ...

    @property
    def evidence(self) -> EvidenceRepository: ...

    @property
    def offerings(self) -> OfferingRepository: ...

    @property
    def signups(self) -> SignupRepository: ...

    @property
    def recognition(self) -> RecognitionRepository: ...

    @property
    def completions(self) -> CompletionRepository: ...

    @property
    def pathways(self) -> PathwayRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
