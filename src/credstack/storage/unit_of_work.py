"""The SQLAlchemy unit of work: one session, one transaction, committed only on purpose."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from credstack.domain.errors import ConflictError, StorageError
from credstack.storage.database import refused_data, storage_errors
from credstack.storage.repositories import (
    SqlAccountRepository,
    SqlAchievementRepository,
    SqlAuditRepository,
    SqlAwardJobRepository,
    SqlAwardRepository,
    SqlCompletionRepository,
    SqlEvidenceRepository,
    SqlIssuerRepository,
    SqlKeyRepository,
    SqlOAuthRepository,
    SqlOfferingRepository,
    SqlPathwayRepository,
    SqlPortfolioRepository,
    SqlQuizRepository,
    SqlRecognitionRepository,
    SqlSignupRepository,
    SqlStatusListRepository,
    SqlWebhookRepository,
)

__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory"]


class SqlUnitOfWork:
    """Repositories over one session. Leaving the block without ``commit`` rolls back, so a
    failure part-way through a use case leaves nothing half-written."""

    issuers: SqlIssuerRepository
    keys: SqlKeyRepository
    achievements: SqlAchievementRepository
    awards: SqlAwardRepository
    status_lists: SqlStatusListRepository
    audit: SqlAuditRepository
    accounts: SqlAccountRepository
    award_jobs: SqlAwardJobRepository
    webhooks: SqlWebhookRepository
    oauth: SqlOAuthRepository
    portfolio: SqlPortfolioRepository
    quizzes: SqlQuizRepository
    evidence: SqlEvidenceRepository
    offerings: SqlOfferingRepository
    signups: SqlSignupRepository
    recognition: SqlRecognitionRepository
    completions: SqlCompletionRepository
    pathways: SqlPathwayRepository

    def __init__(self, sessions: sessionmaker[Session], engine: Engine) -> None:
        self._sessions = sessions
        self._engine = engine
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self.issuers = SqlIssuerRepository(session)
        self.keys = SqlKeyRepository(session)
        self.achievements = SqlAchievementRepository(session)
        self.awards = SqlAwardRepository(session)
        self.status_lists = SqlStatusListRepository(session)
        self.audit = SqlAuditRepository(session)
        self.accounts = SqlAccountRepository(session)
        self.award_jobs = SqlAwardJobRepository(session)
        self.webhooks = SqlWebhookRepository(session)
        self.oauth = SqlOAuthRepository(session)
        self.portfolio = SqlPortfolioRepository(session)
        self.quizzes = SqlQuizRepository(session)
        self.evidence = SqlEvidenceRepository(session)
        self.offerings = SqlOfferingRepository(session)
        self.signups = SqlSignupRepository(session)
        self.recognition = SqlRecognitionRepository(session)
        self.completions = SqlCompletionRepository(session)
        self.pathways = SqlPathwayRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        self._session = None
        if session is None:
            return
        try:
            session.rollback()
        finally:
            session.close()
        if isinstance(exc, OperationalError):
            with storage_errors(self._engine):
                raise exc
        if isinstance(exc, DataError):
            raise refused_data(exc) from None
        if isinstance(exc, IntegrityError):  # a flush inside the block, as at commit
            raise _conflict(exc) from None

    def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit outside the unit of work")
        try:
            with storage_errors(self._engine):
                self._session.commit()
        except IntegrityError as error:
            self._session.rollback()
            raise _conflict(error) from None
        except DataError as error:
            self._session.rollback()
            raise refused_data(error) from None
        except (SQLAlchemyError, StorageError):
            self._session.rollback()
            raise

    def flush(self) -> None:
        """Send pending changes now, so that a constraint fails here rather than at commit."""
        if self._session is not None:
            self._session.flush()


def _conflict(error: IntegrityError) -> ConflictError:
    detail = str(error.orig).strip().splitlines()[0] if error.orig else "constraint"
    return ConflictError(f"conflicts with what is stored: {detail}")


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine (what the services receive)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self.engine)
