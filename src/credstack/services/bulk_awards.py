"""Issuing a cohort: rows in, one outcome per row out, committed in batches.

A cohort of a million rows is streamed: rows are checked and collected into a batch; a batch's
repeats are found with one query (decision 0011: a learner who already has the achievement is
``skipped``, within the run as well as against what is stored); the rest get status slots and
go to the signing pool (``award_signing``: this process or one worker per core); a signed batch
is stored in one transaction (one insert statement) by a writer thread while the next batch is
signed, and only then are its rows reported ``issued``. At most ``workers + 2`` batches are in
flight, so memory stays flat however long the file is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from credstack.domain.awards import Award, AwardRequest
from credstack.domain.errors import ConflictError, CredstackError
from credstack.services.award_signing import (
    CohortSigner,
    Pending,
    SigningFailure,
    SigningPool,
    SigningRow,
    signing_pool,
)
from credstack.services.awards import (
    IssueContext,
    SlotPool,
    load_issue_context,
    prior_award,
    signed_award,
    signing_row,
    validate_request,
    with_validity,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ids import random_uuids
from credstack.services.pathway_marks import settle_marked
from credstack.services.ports import UnitOfWork
from credstack.services.webhooks import credential_payload, new_event, record_events

__all__ = ["BulkOutcome", "RowInput", "issue_awards"]

#: Rows signed and stored together; one repeat query, one slot reservation, one insert each.
BATCH_SIZE = 500


@dataclasses.dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What happened to one input row: ``issued``, ``skipped`` (had it already) or ``failed``;
    ``award_id`` is the award issued, or the one the learner already had."""

    line: int
    status: str
    message: str
    award_id: str | None = None


RowInput = tuple[int, AwardRequest | str]


@dataclasses.dataclass(slots=True)
class _Batch:
    """Rows on their way: signed by the pool, then stored."""

    lines: list[int]
    ids: list[str]
    rows: list[SigningRow]
    issued_at: dt.datetime
    texts: Pending


class _Run:
    """One cohort run: the batching, the repeat rule and the commits."""

    def __init__(
        self,
        deps: ServiceDeps,
        context: IssueContext,
        pool: SigningPool,
        batch_size: int,
        subscribers: list[str] | None = None,
        pathways: bool = False,
    ) -> None:
        self.deps = deps
        # the organisation's webhooks for "credential.issued", looked up once per run: a run
        # without any writes no events and pays nothing for them
        self.subscribers = subscribers or []
        # whether anyone is on a pathway (looked up once, likewise): then each batch marks
        # its recipients' pathway rows due, and settles them after its commit
        self.pathways = pathways
        self.context = context
        self.pool = pool
        self.batch_size = batch_size
        self.inflight: deque[_Batch] = deque()
        # Signed batches are stored by one writer thread while the next batch is signed: a
        # durable commit waits on the disk, and the interpreter lock is free meanwhile. The
        # next batch's status slots are reserved there too, between two commits.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="credstack-store")
        self.slots = SlotPool(deps, context, batch_size, ahead=self.writer)
        self.storing: deque[tuple[_Batch, Future[list[BulkOutcome]]]] = deque()
        # keys of rows sent to the pool but not yet committed (the database cannot see them)
        self.pending_keys: dict[str, str] = {}
        self.pending_recipients: dict[str, str] = {}

    def dispatch(self, batch: list[tuple[int, AwardRequest]], *, more: bool) -> list[BulkOutcome]:
        """Find the batch's repeats, give the rest slots and send them to be signed; ``more``
        when rows follow it."""
        outcomes, fresh = self._without_repeats(batch)
        if not fresh:
            return outcomes
        now = self.deps.clock.now()
        lines, ids, rows = [], [], []
        slots = self.slots.take(len(fresh), more=more)
        for (line, request, award_id), slot in zip(fresh, slots, strict=True):
            request = with_validity(self.context, request, now)
            lines.append(line)
            ids.append(award_id)
            rows.append(signing_row(self.deps, self.context, request, award_id, slot))
            self.pending_keys[request.source_key] = award_id
            self.pending_recipients.setdefault(request.recipient.identifier.lower(), award_id)
        texts = self.pool.submit(rows, now)
        self.inflight.append(_Batch(lines, ids, rows, now, texts))
        return outcomes

    def finish_oldest(self) -> list[BulkOutcome]:
        """Wait for the oldest batch in flight to be signed, then store it."""
        batch = self.inflight.popleft()
        results = batch.texts.result()  # WorkerError if its worker stopped
        outcomes = []
        awards = []
        for line, award_id, row, result in zip(
            batch.lines, batch.ids, batch.rows, results, strict=True
        ):
            if isinstance(result, SigningFailure):
                message = f"cannot sign the credential: {result.message}"
                outcomes.append(BulkOutcome(line, "failed", message))
                continue
            award = signed_award(self.context, award_id, row, result, batch.issued_at)
            awards.append((line, row.request, award))
        self.storing.append((batch, self.writer.submit(self._commit, awards)))
        return outcomes + self.stored(wait=False)

    def stored(self, *, wait: bool) -> list[BulkOutcome]:
        """Outcomes of the batches stored so far, oldest first; with ``wait``, of all. At most
        one batch waits to be stored while the next is signed."""
        outcomes: list[BulkOutcome] = []
        while self.storing and (wait or len(self.storing) > 1 or self.storing[0][1].done()):
            batch, future = self.storing.popleft()
            outcomes += future.result()  # a storage error ends the run, as it would here
            for row in batch.rows:
                self.pending_keys.pop(row.request.source_key, None)
                self.pending_recipients.pop(row.request.recipient.identifier.lower(), None)
        return outcomes

    def close(self) -> None:
        self.writer.shutdown(wait=True)

    def _without_repeats(
        self, batch: list[tuple[int, AwardRequest]]
    ) -> tuple[list[BulkOutcome], list[tuple[int, AwardRequest, str]]]:
        """Rows that repeat an award (stored, in flight, or earlier in the batch) are skipped,
        by the rule of ``prior_award`` applied as if the rows were stored one by one."""
        achievement_id = self.context.version.achievement_id
        with self.deps.uow() as uow:
            stored_keys, stored_recipients = uow.awards.prior_ids(
                achievement_id,
                [request.source_key for _, request in batch],
                [request.recipient.identifier for _, request in batch if request.source_id is None],
            )
        by_key = {**stored_keys, **self.pending_keys}
        by_recipient = {**stored_recipients, **self.pending_recipients}
        outcomes: list[BulkOutcome] = []
        fresh: list[tuple[int, AwardRequest, str]] = []
        batch_keys: dict[str, str] = {}
        batch_recipients: dict[str, str] = {}
        new_ids = iter(random_uuids(len(batch)))
        for line, request in batch:
            key = request.source_key
            recipient = request.recipient.identifier.lower()
            prior = by_key.get(key) or batch_keys.get(key)
            if prior is None and request.source_id is None:
                prior = by_recipient.get(recipient) or batch_recipients.get(recipient)
            if prior is not None:
                outcomes.append(BulkOutcome(line, "skipped", f"already issued as {prior}", prior))
                continue
            award_id = next(new_ids)
            batch_keys[key] = award_id
            batch_recipients.setdefault(recipient, award_id)
            fresh.append((line, request, award_id))
        return outcomes, fresh

    def _commit(self, items: list[tuple[int, AwardRequest, Award]]) -> list[BulkOutcome]:
        """Store a batch in one transaction; when it clashes (another process issued the same
        award meanwhile), fall back to one row at a time so that each row gets its own true
        outcome."""
        if not items:
            return []
        with self.deps.uow() as uow:
            try:
                uow.awards.add_many([award for _, _, award in items])
                self._record_issued(uow, [award for _, _, award in items])
                due = self._mark_pathways(uow, [award for _, _, award in items])
                uow.commit()
            except ConflictError:
                return [self._commit_one(line, request, award) for line, request, award in items]
        settle_marked(self.deps, due)
        return [BulkOutcome(line, "issued", award.id, award.id) for line, _, award in items]

    def _mark_pathways(self, uow: UnitOfWork, awards: list[Award]) -> list[str]:
        if not self.pathways:
            return []
        emails = [a.recipient.email for a in awards if a.recipient.email is not None]
        due = uow.pathways.learner_ids_for_emails(emails)
        uow.pathways.mark_due(due, self.deps.clock.now())
        return due

    def _record_issued(self, uow: UnitOfWork, awards: list[Award]) -> None:
        """One ``credential.issued`` event per award, in the batch's own transaction."""
        if not self.subscribers:
            return
        events = [
            new_event(
                award.issuer_id,
                "credential.issued",
                award.issued_at,
                credential_payload(self.deps, award),
            )
            for award in awards
        ]
        record_events(uow, events, self.subscribers)

    def _commit_one(self, line: int, request: AwardRequest, award: Award) -> BulkOutcome:
        with self.deps.uow() as uow:
            prior = prior_award(uow, request)
            if prior is not None:
                return BulkOutcome(line, "skipped", f"already issued as {prior.id}", prior.id)
            due = self._mark_pathways(uow, [award])  # before the insert: see issue_award
            uow.awards.add(award)
            self._record_issued(uow, [award])
            try:
                uow.commit()
            except ConflictError as error:
                return BulkOutcome(line, "failed", f"not stored: {error}")
        settle_marked(self.deps, due)
        return BulkOutcome(line, "issued", award.id, award.id)


def issue_awards(
    deps: ServiceDeps,
    achievement_id: str,
    rows: Iterable[RowInput],
    *,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    on_outcome: Callable[[BulkOutcome], None] | None = None,
) -> Iterator[BulkOutcome]:
    """Issue a cohort, streaming: one outcome per input row.

    ``rows`` are ``(line, request)`` pairs, or ``(line, message)`` for rows the caller could
    not parse. ``workers`` processes sign (1: this process). Awards are committed in batches;
    an outcome says ``issued`` only after its batch is committed, so every reported award
    exists; rows that fail or repeat are reported when their batch is dispatched, so outcomes
    come in the order they are settled, not strictly in line order. A learner who already has
    the achievement is ``skipped``: running the same file twice issues nothing new.
    """
    with deps.uow() as uow:
        context = load_issue_context(uow, deps, achievement_id)
        subscribers = uow.webhooks.subscribers(context.issuer.id, "credential.issued")
        pathways = uow.pathways.has_learners()
    with signing_pool(CohortSigner(context.template, context.key), workers) as pool:
        run = _Run(deps, context, pool, batch_size, subscribers, pathways)
        try:
            yield from _stream(run, rows, workers, on_outcome)
        finally:
            run.close()


def _stream(
    run: _Run,
    rows: Iterable[RowInput],
    workers: int,
    on_outcome: Callable[[BulkOutcome], None] | None,
) -> Iterator[BulkOutcome]:
    """The run's loop: rows into batches, batches to the pool, outcomes out as they settle."""
    context, deps, batch_size = run.context, run.deps, run.batch_size
    # signed here, a batch is finished at once; with workers, keep each of them busy
    in_flight = workers if workers > 1 else 0
    batch: list[tuple[int, AwardRequest]] = []
    pending: list[BulkOutcome] = []
    for line, item in rows:
        if len(batch) >= batch_size:  # a full batch, and (this row) more to come
            pending.extend(run.dispatch(batch, more=True))
            batch = []
            while len(run.inflight) > in_flight:
                pending.extend(run.finish_oldest())
        if isinstance(item, str):
            pending.append(BulkOutcome(line, "failed", item))
        elif item.achievement_id != context.version.achievement_id:
            pending.append(BulkOutcome(line, "failed", "row is for another achievement"))
        else:
            try:
                validate_request(deps, context, item)
            except CredstackError as error:
                pending.append(BulkOutcome(line, "failed", str(error)))
            else:
                batch.append((line, item))
        pending.extend(run.stored(wait=False))
        yield from _drain(pending, on_outcome)
    if batch:
        pending.extend(run.dispatch(batch, more=False))
    while run.inflight:
        pending.extend(run.finish_oldest())
    pending.extend(run.stored(wait=True))
    run.slots.release()  # slots of rows that turned out to be repeats: no gap in the list
    yield from _drain(pending, on_outcome)


def _drain(
    pending: list[BulkOutcome], on_outcome: Callable[[BulkOutcome], None] | None
) -> Iterator[BulkOutcome]:
    # Outcomes of rows in flight wait for their batch; everything else goes out in line order.
    ready = sorted(pending, key=lambda o: o.line)
    pending.clear()
    for outcome in ready:
        if on_outcome is not None:
            on_outcome(outcome)
        yield outcome
