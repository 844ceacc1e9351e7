"""Marking pathway learners due when what they hold changes (issue 8).

Called inside the unit of work that issues a credential or changes its status, so the mark
is stored exactly when the change is (decision 0030's pattern); the caller settles the marked
learners after its commit (``services.pathways.settle_pathways``). Kept apart from
``services.pathways``, which issues awards itself, so that ``services.awards`` and
``services.status`` can call it without an import cycle.
"""

from __future__ import annotations

import datetime as dt

from credstack.services.ports import UnitOfWork

__all__ = ["mark_holdings"]


def mark_holdings(uow: UnitOfWork, email: str | None, at: dt.datetime) -> list[str]:
    """Mark due every pathway row of the person with this e-mail address (none without an
    account or a pathway: most recipients). Returns the rows' ids."""
    if email is None:
        return []
    user = uow.accounts.user_by_email(email)
    if user is None:
        return []
    due = [learner.id for learner in uow.pathways.learners_of_user(user.id)]
    uow.pathways.mark_due(due, at)
    return due
