"""Taking a quiz: the paper an attempt draws, its clock, and its grading. No I/O.

An attempt's paper is drawn from a seed (``draw_paper``): which questions of each pool, in
which order, and the order of each question's options. The seed and the paper are stored,
so a reload shows the same paper. The learner's answers refer to positions on the paper
(question 3, option 2), never to the author's ids, so that nothing sent to the browser tells
which option is right. ``grade`` is deterministic: the same paper and answers give the same
outcome, whatever order the paper was shuffled into.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from credstack.domain.quizzes import Question, QuizSpec

__all__ = [
    "GRACE",
    "Attempt",
    "AttemptState",
    "PaperQuestion",
    "QuestionOutcome",
    "Quiz",
    "QuizEvent",
    "QuizOutcome",
    "deadline_of",
    "draw_paper",
    "grade",
    "is_late",
    "parse_number",
]

#: how long after the deadline a submission is still taken (the network, a slow click)
GRACE = dt.timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Quiz:
    """A stored quiz: the author's spec and its organisation."""

    issuer_id: str
    spec: QuizSpec
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class PaperQuestion:
    """One question on an attempt's paper: its id and its options' ids in the shown order."""

    question_id: str
    option_ids: tuple[str, ...] = ()


def draw_paper(spec: QuizSpec, seed: int) -> tuple[PaperQuestion, ...]:
    """The paper of an attempt with this seed: ``pool.size`` questions from each pool, in pool
    order (or all shuffled together when ``shuffle_questions``), options shuffled when
    ``shuffle_options``. The same spec and seed always give the same paper."""
    # a reproducible draw from a stored seed, not a secret: the seed itself is random
    chooser = random.Random(seed)  # noqa: S311
    drawn: list[Question] = []
    for pool in spec.all_pools:
        if pool.size == len(pool.questions):
            chosen = list(pool.questions)
        else:
            # keep the author's order within a pool, unless questions are shuffled anyway
            picked = set(chooser.sample(range(len(pool.questions)), pool.size))
            chosen = [q for i, q in enumerate(pool.questions) if i in picked]
        drawn.extend(chosen)
    if spec.shuffle_questions:
        chooser.shuffle(drawn)
    paper = []
    for question in drawn:
        options = [option.id for option in question.options]
        if spec.shuffle_options:
            chooser.shuffle(options)
        paper.append(PaperQuestion(question.id, tuple(options)))
    return tuple(paper)


def deadline_of(spec: QuizSpec, started_at: dt.datetime) -> dt.datetime | None:
    if spec.time_limit_minutes is None:
        return None
    return started_at + dt.timedelta(minutes=spec.time_limit_minutes)


def is_late(deadline: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a submission at ``now`` comes too late (past the deadline and the grace)."""
    return deadline is not None and now > deadline + GRACE


def parse_number(text: str) -> float | None:
    """A learner's number: ``3.5``, ``3,5`` (a decimal comma), ``1e3``; ``None`` if it is none."""
    cleaned = text.strip().replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not cleaned or len(cleaned) > 50:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    question_id: str
    correct: bool
    points: int
    earned: int


@dataclass(frozen=True, slots=True)
class QuizOutcome:
    """What a finished attempt came to; what a requirement ("passed quiz X") reads."""

    passed: bool
    score: int
    max_score: int
    questions: tuple[QuestionOutcome, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def _is_right(question: Question, paper: PaperQuestion, given: Sequence[str]) -> bool:
    if question.kind in ("single", "multiple"):
        chosen: set[str] = set()
        for value in given:
            position = value.removeprefix("o")
            if not position.isdigit() or int(position) >= len(paper.option_ids):
                return False  # not an option of this paper: never right
            chosen.add(paper.option_ids[int(position)])
        if question.kind == "single" and len(chosen) != 1:
            return False
        return chosen == set(question.right_options)
    text = given[0] if len(given) == 1 else ""
    if question.kind == "numeric":
        number = parse_number(text)
        return number is not None and question.accepts_number(number)
    return question.accepts_text(text)


def grade(
    spec: QuizSpec, paper: Sequence[PaperQuestion], answers: Mapping[int, Sequence[str]]
) -> QuizOutcome:
    """The outcome of ``answers`` (paper position → the values sent: option positions ``oN``
    for choices, one text for numeric and text questions) on ``paper``. A question left out,
    answered twice or with an option the paper does not have earns nothing."""
    outcomes = []
    for position, entry in enumerate(paper):
        question = spec.question(entry.question_id)
        right = _is_right(question, entry, answers.get(position, ()))
        outcomes.append(
            QuestionOutcome(question.id, right, question.points, question.points if right else 0)
        )
    score = sum(o.earned for o in outcomes)
    maximum = sum(o.points for o in outcomes)
    # in whole points times 100, so that float error never fails a learner who met the mark
    passed = score * 100 >= spec.pass_mark * maximum - 1e-9
    return QuizOutcome(passed, score, maximum, tuple(outcomes))


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    #: submitted in time and graded
    GRADED = "graded"
    #: the deadline passed before a submission: nothing counted, score 0, not passed
    TIMED_OUT = "timed_out"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of one user at one quiz (PERSONAL DATA: the user and their answers)."""

    id: str
    quiz_id: str
    user_id: str
    #: 1 for the user's first attempt at the quiz, and so on (unique per quiz and user)
    number: int
    seed: int
    paper: tuple[PaperQuestion, ...]
    started_at: dt.datetime
    deadline: dt.datetime | None
    state: AttemptState = AttemptState.IN_PROGRESS
    finished_at: dt.datetime | None = None
    answers: Mapping[int, tuple[str, ...]] | None = None
    outcome: QuizOutcome | None = None

    def expired(self, now: dt.datetime) -> bool:
        """Still open, but too late to submit."""
        return self.state is AttemptState.IN_PROGRESS and is_late(self.deadline, now)

    def seconds_left(self, now: dt.datetime) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class QuizEvent:
    """One line of a quiz's append-only audit log: a definition saved, an attempt started,
    submitted, graded, timed out, or a start refused (``detail`` says the figures or why)."""

    at: dt.datetime
    actor: str
    action: str
    quiz_id: str
    attempt_id: str | None = None
    detail: str | None = None
