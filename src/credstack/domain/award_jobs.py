"""A bulk award job: a cohort file handed in over the API and issued in the background.

A job is ``queued`` when submitted, ``running`` once a runner has claimed it, and ends
``succeeded`` (every row has an outcome), ``failed`` (the run stopped on an error that is not
a row's: the database went away, say) or ``cancelled``. A runner holds a job by its *claim*
number: every claim adds one, and a runner whose number is no longer the job's has lost it
(another runner took over a job whose heartbeat went stale) and must stop writing to it.

Each input row gets one :class:`ReportLine`; ``done`` counts them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

__all__ = [
    "AwardItem",
    "AwardJob",
    "InputFormat",
    "ItemError",
    "JobStatus",
    "Outcome",
    "ReportLine",
]


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class InputFormat(enum.StrEnum):
    """How the job's input is stored: the cohort CSV as sent, or one JSON award per line."""

    CSV = "csv"
    JSON_LINES = "jsonl"


class Outcome(enum.StrEnum):
    ISSUED = "issued"
    ALREADY_ISSUED = "already issued"
    ERROR = "error"


@dataclasses.dataclass(frozen=True, slots=True)
class AwardJob:
    """One job. ``achievement_id`` is the CSV's achievement (a JSON job names one per row).
    ``submitted_by`` is the API token's id; ``message`` says why a job failed."""

    id: str
    issuer_id: str
    submitted_by: str
    input_format: InputFormat
    achievement_id: str | None
    status: JobStatus
    total: int
    created_at: dt.datetime
    done: int = 0
    issued: int = 0
    already_issued: int = 0
    errors: int = 0
    claim: int = 0
    cancel_requested: bool = False
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    heartbeat_at: dt.datetime | None = None
    message: str | None = None

    @property
    def percent(self) -> float:
        """How much of the input has an outcome, 0 to 100 (an empty job is 100 when done)."""
        if self.total == 0:
            return 100.0 if self.status.finished else 0.0
        return round(100.0 * self.done / self.total, 1)

    def claimable(self, stale_before: dt.datetime) -> bool:
        """Queued, or running under a runner that has not been heard of since ``stale_before``
        (it died: its work is idempotent, so another runner may take the job over)."""
        if self.status is JobStatus.QUEUED:
            return True
        return (
            self.status is JobStatus.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < stale_before
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ReportLine:
    """The outcome of one input row. ``row`` is the CSV line the row starts on, or the
    1-based position in a JSON list; ``source_id`` is the row's own id, when it gave one."""

    row: int
    outcome: Outcome
    source_id: str | None = None
    award_id: str | None = None
    message: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AwardItem:
    """One award of a JSON job, as stored (one JSON object per line of the job's input).

    The web layer checks each item of the request against the issue-one body and makes this
    of it; the use case turns it into an ``AwardRequest`` when the job runs.
    """

    achievement_id: str
    email: str | None = None
    did: str | None = None
    name: str | None = None
    narrative: str | None = None
    evidence_url: str | None = None
    result: str | None = None
    valid_until: dt.datetime | None = None
    source_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        if self.valid_until is not None:
            data["valid_until"] = self.valid_until.isoformat()
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AwardItem:
        values = dict(data)
        until = values.get("valid_until")
        if until is not None:
            values["valid_until"] = dt.datetime.fromisoformat(until)
        return cls(**values)


@dataclasses.dataclass(frozen=True, slots=True)
class ItemError:
    """An item of a JSON job that is not an award: its row's error, with the item's own
    ``id`` when it had one."""

    message: str
    source_id: str | None = None
