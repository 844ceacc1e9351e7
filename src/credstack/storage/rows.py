"""ORM rows. Tables marked PERSONAL DATA hold information about learners.

Rows are storage only: repositories turn them into domain objects, so nothing above
``storage`` ever sees one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AchievementRow",
    "AchievementVersionRow",
    "ApiTokenRow",
    "AuditEventRow",
    "AwardJobInputRow",
    "AwardJobLineRow",
    "AwardJobRow",
    "AwardRow",
    "Base",
    "CompletionEventRow",
    "CompletionRow",
    "EmailTokenRow",
    "EnrolmentEventRow",
    "EnrolmentRow",
    "EquivalenceRow",
    "EvidenceEventRow",
    "EvidenceFileRow",
    "EvidenceSubmissionRow",
    "ForeignCredentialRow",
    "IntegrationRow",
    "IssuerRow",
    "MembershipRow",
    "OAuthClientRow",
    "OAuthCodeRow",
    "OAuthTokenRow",
    "OfferingRow",
    "PathwayEventRow",
    "PathwayLearnerRow",
    "PathwayRow",
    "PortfolioEntryRow",
    "QuizAttemptRow",
    "QuizEventRow",
    "QuizRow",
    "RecognisedIssuerRow",
    "RecognitionChangeRow",
    "RecognitionEventRow",
    "RubricRow",
    "SigningKeyRow",
    "StatusListRow",
    "UserRow",
    "WebhookDeliveryRow",
    "WebhookEventRow",
    "WebhookSubscriptionRow",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone, so it is restored here)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IssuerRow(Base):
    __tablename__ = "issuers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    did: Mapped[str] = mapped_column(String(2000))
    domain: Mapped[str | None] = mapped_column(String(255))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class SigningKeyRow(Base):
    """Signing keys; ``sealed_secret`` is the private key encrypted with the KEK."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    verification_method: Mapped[str] = mapped_column(String(2000))
    controller: Mapped[str] = mapped_column(String(2000))
    public_multibase: Mapped[str] = mapped_column(String(200))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class AchievementRow(Base):
    __tablename__ = "achievements"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AchievementVersionRow(Base):
    __tablename__ = "achievement_versions"
    __table_args__ = (UniqueConstraint("achievement_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(500))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class AwardRow(Base):
    """PERSONAL DATA: the recipient's e-mail or DID and name, and the credential itself.

    ``credential`` holds the signed JSON exactly as issued; ``jwt`` the VC-JWT form once made.
    """

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("achievement_id", "source_key"),
        Index("ix_awards_issued_at", "issued_at"),
        Index("ix_awards_achievement_id_recipient_key", "achievement_id", "recipient_key"),
        UniqueConstraint("status_list_id", "status_index"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(2000), unique=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    achievement_version: Mapped[int] = mapped_column(Integer)
    recipient_kind: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(2000))
    #: the recipient lower-cased, for the "does this learner have it already" check
    recipient_key: Mapped[str] = mapped_column(String(2000))
    recipient_name: Mapped[str | None] = mapped_column(String(500))
    source_key: Mapped[str] = mapped_column(String(64))
    signing_key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    credential: Mapped[str] = mapped_column(Text)
    jwt: Mapped[str | None] = mapped_column(Text)
    status_list_id: Mapped[int | None] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    renewed_from: Mapped[str | None] = mapped_column(ForeignKey("awards.id"))
    #: when the recipient added it to their credentials (signed in with its e-mail)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class StatusListRow(Base):
    """A pair of status lists (revocation and suspension) sharing one index space.

    ``next_position`` counts the indexes handed out; ``permutation_key`` maps positions to
    random-looking indexes (``domain.status_indexes``). The signed list credentials are kept
    as issued, ready to serve.
    """

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("issuer_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    number: Mapped[int] = mapped_column(Integer)
    did: Mapped[str] = mapped_column(String(2000))
    signing_key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    size: Mapped[int] = mapped_column(Integer)
    next_position: Mapped[int] = mapped_column(Integer)
    permutation_key: Mapped[bytes] = mapped_column(LargeBinary)
    revocation_bits: Mapped[bytes] = mapped_column(LargeBinary)
    suspension_bits: Mapped[bytes] = mapped_column(LargeBinary)
    revocation_credential: Mapped[str] = mapped_column(Text)
    suspension_credential: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AuditEventRow(Base):
    """Append-only: who changed a credential's status, when and why. Repositories only ever
    insert here. PERSONAL DATA: the actor's name."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)


class UserRow(Base):
    """PERSONAL DATA: e-mail and name. ``email_key`` is the e-mail lower-cased (unique)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    platform_admin: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    #: NULL: signed up and not confirmed yet (cannot sign in)
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class MembershipRow(Base):
    """One role of one user in one organisation (issuer)."""

    __tablename__ = "memberships"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class UserSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie's secret, never the secret."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ApiTokenRow(Base):
    """A machine's token: only the SHA-256 of its secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(500))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class AwardJobRow(Base):
    """A bulk award job of the issuer API (``domain.award_jobs``). ``claim`` counts the
    runners that took it: a runner updates the job only while the number is still its own."""

    __tablename__ = "award_jobs"
    __table_args__ = (Index("ix_award_jobs_issuer_id_created_at", "issuer_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    submitted_by: Mapped[str] = mapped_column(String(36))
    input_format: Mapped[str] = mapped_column(String(8))
    achievement_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
    already_issued: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    claim: Mapped[int] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    message: Mapped[str | None] = mapped_column(Text)


class AwardJobInputRow(Base):
    """PERSONAL DATA: a job's input (the learners' e-mails or DIDs), in chunks of about a
    megabyte in order of ``seq``, so that neither storing nor reading it holds it whole."""

    __tablename__ = "award_job_inputs"

    job_id: Mapped[str] = mapped_column(ForeignKey("award_jobs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AwardJobLineRow(Base):
    """PERSONAL DATA (a message may quote a cell): one line of a job's report per input row."""

    __tablename__ = "award_job_lines"

    job_id: Mapped[str] = mapped_column(ForeignKey("award_jobs.id"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(200))
    award_id: Mapped[str | None] = mapped_column(String(36))
    message: Mapped[str | None] = mapped_column(Text)


class WebhookSubscriptionRow(Base):
    """An organisation's webhook URL. The HMAC secrets are sealed by the key vault, as
    signing keys are; ``events`` is a space-separated list of event types."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(500))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    previous_sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(500))


class WebhookEventRow(Base):
    """The outbox: an event, written in the transaction of the change it reports, as the
    exact body every receiver gets. PERSONAL DATA: the body names an award and carries the
    credential's recipient identifier (the salted e-mail hash or the DID, never the e-mail)."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    body: Mapped[str] = mapped_column(Text)


class WebhookDeliveryRow(Base):
    """One event to one subscription. ``lease_until``/``lease_token``: the dispatcher that
    took it (compare-and-set), so that several server workers never send it twice at once."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription_id_created_at", "subscription_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"))
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    lease_token: Mapped[str | None] = mapped_column(String(36))


class OAuthClientRow(Base):
    """An app registered for the learner APIs (RFC 7591); only the secret's SHA-256 is kept."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    client_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class OAuthCodeRow(Base):
    """An authorisation code (its SHA-256), kept after use so that a second use is noticed."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class OAuthTokenRow(Base):
    """An access token and its refresh token, as SHA-256 hashes, for one learner and app."""

    __tablename__ = "oauth_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[str] = mapped_column(String(1000))
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    access_expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    refresh_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class PortfolioEntryRow(Base):
    """PERSONAL DATA: a credential an app stored for a learner, exactly as sent.

    ``credential_key`` is the SHA-256 of the credential's id (ids may be long URLs)."""

    __tablename__ = "portfolio_entries"
    __table_args__ = (UniqueConstraint("user_id", "api", "credential_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    api: Mapped[str] = mapped_column(String(8))
    credential_key: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    jws: Mapped[bool] = mapped_column(Boolean)
    stored_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class QuizRow(Base):
    """An auto-graded quiz of an organisation: its definition (``domain.quizzes``) as JSON,
    right answers included (never sent to a learner before they submit)."""

    __tablename__ = "quizzes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class QuizAttemptRow(Base):
    """PERSONAL DATA: one user's attempt at a quiz, their answers and their score.

    ``(quiz_id, user_id, number)`` is unique: two starts at once cannot both take the last
    attempt a limit allows. ``state`` moves from ``in_progress`` once, by a compare-and-set."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(ForeignKey("quizzes.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    paper: Mapped[list[Any]] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    deadline: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[int | None] = mapped_column(Integer)
    max_score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    results: Mapped[list[Any] | None] = mapped_column(JSON)


class QuizEventRow(Base):
    """Append-only: every decision about a quiz and its attempts (the award-bound
    ``audit_events`` cannot hold them). PERSONAL DATA: the actor (a user id)."""

    __tablename__ = "quiz_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    quiz_id: Mapped[str] = mapped_column(ForeignKey("quizzes.id"), index=True)
    attempt_id: Mapped[str | None] = mapped_column(ForeignKey("quiz_attempts.id"))
    detail: Mapped[str | None] = mapped_column(Text)


class EmailTokenRow(Base):
    """A link sent by e-mail (confirm the address): the SHA-256 of its token, never the token;
    single use (``used_at``), until ``expires_at``."""

    __tablename__ = "email_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class OfferingRow(Base):
    """A published achievement offered to learners (``domain.offerings``)."""

    __tablename__ = "offerings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    ends_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)
    price_amount: Mapped[str | None] = mapped_column(String(32))
    price_currency: Mapped[str | None] = mapped_column(String(3))
    invitation_codes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    #: ``domain.requirements.requirements_data`` of the tree, or none
    requirements: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    supervision: Mapped[str | None] = mapped_column(String(64))
    identity_verification: Mapped[str | None] = mapped_column(String(32))


class EnrolmentRow(Base):
    """PERSONAL DATA: a learner's enrolment in an offering (one per learner and offering)."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("offering_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    check_due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)


class EnrolmentEventRow(Base):
    """Append-only: every decision about an enrolment (who, when, what). PERSONAL DATA: the
    actor's user id."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("enrolments.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class IntegrationRow(Base):
    """A system an organisation lets report completions (``domain.completions``). Its HMAC
    secret is sealed by the key vault, as webhook secrets are; after a rotation the previous
    one may sign too until ``previous_until``."""

    __tablename__ = "integrations"

    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    previous_sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class CompletionRow(Base):
    """PERSONAL DATA: a learner's completion of an offering's requirement, as another system
    reported it. ``(system, issuer_id, external_id)`` is unique: a report sent again is the
    same record."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("system", "issuer_id", "external_id"),
        Index("ix_completions_offering_id_user_id", "offering_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"))
    requirement_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    system: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    score: Mapped[str | None] = mapped_column(String(32))
    grade: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(2000))
    reported_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class CompletionEventRow(Base):
    """Append-only: every completion recorded and every change to an integration (who,
    when, what). PERSONAL DATA: the actor and the completion it names."""

    __tablename__ = "completion_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(64))
    completion_id: Mapped[str | None] = mapped_column(ForeignKey("completions.id"))
    detail: Mapped[str | None] = mapped_column(Text)


class RubricRow(Base):
    """A rubric of an organisation: its definition (``domain.rubrics``) as JSON."""

    __tablename__ = "rubrics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class EvidenceSubmissionRow(Base):
    """PERSONAL DATA: one version of a learner's evidence for a requirement, and its review.

    ``(offering_id, requirement_id, user_id, version)`` is unique: of two submissions at once,
    one wins. ``state`` moves from ``submitted`` once, by a compare-and-set."""

    __tablename__ = "evidence_submissions"
    __table_args__ = (
        UniqueConstraint(
            "offering_id",
            "requirement_id",
            "user_id",
            "version",
            name="uq_evidence_submissions_version",
        ),
        Index("ix_evidence_submissions_queue", "issuer_id", "state", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"))
    offering_id: Mapped[str] = mapped_column(ForeignKey("offerings.id"))
    requirement_id: Mapped[str] = mapped_column(String(64))
    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    text: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    reviewer: Mapped[str | None] = mapped_column(String(200))
    levels: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    points: Mapped[int | None] = mapped_column(Integer)
    max_points: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text)


class EvidenceFileRow(Base):
    """PERSONAL DATA: the file of a submission (at most one), its bytes kept in the database
    with the submission, in the same transaction."""

    __tablename__ = "evidence_files"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("evidence_submissions.id"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceEventRow(Base):
    """Append-only: every decision about a rubric (created, replaced) and its submissions
    (submitted, accepted, returned), with the scores and feedback. PERSONAL DATA: the actor
    (a user id)."""

    __tablename__ = "evidence_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"), index=True)
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("evidence_submissions.id"), index=True
    )
    detail: Mapped[str | None] = mapped_column(Text)


class RecognisedIssuerRow(Base):
    """An issuer whose credentials an organisation recognises (``domain.recognition``):
    ``issuer`` is its id as credentials name it (a DID or URL)."""

    __tablename__ = "recognised_issuers"
    __table_args__ = (UniqueConstraint("issuer_id", "issuer"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class EquivalenceRow(Base):
    """A foreign achievement (by id, or by an alignment's targetUrl/targetCode) that stands
    for one of the organisation's achievements; the credit to count (a decimal as text and
    its unit), when the equivalence names it."""

    __tablename__ = "equivalences"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    foreign_achievement: Mapped[str | None] = mapped_column(String(2000))
    alignment: Mapped[str | None] = mapped_column(String(2000))
    credit_amount: Mapped[str | None] = mapped_column(String(32))
    credit_unit: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class RecognitionChangeRow(Base):
    """Append-only: every change of an organisation's recognised issuers and equivalences
    (who, when, what). PERSONAL DATA: the actor (a user id)."""

    __tablename__ = "recognition_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(36))
    detail: Mapped[str] = mapped_column(Text)


class ForeignCredentialRow(Base):
    """PERSONAL DATA: a credential issued elsewhere that a learner added: its text as received
    (JSON or JWS), the document read from it, where it came from, and the last verification
    (``domain.recognition.Verification.data``). ``key`` (a SHA-256) keeps one copy per
    learner."""

    __tablename__ = "foreign_credentials"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    credential: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(2000))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    verification: Mapped[dict[str, Any]] = mapped_column(JSON)


class RecognitionEventRow(Base):
    """Append-only, PERSONAL DATA: a foreign credential added, verified again, and each
    organisation's recognition decision when it changes (what it counts as, the credit, why)."""

    __tablename__ = "recognition_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[str] = mapped_column(ForeignKey("foreign_credentials.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    issuer_id: Mapped[str | None] = mapped_column(ForeignKey("issuers.id"))
    counted: Mapped[bool | None] = mapped_column(Boolean)
    counts_as: Mapped[list[Any]] = mapped_column(JSON)
    credits: Mapped[list[Any]] = mapped_column(JSON)
    why: Mapped[str] = mapped_column(Text)


class PathwayRow(Base):
    """One version of a pathway (``domain.pathway_records``): its spec as plain data."""

    __tablename__ = "pathways"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuers.id"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    loss_policy: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class PathwayLearnerRow(Base):
    """PERSONAL DATA: a learner on a pathway, at the version they started on."""

    __tablename__ = "pathway_learners"
    __table_args__ = (UniqueConstraint("pathway_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pathway_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"), index=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    check_due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True)
    flagged: Mapped[str | None] = mapped_column(Text)


class PathwayEventRow(Base):
    """Append-only: what happened on a pathway (who, when, what)."""

    __tablename__ = "pathway_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    pathway_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))
    learner_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[str | None] = mapped_column(Text)
