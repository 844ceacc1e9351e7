"""Bulk award jobs: submit a cohort (CSV or JSON awards), follow it, read its report, cancel.

A job is issued later, outside the request, by a runner (``services.award_job_runner``),
through the same cohort pipeline as ``credstack award --csv`` (``bulk_awards.issue_awards``).
Submitting checks the whole input first (a bad CSV header or structure is refused and nothing
is stored; row problems are left for the report, as the CLI reports them) and then stores the
job and its input in one transaction, the input in chunks so that it is never held whole.
"""

from __future__ import annotations

import codecs
import io
import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from typing import IO

from credstack.domain.award_jobs import (
    AwardItem,
    AwardJob,
    InputFormat,
    ItemError,
    JobStatus,
    ReportLine,
)
from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.services.award_csv import CsvFormatError, read_award_rows
from credstack.services.deps import ServiceDeps

__all__ = [
    "CHUNK_BYTES",
    "cancel_job",
    "input_stream",
    "list_jobs",
    "report_lines",
    "show_job",
    "submit_csv_job",
    "submit_json_job",
]

#: the size of the pieces a job's input is stored in
CHUNK_BYTES = 1 << 20
#: at most this much of a spooled input is kept in memory; the rest goes to a temporary file
_SPOOL_BYTES = 1 << 20


def _usable_achievement(deps: ServiceDeps, issuer_id: str, achievement_id: str) -> None:
    """The organisation's own definition with a published version; another organisation's is
    "not found", as an unknown one (its existence is not told)."""
    with deps.uow() as uow:
        try:
            version = uow.achievements.latest(achievement_id)
        except NotFoundError:
            version = None
        if version is None or version.issuer_id != issuer_id:
            raise NotFoundError(f"no achievement '{achievement_id}'")
        if uow.achievements.latest_published(achievement_id) is None:
            raise InvalidInputError(
                f"achievement '{achievement_id}' has no published version; publish it first"
            )


def _csv_rows(spool: IO[bytes]) -> int:
    """How many rows the CSV has (each gets one report line); ``InvalidInputError`` when the
    file as a whole cannot be read (header, quoting, encoding)."""
    spool.seek(0)
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        lines = 0
        last = None
        for row in read_award_rows(text):
            if row.line != last:  # a row with several problems yields several errors
                lines += 1
                last = row.line
        return lines
    except CsvFormatError as error:
        raise InvalidInputError(f"body: {error}") from None
    finally:
        text.detach()  # the spool stays open


def _store(deps: ServiceDeps, job: AwardJob, spool: IO[bytes]) -> AwardJob:
    """The job and its input, in one transaction."""
    spool.seek(0)
    with deps.uow() as uow:
        uow.award_jobs.add(job)
        seq = 0
        while chunk := spool.read(CHUNK_BYTES):
            uow.award_jobs.add_input(job.id, seq, chunk)
            seq += 1
        uow.commit()
    return job


def _new_job(
    deps: ServiceDeps,
    issuer_id: str,
    submitted_by: str,
    fmt: InputFormat,
    achievement_id: str | None,
    total: int,
) -> AwardJob:
    return AwardJob(
        id=str(uuid.uuid4()),
        issuer_id=issuer_id,
        submitted_by=submitted_by,
        input_format=fmt,
        achievement_id=achievement_id,
        status=JobStatus.QUEUED,
        total=total,
        created_at=deps.clock.now(),
    )


def submit_csv_job(
    deps: ServiceDeps, issuer_id: str, submitted_by: str, achievement_id: str, spool: IO[bytes]
) -> AwardJob:
    """Queue a cohort CSV (the format of ``credstack award --csv``) read from ``spool`` (a
    seekable file). Raises ``NotFoundError`` for an achievement not the organisation's,
    ``InvalidInputError`` for an unpublished one or a file that cannot be read."""
    _usable_achievement(deps, issuer_id, achievement_id)
    total = _csv_rows(spool)
    job = _new_job(deps, issuer_id, submitted_by, InputFormat.CSV, achievement_id, total)
    return _store(deps, job, spool)


def submit_json_job(
    deps: ServiceDeps, issuer_id: str, submitted_by: str, items: Iterable[AwardItem | ItemError]
) -> AwardJob:
    """Queue JSON awards: each an ``AwardItem``, or an ``ItemError`` for an item that was not
    one (it becomes that row's error). Rows for achievements the organisation cannot award
    are errors in the report, as in a CSV."""
    total = 0
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        for item in items:
            if isinstance(item, AwardItem):
                line = item.to_json()
            else:
                line = {"error": item.message, "id": item.source_id}
            try:
                text = json.dumps(line, ensure_ascii=False).encode()
            except UnicodeEncodeError:  # a lone surrogate (JSON's "\\ud800") is no text
                text = json.dumps({"error": "the award holds text that is not Unicode"}).encode()
            spool.write(text + b"\n")
            total += 1
        job = _new_job(deps, issuer_id, submitted_by, InputFormat.JSON_LINES, None, total)
        return _store(deps, job, spool)


def input_stream(deps: ServiceDeps, job_id: str) -> Iterator[str]:
    """The job's stored input as text, piece by piece (each piece read in its own unit of
    work); a character split between two chunks is joined again."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    seq = 0
    while True:
        with deps.uow() as uow:
            chunk = uow.award_jobs.input_chunk(job_id, seq)
        if chunk is None:
            break
        yield decoder.decode(chunk)
        seq += 1
    yield decoder.decode(b"", final=True)


def show_job(deps: ServiceDeps, issuer_id: str | None, job_id: str) -> AwardJob:
    """The organisation's job; another organisation's is ``NotFoundError`` as an unknown.
    ``issuer_id`` ``None``: any organisation's (the CLI, which has the whole database)."""
    with deps.uow() as uow:
        try:
            job = uow.award_jobs.get(job_id)
        except NotFoundError:
            job = None
    if job is None or issuer_id not in (None, job.issuer_id):
        raise NotFoundError(f"no award job '{job_id}'")
    return job


def list_jobs(
    deps: ServiceDeps, issuer_id: str, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[AwardJob]]:
    """How many jobs the organisation has, and one page of them, newest first."""
    with deps.uow() as uow:
        return uow.award_jobs.count(issuer_id), uow.award_jobs.for_issuer(
            issuer_id, offset=offset, limit=limit
        )


def report_lines(deps: ServiceDeps, issuer_id: str | None, job_id: str) -> Iterator[ReportLine]:
    """The job's report so far, by row, read a page at a time (a report of a million rows is
    never held whole)."""
    show_job(deps, issuer_id, job_id)
    after = 0
    while True:
        with deps.uow() as uow:
            page = uow.award_jobs.report(job_id, after_row=after)
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].row


def cancel_job(deps: ServiceDeps, issuer_id: str, job_id: str) -> AwardJob:
    """Cancel a queued job, or ask a running one to stop after the batch it is on (what it
    issued stays issued and is in the report). ``ConflictError`` for a finished job."""
    job = show_job(deps, issuer_id, job_id)
    if job.status.finished:
        raise ConflictError(f"award job '{job_id}' has finished ({job.status.value})")
    with deps.uow() as uow:
        job = uow.award_jobs.request_cancel(job_id, deps.clock.now())
        uow.commit()
    return job
