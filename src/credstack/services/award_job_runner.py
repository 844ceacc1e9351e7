"""The runner of bulk award jobs: claims a queued job and issues it, outside any request.

Every server process may run one (``web.app`` starts it with the application). A runner takes
a job with a compare-and-set on the job's claim number, so two runners never run one job; it
commits the report lines (and so the progress) as the pipeline settles rows, each commit also
its heartbeat. A job whose runner died (no heartbeat for ``stale_after``) is claimed again and
resumed: rows with a report line are not fed again, and the rest go through the pipeline,
whose repeat rule (decision 0011) finds what the dead runner issued but had not reported,
so nothing is issued twice; such a row's line says "already issued" with the award's id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from credstack.domain.award_jobs import (
    AwardItem,
    AwardJob,
    InputFormat,
    JobStatus,
    Outcome,
    ReportLine,
)
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError, CredstackError, InvalidInputError, NotFoundError
from credstack.services.award_csv import CsvAward, RowError, award_requests, read_award_rows
from credstack.services.award_jobs import input_stream
from credstack.services.bulk_awards import BATCH_SIZE, BulkOutcome, RowInput, issue_awards
from credstack.services.deps import ServiceDeps

__all__ = ["JobRunner"]

log = logging.getLogger("credstack.award_jobs")

_OUTCOMES = {"issued": Outcome.ISSUED, "skipped": Outcome.ALREADY_ISSUED, "failed": Outcome.ERROR}


class _TextChunks(io.RawIOBase):
    """The stored input as a readable byte stream, for ``io.TextIOWrapper``."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer = piece.encode("utf-8", "surrogateescape")
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def _text(deps: ServiceDeps, job_id: str) -> io.TextIOWrapper:
    raw = io.BufferedReader(_TextChunks(input_stream(deps, job_id)))
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def _json_rows(
    deps: ServiceDeps, job_id: str
) -> Iterator[tuple[int, AwardRequest | str, str | None]]:
    """A JSON job's awards, numbered from 1 as in the list that was sent, each with the
    item's own id; an item that is no award is its error message."""
    for number, text in enumerate(_text(deps, job_id), start=1):
        data = json.loads(text)
        if "error" in data:
            yield number, str(data["error"]), data.get("id")
            continue
        item = AwardItem.from_json(data)
        try:
            recipient = Recipient(email=item.email, did=item.did, name=item.name)
            request = AwardRequest(
                item.achievement_id,
                recipient,
                narrative=item.narrative,
                evidence_url=item.evidence_url,
                result=item.result,
                valid_until=item.valid_until,
                source_id=item.source_id,
            )
        except InvalidInputError as error:
            yield number, str(error), item.source_id
        else:
            yield number, request, item.source_id


@dataclasses.dataclass
class _Run:
    """One claimed run of one job: the report buffer, and the reasons to stop feeding rows."""

    deps: ServiceDeps
    job: AwardJob
    claim: int
    shutdown: threading.Event
    flush_every: int = BATCH_SIZE
    on_progress: Callable[[AwardJob], None] | None = None
    beat_seconds: float = 2.0
    done: set[int] = dataclasses.field(default_factory=set)
    lines: list[ReportLine] = dataclasses.field(default_factory=list)
    source_ids: dict[int, str] = dataclasses.field(default_factory=dict)
    lost: bool = False
    cancel: bool = False
    last_flush: float = dataclasses.field(default_factory=time.monotonic)

    @property
    def stopping(self) -> bool:
        return self.lost or self.cancel or self.shutdown.is_set()

    def report(self, line: ReportLine) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Commit the report lines so far (the progress) and beat the heart; learn whether the
        job was cancelled or taken over meanwhile."""
        with self.deps.uow() as uow:
            job = uow.award_jobs.record(self.job.id, self.claim, self.lines, self.deps.clock.now())
            uow.commit()
        self.lines = []
        self.last_flush = time.monotonic()
        if job is None:
            self.lost = True
            return
        if self.on_progress is not None:
            self.on_progress(job)
        # read after the callback: it may be what cancelled the job
        with self.deps.uow() as uow:
            self.cancel = self.cancel or uow.award_jobs.get(self.job.id).cancel_requested

    def tick(self) -> None:
        """Commit (and beat) when the last commit is a while ago, even with nothing settled:
        the heartbeat tells other runners this one is alive."""
        if time.monotonic() - self.last_flush >= self.beat_seconds:
            self.flush()

    def feed(self, rows: Iterable[RowInput]) -> Iterator[RowInput]:
        """Rows not yet reported, until the run is told to stop; the pipeline then finishes
        the batches it holds, so everything issued gets its report line."""
        for line, item in rows:
            self.tick()
            if self.stopping:
                return
            if line in self.done:
                continue
            if isinstance(item, AwardRequest) and item.source_id is not None:
                self.source_ids[line] = item.source_id  # (a CSV's are noted as it is read)
            yield line, item

    def settle(self, outcome: BulkOutcome) -> None:
        kind = _OUTCOMES[outcome.status]
        message = None if kind is Outcome.ISSUED else outcome.message
        source_id = self.source_ids.pop(outcome.line, None)
        self.report(ReportLine(outcome.line, kind, source_id, outcome.award_id, message))

    def error(self, line: int, message: str, source_id: str | None = None) -> None:
        self.done.add(line)
        self.report(ReportLine(line, Outcome.ERROR, source_id, None, message))


def _usable(deps: ServiceDeps, issuer_id: str, achievement_id: str) -> str | None:
    """Why the organisation cannot award this achievement, or ``None`` when it can."""
    with deps.uow() as uow:
        try:
            version = uow.achievements.latest(achievement_id)
        except NotFoundError:
            version = None
        if version is None or version.issuer_id != issuer_id:
            return f"no achievement '{achievement_id}'"
        if uow.achievements.latest_published(achievement_id) is None:
            return f"achievement '{achievement_id}' has no published version"
    return None


def _issue(run: _Run, achievement_id: str, rows: Iterable[RowInput]) -> None:
    for outcome in issue_awards(run.deps, achievement_id, run.feed(rows)):
        run.settle(outcome)


def _with_ids(run: _Run, rows: Iterable[CsvAward | RowError]) -> Iterator[CsvAward | RowError]:
    """The CSV's rows, noting each row's own id (rows in error too) for its report line."""
    for row in rows:
        source_id = row.id if isinstance(row, CsvAward) else row.source_id
        if source_id is not None and row.line not in run.done:
            run.source_ids[row.line] = source_id
        yield row


def _run_csv(run: _Run) -> None:
    achievement_id = run.job.achievement_id
    assert achievement_id is not None
    rows = read_award_rows(_text(run.deps, run.job.id))
    _issue(run, achievement_id, award_requests(achievement_id, _with_ids(run, rows)))


def _run_json(run: _Run) -> None:
    """Rows that are errors, or for achievements the organisation cannot award, are reported
    in a first pass; then one pipeline run per achievement named, over its rows."""
    deps, job = run.deps, run.job
    usable: dict[str, str | None] = {}
    for line, item, source_id in _json_rows(deps, job.id):
        run.tick()
        if line in run.done or run.stopping:
            continue
        if isinstance(item, str):
            run.error(line, item, source_id)
            continue
        achievement = item.achievement_id
        if achievement not in usable:
            usable[achievement] = _usable(deps, job.issuer_id, achievement)
        problem = usable[achievement]
        if problem is not None:
            run.error(line, problem, source_id)
    for achievement, problem in usable.items():
        if problem is None and not run.stopping:
            rows = (
                (line, item)
                for line, item, _ in _json_rows(deps, job.id)
                if isinstance(item, AwardRequest) and item.achievement_id == achievement
            )
            _issue(run, achievement, rows)


class JobRunner:
    """Runs award jobs one at a time on a thread of its own (``start``/``stop``), or one job
    per ``run_once`` call (tests, and a CLI that wants to run jobs in the foreground)."""

    def __init__(
        self,
        deps: ServiceDeps,
        *,
        poll_seconds: float = 1.0,
        stale_after: dt.timedelta = dt.timedelta(seconds=60),
        flush_every: int = BATCH_SIZE,
        on_progress: Callable[[AwardJob], None] | None = None,
    ) -> None:
        """``on_progress`` is told the job each time its progress is committed (a view that
        follows it)."""
        self.deps = deps
        self.on_progress = on_progress
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.flush_every = flush_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="credstack-award-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the batch being issued; a job not finished is given back (queued)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the runner must outlive a bad moment of the database
                log.exception("the award job runner met an error")
                ran = None
            if ran is None:
                self._stop.wait(self.poll_seconds)

    def claim(self) -> AwardJob | None:
        """Claim the oldest claimable job (queued, or its runner dead): the job as claimed."""
        now = self.deps.clock.now()
        stale_before = now - self.stale_after
        with self.deps.uow() as uow:
            candidates = uow.award_jobs.claimable(stale_before)
        for candidate in candidates:
            try:
                with self.deps.uow() as uow:
                    won = uow.award_jobs.claim(candidate.id, candidate.claim, now, stale_before)
                    uow.commit()
            except ConflictError:  # another runner's claim came first
                won = False
            if won:
                return dataclasses.replace(candidate, claim=candidate.claim + 1)
        return None

    def run_once(self) -> AwardJob | None:
        """Claim one job and run it to its end (or until stopped); the job as it is then,
        or ``None`` when there was none to claim."""
        job = self.claim()
        if job is None:
            return None
        self.run(job)
        with self.deps.uow() as uow:
            return uow.award_jobs.get(job.id)

    def run(self, job: AwardJob) -> None:
        """Run a job this runner has claimed (``job.claim`` is its claim number)."""
        run = _Run(
            self.deps, job, job.claim, self._stop, self.flush_every, on_progress=self.on_progress
        )
        with self.deps.uow() as uow:
            run.done = uow.award_jobs.reported_rows(job.id)
        status, message = JobStatus.SUCCEEDED, None
        try:
            if job.cancel_requested:
                run.cancel = True
            elif job.input_format is InputFormat.CSV:
                _run_csv(run)
            else:
                _run_json(run)
            run.flush()
        except CredstackError as error:
            status, message = JobStatus.FAILED, str(error)
        except Exception:
            log.exception("award job %s failed", job.id)
            status, message = JobStatus.FAILED, "the job met an error it did not expect"
        if run.lost:
            return  # another runner has it now
        if run.cancel:
            status = JobStatus.CANCELLED
        elif self._stop.is_set() and status is JobStatus.SUCCEEDED:
            status = JobStatus.QUEUED  # given back: a runner resumes it
        if status is JobStatus.FAILED and run.lines:
            with contextlib.suppress(CredstackError):
                run.flush()  # what was settled before the error stands
        with self.deps.uow() as uow:
            uow.award_jobs.finish(job.id, run.claim, status, self.deps.clock.now(), message)
            uow.commit()
