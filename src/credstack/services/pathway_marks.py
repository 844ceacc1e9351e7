"""Marking pathway learners due when what they hold changes (issue 8).

Called inside the unit of work that issues a credential or changes its status, so the mark
is stored exactly when the change is (decision 0030's pattern); the caller settles the marked
learners after its commit (``services.pathways.settle_pathways``). Kept apart from
``services.pathways``, which issues awards itself, so that ``services.awards`` and
``services.status`` can call it without an import cycle.
"""

from __future__ import annotations

import datetime as dt

from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = ["mark_holdings", "mark_user", "settle_marked"]


def mark_holdings(uow: UnitOfWork, email: str | None, at: dt.datetime) -> list[str]:
    """Mark due every pathway row of the person with this e-mail address (none without an
    account or a pathway: most recipients). Returns the rows' ids."""
    if email is None:
        return []
    user = uow.accounts.user_by_email(email)
    return [] if user is None else mark_user(uow, user.id, at)


def mark_user(uow: UnitOfWork, user_id: str, at: dt.datetime) -> list[str]:
    """Mark due every pathway row of this user; the rows' ids."""
    due = [learner.id for learner in uow.pathways.learners_of_user(user_id)]
    uow.pathways.mark_due(due, at)
    return due


def settle_marked(deps: ServiceDeps, due: list[str]) -> None:
    """After the marking unit of work's commit: settle the rows it marked (none: nothing)."""
    if due:
        # imported here: services.pathways issues awards, whose module imports this one
        from credstack.services.pathways import settle_pathways

        settle_pathways(deps, due)
