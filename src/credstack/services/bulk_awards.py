"""Issuing a cohort: rows in, one outcome per row out, committed in batches.

A cohort of a million rows is streamed: each row is checked, signed and collected into a
batch; a batch is stored in one transaction, and only then are its rows reported ``issued``.
A learner who already has the achievement is ``skipped`` (decision 0011), within the batch as
well as against what is stored, so the outcome does not depend on the batch size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator

from credstack.domain.awards import Award, AwardRequest
from credstack.domain.errors import ConflictError, CredstackError
from credstack.services.awards import (
    IssueContext,
    SlotPool,
    build_award,
    load_issue_context,
    prior_award,
    validate_request,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = ["BulkOutcome", "RowInput", "issue_awards"]


@dataclasses.dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What happened to one input row: ``issued``, ``skipped`` (had it already) or ``failed``."""

    line: int
    status: str
    message: str
    award_id: str | None = None


RowInput = tuple[int, AwardRequest | str]


def issue_awards(
    deps: ServiceDeps,
    achievement_id: str,
    rows: Iterable[RowInput],
    *,
    batch_size: int = 200,
    on_outcome: Callable[[BulkOutcome], None] | None = None,
) -> Iterator[BulkOutcome]:
    """Issue a cohort, streaming: one outcome per input row.

    ``rows`` are ``(line, request)`` pairs, or ``(line, message)`` for rows the caller could
    not parse. Awards are committed in batches; an outcome says ``issued`` only after its
    batch is committed, so every reported award exists; rows that fail are reported at once,
    so outcomes come in the order they are settled, not strictly in line order. A learner
    who already has the achievement is ``skipped``: running the same file twice issues
    nothing new.
    """
    with deps.uow() as uow:
        context = load_issue_context(uow, deps, achievement_id)
    slots = SlotPool(deps, context, batch_size)
    batch: list[tuple[int, AwardRequest, Award]] = []
    pending: list[BulkOutcome] = []
    for line, item in rows:
        if isinstance(item, str):
            pending.append(BulkOutcome(line, "failed", item))
        else:
            pending.extend(_prepare(deps, context, slots, line, item, batch))
        if len(batch) >= batch_size:
            pending.extend(_commit(deps, batch))
        yield from _drain(pending, on_outcome)
    pending.extend(_commit(deps, batch))
    yield from _drain(pending, on_outcome)


def _drain(
    pending: list[BulkOutcome], on_outcome: Callable[[BulkOutcome], None] | None
) -> Iterator[BulkOutcome]:
    # Outcomes of uncommitted rows wait in the batch; everything else goes out in line order.
    ready = sorted(pending, key=lambda o: o.line)
    pending.clear()
    for outcome in ready:
        if on_outcome is not None:
            on_outcome(outcome)
        yield outcome


def _prepare(
    deps: ServiceDeps,
    context: IssueContext,
    slots: SlotPool,
    line: int,
    request: AwardRequest,
    batch: list[tuple[int, AwardRequest, Award]],
) -> list[BulkOutcome]:
    if request.achievement_id != context.version.achievement_id:
        return [BulkOutcome(line, "failed", "row is for another achievement")]
    try:
        validate_request(deps, context, request)
        award = build_award(deps, context, request, slots.take())
    except CredstackError as error:
        return [BulkOutcome(line, "failed", str(error))]
    batch.append((line, request, award))
    return []


def _commit(deps: ServiceDeps, batch: list[tuple[int, AwardRequest, Award]]) -> list[BulkOutcome]:
    """Store a batch in one transaction; when it clashes, fall back to one row at a time
    so that each row gets its own true outcome."""
    if not batch:
        return []
    items = list(batch)
    batch.clear()
    with deps.uow() as uow:
        repeats = _repeats(uow, items)
        fresh = [(line, award) for line, _, award in items if line not in repeats]
        for _, award in fresh:
            uow.awards.add(award)
        try:
            uow.commit()
        except ConflictError:
            return [_commit_one(deps, line, request, award) for line, request, award in items]
    outcomes = [
        BulkOutcome(line, "skipped", f"already issued as {prior}")
        for line, prior in repeats.items()
    ]
    outcomes += [BulkOutcome(line, "issued", award.id, award.id) for line, award in fresh]
    return outcomes


def _repeats(uow: UnitOfWork, items: list[tuple[int, AwardRequest, Award]]) -> dict[int, str]:
    """Line → the award it repeats: one stored already, or an earlier row of this batch
    (the rule of ``prior_award``, applied to the batch as if it were stored row by row)."""
    found: dict[int, str] = {}
    by_key: dict[str, str] = {}
    by_recipient: dict[str, str] = {}
    for line, request, award in items:
        recipient = request.recipient.identifier.lower()
        prior = by_key.get(award.source_key)
        if prior is None and request.source_id is None:
            prior = by_recipient.get(recipient)
        if prior is None:
            stored = prior_award(uow, request)
            prior = stored.id if stored is not None else None
        if prior is not None:
            found[line] = prior
            continue
        by_key[award.source_key] = award.id
        by_recipient.setdefault(recipient, award.id)
    return found


def _commit_one(deps: ServiceDeps, line: int, request: AwardRequest, award: Award) -> BulkOutcome:
    with deps.uow() as uow:
        prior = prior_award(uow, request)
        if prior is not None:
            return BulkOutcome(line, "skipped", f"already issued as {prior.id}")
        uow.awards.add(award)
        try:
            uow.commit()
        except ConflictError as error:
            return BulkOutcome(line, "failed", f"not stored: {error}")
    return BulkOutcome(line, "issued", award.id, award.id)
