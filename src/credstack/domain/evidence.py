"""Evidence a learner submits for a requirement, and an assessor's review of it. No I/O.

A learner enrolled in an offering submits, for one of its evidence requirements, a text, a
link and/or a file (what the requirement's rubric accepts). Each submission is a *version*:
``submitted``, then ``accepted`` or ``returned`` by an assessor who scored it against the
rubric and wrote feedback. After a return the learner submits a new version; the earlier
ones are kept. At most one version is open (submitted) at a time, and once one is accepted
nothing more is submitted. Every step is an ``EvidenceEvent``, appended, never changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import urllib.parse
from collections.abc import Mapping, Sequence

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.rubrics import RubricSpec

__all__ = [
    "MAX_FEEDBACK",
    "MAX_LINK",
    "MAX_TEXT",
    "EvidenceEvent",
    "EvidenceFile",
    "Rubric",
    "Submission",
    "SubmissionState",
    "check_link",
    "check_review",
    "check_text",
    "next_version",
    "summary_of",
]

MAX_TEXT = 20_000
MAX_LINK = 2_000
MAX_FEEDBACK = 10_000


class SubmissionState(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


@dataclasses.dataclass(frozen=True, slots=True)
class Rubric:
    """A stored rubric: the organisation's spec."""

    issuer_id: str
    spec: RubricSpec
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def id(self) -> str:
        return self.spec.id


@dataclasses.dataclass(frozen=True, slots=True)
class EvidenceFile:
    """What is known of a stored file (its bytes are fetched on their own): the cleaned
    name, the media type of the kind found in its content, its size and SHA-256."""

    name: str
    media_type: str
    size: int
    sha256: str


@dataclasses.dataclass(frozen=True, slots=True)
class Submission:
    """PERSONAL DATA: one version of a learner's evidence for one requirement, and its review
    (``reviewer`` .. ``feedback`` set once, when it is accepted or returned)."""

    id: str
    issuer_id: str
    offering_id: str
    requirement_id: str
    rubric_id: str
    user_id: str
    version: int
    state: SubmissionState
    submitted_at: dt.datetime
    text: str | None = None
    link: str | None = None
    file: EvidenceFile | None = None
    reviewed_at: dt.datetime | None = None
    reviewer: str | None = None
    #: criterion id → level id chosen
    levels: Mapping[str, str] | None = None
    points: int | None = None
    max_points: int | None = None
    feedback: str | None = None

    def describe(self) -> str:
        """One line saying what was submitted (for the credential's evidence, the queue)."""
        parts = []
        if self.text:
            words = len(self.text.split())
            parts.append(f"a text of {words} word{'s' if words != 1 else ''}")
        if self.link:
            parts.append(f"a link to {urllib.parse.urlsplit(self.link).hostname}")
        if self.file:
            parts.append(f"the file {self.file.name} ({self.file.size:,} bytes)")
        return "Submitted " + ", ".join(parts) + f" (version {self.version})"


@dataclasses.dataclass(frozen=True, slots=True)
class EvidenceEvent:
    """One decision: ``actor`` is ``user <id>`` of a person or ``token <id>`` of a machine;
    ``action`` is created or replaced (a rubric), submitted, accepted, returned or
    accept_refused (a submission); ``detail`` the scores and feedback of a review."""

    at: dt.datetime
    actor: str
    action: str
    rubric_id: str
    submission_id: str | None = None
    detail: str | None = None


def check_text(text: str | None) -> str | None:
    """The text as kept (``None`` when blank); ``InvalidInputError`` past ``MAX_TEXT``."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_TEXT:
        raise InvalidInputError(f"text: {len(text):,} characters, at most {MAX_TEXT:,}")
    return text.strip()


def check_link(link: str | None) -> str | None:
    """The link as kept (``None`` when blank): an absolute ``http`` or ``https`` URL with a
    host and no user name or password in it, at most ``MAX_LINK`` characters."""
    if link is None or not link.strip():
        return None
    link = link.strip()
    if len(link) > MAX_LINK:
        raise InvalidInputError(f"link: longer than {MAX_LINK:,} characters")
    try:
        parts = urllib.parse.urlsplit(link)
        host = parts.hostname
    except ValueError:
        raise InvalidInputError("link: not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InvalidInputError("link: give a web address starting with https:// or http://")
    if parts.username or parts.password:
        raise InvalidInputError("link: a user name or password cannot be part of the link")
    if any(c.isspace() or ord(c) < 32 for c in link):
        raise InvalidInputError("link: a web address has no spaces")
    return link


def next_version(versions: Sequence[Submission]) -> int:
    """The number of the next version, given the earlier ones (first first).
    ``ConflictError`` while one waits for review or once one was accepted."""
    if versions:
        last = versions[-1]
        if last.state is SubmissionState.SUBMITTED:
            raise ConflictError("your evidence waits for review: you can submit again if returned")
        if last.state is SubmissionState.ACCEPTED:
            raise ConflictError("your evidence was accepted: nothing more can be submitted")
    return len(versions) + 1


def check_review(feedback: str, decision: str) -> str:
    """The feedback as kept; ``InvalidInputError`` for an unknown decision, a return without
    feedback or feedback past ``MAX_FEEDBACK``."""
    if decision not in ("accept", "return"):
        raise InvalidInputError("decision: accept or return")
    feedback = feedback.strip()
    if len(feedback) > MAX_FEEDBACK:
        raise InvalidInputError(f"feedback: at most {MAX_FEEDBACK:,} characters")
    if decision == "return" and not feedback:
        raise InvalidInputError("feedback: say what to change before returning the evidence")
    return feedback


def summary_of(submission: Submission) -> str:
    """The line a learner reads about a version's state."""
    if submission.state is SubmissionState.ACCEPTED:
        return f"accepted: {submission.points} of {submission.max_points} points"
    if submission.state is SubmissionState.RETURNED:
        return "returned with feedback: resubmit"
    return f"submitted on {submission.submitted_at.date().isoformat()}, waiting for review"
