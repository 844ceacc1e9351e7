"""Use cases for micro-credential definitions: save drafts, publish, read back."""

from __future__ import annotations

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.errors import ConflictError, NotFoundError
from credstack.services.deps import ServiceDeps

__all__ = [
    "discard_draft",
    "list_achievements",
    "publish_achievement",
    "save_achievement",
    "show_achievement",
]


def save_achievement(
    deps: ServiceDeps, issuer_id: str, spec: AchievementSpec
) -> AchievementVersion:
    """Create the definition, or edit it: a draft changes in place, a published version
    is never changed and a new draft version is started instead.

    Raises ``NotFoundError`` for an unknown issuer, ``InvalidInputError`` when the definition
    belongs to another issuer.
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        try:
            latest = uow.achievements.latest(spec.id)
        except NotFoundError:
            version = AchievementVersion(spec.id, issuer_id, 1, Status.DRAFT, spec, now)
            uow.achievements.create(version)
        else:
            if latest.issuer_id != issuer_id:
                raise ConflictError(
                    f"achievement '{spec.id}' belongs to issuer '{latest.issuer_id}'"
                )
            if latest.spec == spec:
                return latest  # unchanged: saving a file twice makes no new version
            version = latest.edited(spec, now=now)
            uow.achievements.save(version)
        uow.commit()
    return version


def publish_achievement(deps: ServiceDeps, achievement_id: str) -> AchievementVersion:
    """Publish the newest draft, so awards can be issued under it.

    Raises ``ConflictError`` when the newest version is published already.
    """
    with deps.uow() as uow:
        version = uow.achievements.latest(achievement_id).published(now=deps.clock.now())
        uow.achievements.save(version)
        uow.commit()
    return version


def discard_draft(deps: ServiceDeps, achievement_id: str) -> AchievementVersion | None:
    """Throw away the newest version, a draft that was never awarded, and return what is now
    the newest (``None``: the definition is gone, its id free again).

    Raises ``ConflictError`` when the newest version is published: published text is never
    deleted, since the credentials issued under it name its page.
    """
    with deps.uow() as uow:
        latest = uow.achievements.latest(achievement_id)
        if latest.status is Status.PUBLISHED:
            raise ConflictError(
                f"achievement '{achievement_id}' version {latest.version} is published: "
                "published versions are kept for the credentials that name them"
            )
        uow.achievements.discard(achievement_id, latest.version)
        remaining = None if latest.version == 1 else uow.achievements.latest(achievement_id)
        uow.commit()
    return remaining


def show_achievement(
    deps: ServiceDeps, achievement_id: str, version: int | None = None
) -> AchievementVersion:
    """The newest version (or the one asked for)."""
    with deps.uow() as uow:
        if version is None:
            return uow.achievements.latest(achievement_id)
        return uow.achievements.version(achievement_id, version)


def list_achievements(deps: ServiceDeps, issuer_id: str | None = None) -> list[AchievementVersion]:
    with deps.uow() as uow:
        if issuer_id is not None:
            uow.issuers.get(issuer_id)
        return uow.achievements.list(issuer_id)
