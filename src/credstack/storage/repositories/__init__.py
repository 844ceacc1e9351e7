"""SQLAlchemy implementations of the repository ports: rows in, domain objects out."""

from credstack.storage.repositories.accounts import SqlAccountRepository
from credstack.storage.repositories.achievements import SqlAchievementRepository
from credstack.storage.repositories.award_jobs import SqlAwardJobRepository
from credstack.storage.repositories.awards import SqlAwardRepository
from credstack.storage.repositories.completions import SqlCompletionRepository
from credstack.storage.repositories.evidence import SqlEvidenceRepository
from credstack.storage.repositories.issuers import SqlIssuerRepository, SqlKeyRepository
from credstack.storage.repositories.oauth import SqlOAuthRepository
from credstack.storage.repositories.offerings import SqlOfferingRepository
from credstack.storage.repositories.pathways import SqlPathwayRepository
from credstack.storage.repositories.portfolio import SqlPortfolioRepository
from credstack.storage.repositories.quizzes import SqlQuizRepository
from credstack.storage.repositories.recognition import SqlRecognitionRepository
from credstack.storage.repositories.signups import SqlSignupRepository
from credstack.storage.repositories.status import SqlAuditRepository, SqlStatusListRepository
from credstack.storage.repositories.webhooks import SqlWebhookRepository

__all__ = [
    "SqlAccountRepository",
    "SqlAchievementRepository",
    "SqlAuditRepository",
    "SqlAwardJobRepository",
    "SqlAwardRepository",
    "SqlCompletionRepository",
    "SqlEvidenceRepository",
    "SqlIssuerRepository",
    "SqlKeyRepository",
    "SqlOAuthRepository",
    "SqlOfferingRepository",
    "SqlPathwayRepository",
    "SqlPortfolioRepository",
    "SqlQuizRepository",
    "SqlRecognitionRepository",
    "SqlSignupRepository",
    "SqlStatusListRepository",
    "SqlWebhookRepository",
]
