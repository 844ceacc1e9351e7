"""Use cases of auto-graded quizzes: author them, take them, grade them, read the outcome.

The rules (drawing a paper, the deadline, grading) are ``domain.quiz_attempts``'; here they
are applied in one unit of work each, and every decision goes into the quiz's audit log
(``quiz_events``): a definition saved, an attempt started, submitted, graded or timed out, a
start refused. A learner only ever reaches their own attempts: anyone else's is "not found".

An attempt whose deadline (plus ``GRACE``) has passed is closed as timed out, with nothing
counted (score 0, not passed), when it is next touched: opened, submitted, or a new start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid
from collections.abc import Mapping, Sequence

from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.quiz_attempts import (
    Attempt,
    AttemptState,
    QuestionOutcome,
    Quiz,
    QuizEvent,
    QuizOutcome,
    deadline_of,
    draw_paper,
    grade,
    is_late,
)
from credstack.domain.quizzes import QuizSpec
from credstack.domain.requirements import LeafKind
from credstack.services.deps import ServiceDeps
from credstack.services.earning import mark_progress, settle
from credstack.services.ports import UnitOfWork

__all__ = [
    "attempts_left",
    "best_outcome",
    "create_quiz",
    "list_quizzes",
    "my_attempts",
    "quiz_events",
    "replace_quiz",
    "show_attempt",
    "show_quiz",
    "start_attempt",
    "submit_attempt",
]

_MAX_VALUES = 26
_MAX_TEXT = 500


def _own(uow: UnitOfWork, issuer_id: str, quiz_id: str) -> Quiz:
    quiz = uow.quizzes.find(quiz_id)
    if quiz is None or quiz.issuer_id != issuer_id:
        raise NotFoundError(f"no quiz '{quiz_id}'")
    return quiz


def create_quiz(deps: ServiceDeps, issuer_id: str, spec: QuizSpec, *, actor: str) -> Quiz:
    """A new quiz of the organisation. ``ConflictError`` when the id is taken (by any
    organisation: quiz ids are the installation's), ``NotFoundError`` for no organisation."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        if uow.quizzes.find(spec.id) is not None:
            raise ConflictError(f"the quiz id '{spec.id}' is taken: choose another")
        quiz = Quiz(issuer_id, spec, now, now)
        uow.quizzes.add(quiz)
        uow.quizzes.record(QuizEvent(now, actor, "created", quiz.id))
        uow.commit()
    return quiz


def replace_quiz(
    deps: ServiceDeps, issuer_id: str, quiz_id: str, spec: QuizSpec, *, actor: str
) -> Quiz:
    """Replace the definition while nobody has attempted the quiz. After the first attempt it
    is fixed (``ConflictError``): outcomes must stay comparable and a stored paper must keep
    meaning what it meant; a changed quiz is a new quiz, under a new id (decision 0026)."""
    if spec.id != quiz_id:
        raise InvalidInputError(f"id: the definition is of '{spec.id}', not '{quiz_id}'")
    now = deps.clock.now()
    with deps.uow() as uow:
        quiz = _own(uow, issuer_id, quiz_id)
        if uow.quizzes.count_attempts(quiz_id):
            raise ConflictError(
                f"quiz '{quiz_id}' has been attempted, so it no longer changes: "
                "create the new version as a quiz with another id"
            )
        replaced = Quiz(issuer_id, spec, quiz.created_at, now)
        uow.quizzes.replace(replaced)
        uow.quizzes.record(QuizEvent(now, actor, "replaced", quiz_id))
        uow.commit()
    return replaced


def list_quizzes(deps: ServiceDeps, issuer_id: str) -> list[Quiz]:
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        return uow.quizzes.for_issuer(issuer_id)


def show_quiz(deps: ServiceDeps, issuer_id: str, quiz_id: str) -> Quiz:
    """The organisation's quiz; ``NotFoundError`` for another organisation's."""
    with deps.uow() as uow:
        return _own(uow, issuer_id, quiz_id)


def quiz_events(deps: ServiceDeps, issuer_id: str, quiz_id: str) -> list[QuizEvent]:
    with deps.uow() as uow:
        _own(uow, issuer_id, quiz_id)
        return uow.quizzes.events(quiz_id)


def my_attempts(
    deps: ServiceDeps, issuer_id: str, quiz_id: str, user_id: str
) -> tuple[Quiz, list[Attempt]]:
    """The organisation's quiz and the user's attempts at it, first first."""
    with deps.uow() as uow:
        quiz = _own(uow, issuer_id, quiz_id)
        return quiz, uow.quizzes.attempts_of(quiz_id, user_id)


def attempts_left(quiz: Quiz, attempts: Sequence[Attempt]) -> int | None:
    """How many more attempts the limit allows (``None``: no limit)."""
    limit = quiz.spec.attempt_limit
    return None if limit is None else max(0, limit - len(attempts))


def _nothing_counted(quiz: Quiz, attempt: Attempt) -> QuizOutcome:
    questions = tuple(
        QuestionOutcome(entry.question_id, False, quiz.spec.question(entry.question_id).points, 0)
        for entry in attempt.paper
    )
    return QuizOutcome(False, 0, sum(q.points for q in questions), questions)


def _time_out(uow: UnitOfWork, quiz: Quiz, attempt: Attempt, now: dt.datetime, why: str) -> Attempt:
    """Close an attempt whose time ran out: it ended at its deadline; the decision, taken
    ``now``, goes into the log. ``ConflictError`` if another request closed it first."""
    now_closed = dataclasses.replace(
        attempt,
        state=AttemptState.TIMED_OUT,
        finished_at=attempt.deadline,
        outcome=_nothing_counted(quiz, attempt),
    )
    if not uow.quizzes.finish(now_closed):
        raise ConflictError("this attempt was finished already")
    event = QuizEvent(now, f"user {attempt.user_id}", "timed_out", quiz.id, attempt.id, why)
    uow.quizzes.record(event)
    return now_closed


def start_attempt(deps: ServiceDeps, issuer_id: str, quiz_id: str, user_id: str) -> Attempt:
    """The user's open attempt at the quiz, or a new one: a paper drawn from a fresh seed,
    the deadline set. ``ConflictError`` when the attempt limit is used up (recorded) or
    another start came at the same moment."""
    now = deps.clock.now()
    actor = f"user {user_id}"
    with deps.uow() as uow:
        quiz = _own(uow, issuer_id, quiz_id)
        uow.accounts.user(user_id)
        attempts = uow.quizzes.attempts_of(quiz_id, user_id)
        for attempt in attempts:
            if attempt.expired(now):
                _time_out(uow, quiz, attempt, now, "the time ran out before a submission")
            elif attempt.state is AttemptState.IN_PROGRESS:
                uow.commit()  # timed-out ones closed on the way
                return attempt
        if attempts_left(quiz, attempts) == 0:
            detail = f"all {quiz.spec.attempt_limit} attempts used"
            uow.quizzes.record(QuizEvent(now, actor, "start_refused", quiz_id, None, detail))
            uow.commit()
            raise ConflictError(
                f"you have used all {quiz.spec.attempt_limit} attempts at this quiz"
            )
        seed = secrets.randbits(31)
        attempt = Attempt(
            id=str(uuid.uuid4()),
            quiz_id=quiz_id,
            user_id=user_id,
            number=len(attempts) + 1,
            seed=seed,
            paper=draw_paper(quiz.spec, seed),
            started_at=now,
            deadline=deadline_of(quiz.spec, now),
        )
        uow.quizzes.add_attempt(attempt)
        detail = f"attempt {attempt.number}, {len(attempt.paper)} questions"
        if attempt.deadline is not None:
            detail += f", due {attempt.deadline.isoformat()}"
        uow.quizzes.record(QuizEvent(now, actor, "started", quiz_id, attempt.id, detail))
        uow.commit()
    return attempt


def _own_attempt(uow: UnitOfWork, quiz: Quiz, attempt_id: str, user_id: str) -> Attempt:
    attempt = uow.quizzes.attempt(attempt_id)
    # someone else's attempt is told apart from none at all by nothing
    if attempt is None or attempt.quiz_id != quiz.id or attempt.user_id != user_id:
        raise NotFoundError(f"no attempt '{attempt_id}'")
    return attempt


def show_attempt(
    deps: ServiceDeps, issuer_id: str, quiz_id: str, attempt_id: str, user_id: str
) -> tuple[Quiz, Attempt]:
    """The user's own attempt (closed first if its time ran out); ``NotFoundError`` for
    anyone else's."""
    now = deps.clock.now()
    with deps.uow() as uow:
        quiz = _own(uow, issuer_id, quiz_id)
        attempt = _own_attempt(uow, quiz, attempt_id, user_id)
        if attempt.expired(now):
            attempt = _time_out(uow, quiz, attempt, now, "the time ran out before a submission")
            uow.commit()
    return quiz, attempt


def _clean(attempt: Attempt, answers: Mapping[int, Sequence[str]]) -> dict[int, tuple[str, ...]]:
    kept = {}
    for position, values in answers.items():
        if 0 <= position < len(attempt.paper):
            kept[position] = tuple(v[:_MAX_TEXT] for v in list(values)[:_MAX_VALUES])
    return kept


def submit_attempt(
    deps: ServiceDeps,
    issuer_id: str,
    quiz_id: str,
    attempt_id: str,
    user_id: str,
    answers: Mapping[int, Sequence[str]],
) -> Attempt:
    """Grade the user's answers (paper position → values) once. Past the deadline and its
    grace the answers are refused and the attempt closed as timed out (nothing counted);
    a second submission is a ``ConflictError``; anyone else's attempt ``NotFoundError``."""
    now = deps.clock.now()
    actor = f"user {user_id}"
    with deps.uow() as uow:
        quiz = _own(uow, issuer_id, quiz_id)
        attempt = _own_attempt(uow, quiz, attempt_id, user_id)
        if attempt.state is not AttemptState.IN_PROGRESS:
            raise ConflictError("this attempt was submitted already")
        given = _clean(attempt, answers)
        if is_late(attempt.deadline, now):
            late = f"submitted at {now.isoformat()}, after the deadline: answers not counted"
            uow.quizzes.record(QuizEvent(now, actor, "submitted", quiz_id, attempt_id, late))
            finished = _time_out(uow, quiz, attempt, now, late)
            uow.commit()
            return finished
        outcome = grade(quiz.spec, attempt.paper, given)
        finished = dataclasses.replace(
            attempt,
            state=AttemptState.GRADED,
            finished_at=now,
            answers=given,
            outcome=outcome,
        )
        if not uow.quizzes.finish(finished):
            raise ConflictError("this attempt was submitted already")
        detail = f"{len(given)} of {len(attempt.paper)} questions answered"
        uow.quizzes.record(QuizEvent(now, actor, "submitted", quiz_id, attempt_id, detail))
        verdict = "passed" if outcome.passed else "not passed"
        result = f"{outcome.score}/{outcome.max_score} ({outcome.percent:.1f}%), {verdict}"
        uow.quizzes.record(QuizEvent(now, "grader", "graded", quiz_id, attempt_id, result))
        # in the same transaction: the enrolments this quiz counts toward are to be looked at
        due = mark_progress(uow, user_id, now, kind=LeafKind.QUIZ, ref=quiz_id)
        uow.commit()
    settle(deps, due)
    return finished


def best_outcome(deps: ServiceDeps, quiz_id: str, user_id: str) -> QuizOutcome | None:
    """The user's best finished attempt at the quiz (a pass first, then the highest share of
    the points, then the earliest); ``None`` when none is finished. What a requirement
    "passed quiz X" reads."""
    with deps.uow() as uow:
        attempts = uow.quizzes.attempts_of(quiz_id, user_id)
    finished = [a.outcome for a in attempts if a.outcome is not None]
    if not finished:
        return None
    return max(finished, key=lambda o: (o.passed, o.score / o.max_score if o.max_score else 0))
