"""Quizzes, their attempts and their audit log (``domain.quizzes``, ``domain.quiz_attempts``)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.domain.errors import ConflictError
from credstack.domain.quiz_attempts import (
    Attempt,
    AttemptState,
    PaperQuestion,
    QuestionOutcome,
    Quiz,
    QuizEvent,
    QuizOutcome,
)
from credstack.domain.quizzes import QuizSpec
from credstack.storage.rows import QuizAttemptRow, QuizEventRow, QuizRow

__all__ = ["SqlQuizRepository", "attempt_columns"]


def _quiz(row: QuizRow) -> Quiz:
    return Quiz(row.issuer_id, QuizSpec.model_validate(row.spec), row.created_at, row.updated_at)


def attempt_columns(attempt: Attempt) -> dict[str, Any]:
    """The row's columns for an attempt (the fake stores the same shapes)."""
    outcome = attempt.outcome
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "user_id": attempt.user_id,
        "number": attempt.number,
        "seed": attempt.seed,
        "paper": [[q.question_id, list(q.option_ids)] for q in attempt.paper],
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "state": attempt.state.value,
        "finished_at": attempt.finished_at,
        "answers": (
            None
            if attempt.answers is None
            else {str(k): list(v) for k, v in sorted(attempt.answers.items())}
        ),
        "score": outcome.score if outcome else None,
        "max_score": outcome.max_score if outcome else None,
        "passed": outcome.passed if outcome else None,
        "results": (
            None
            if outcome is None
            else [[q.question_id, q.correct, q.points, q.earned] for q in outcome.questions]
        ),
    }


def _attempt(row: QuizAttemptRow) -> Attempt:
    outcome = None
    if row.results is not None and row.score is not None and row.max_score is not None:
        outcome = QuizOutcome(
            bool(row.passed),
            row.score,
            row.max_score,
            tuple(QuestionOutcome(q, bool(c), int(p), int(e)) for q, c, p, e in row.results),
        )
    return Attempt(
        id=row.id,
        quiz_id=row.quiz_id,
        user_id=row.user_id,
        number=row.number,
        seed=row.seed,
        paper=tuple(PaperQuestion(q, tuple(options)) for q, options in row.paper),
        started_at=row.started_at,
        deadline=row.deadline,
        state=AttemptState(row.state),
        finished_at=row.finished_at,
        answers=(
            None if row.answers is None else {int(k): tuple(v) for k, v in row.answers.items()}
        ),
        outcome=outcome,
    )


class SqlQuizRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, quiz: Quiz) -> None:
        self._session.add(
            QuizRow(
                id=quiz.id,
                issuer_id=quiz.issuer_id,
                spec=quiz.spec.model_dump(mode="json", exclude_none=True),
                created_at=quiz.created_at,
                updated_at=quiz.updated_at,
            )
        )

    def find(self, quiz_id: str) -> Quiz | None:
        row = self._session.get(QuizRow, quiz_id)
        return None if row is None else _quiz(row)

    def replace(self, quiz: Quiz) -> None:
        row = self._session.get(QuizRow, quiz.id)
        if row is None:
            self.add(quiz)
            return
        row.spec = quiz.spec.model_dump(mode="json", exclude_none=True)
        row.updated_at = quiz.updated_at

    def for_issuer(self, issuer_id: str) -> list[Quiz]:
        rows = self._session.scalars(
            select(QuizRow).where(QuizRow.issuer_id == issuer_id).order_by(QuizRow.id)
        )
        return [_quiz(row) for row in rows]

    def add_attempt(self, attempt: Attempt) -> None:
        self._session.add(QuizAttemptRow(**attempt_columns(attempt)))
        # the unique (quiz, user, number) fails here, inside the use case, not at commit
        try:
            self._session.flush()
        except IntegrityError:
            self._session.rollback()
            raise ConflictError("another attempt was started at the same time") from None

    def attempt(self, attempt_id: str) -> Attempt | None:
        row = self._session.get(QuizAttemptRow, attempt_id)
        return None if row is None else _attempt(row)

    def attempts_of(self, quiz_id: str, user_id: str) -> list[Attempt]:
        rows = self._session.scalars(
            select(QuizAttemptRow)
            .where(QuizAttemptRow.quiz_id == quiz_id, QuizAttemptRow.user_id == user_id)
            .order_by(QuizAttemptRow.number)
        )
        return [_attempt(row) for row in rows]

    def count_attempts(self, quiz_id: str) -> int:
        query = select(func.count()).where(QuizAttemptRow.quiz_id == quiz_id)
        return int(self._session.scalar(query) or 0)

    def finish(self, attempt: Attempt) -> bool:
        columns = attempt_columns(attempt)
        changed = {
            name: columns[name]
            for name in ("state", "finished_at", "answers", "score", "max_score", "passed")
        }
        changed["results"] = columns["results"]
        result = cast(
            CursorResult[Any],
            self._session.execute(
                update(QuizAttemptRow)
                .where(
                    QuizAttemptRow.id == attempt.id,
                    QuizAttemptRow.state == AttemptState.IN_PROGRESS.value,
                )
                .values(**changed)
                .execution_options(synchronize_session=False)
            ),
        )
        self._session.expire_all()
        return result.rowcount == 1

    def record(self, event: QuizEvent) -> None:
        self._session.flush()  # the quiz or attempt it names may be pending in this session
        self._session.add(
            QuizEventRow(
                at=event.at,
                actor=event.actor,
                action=event.action,
                quiz_id=event.quiz_id,
                attempt_id=event.attempt_id,
                detail=event.detail,
            )
        )

    def events(self, quiz_id: str) -> list[QuizEvent]:
        rows = self._session.scalars(
            select(QuizEventRow)
            .where(QuizEventRow.quiz_id == quiz_id)
            .order_by(QuizEventRow.at, QuizEventRow.id)
        )
        return [
            QuizEvent(row.at, row.actor, row.action, row.quiz_id, row.attempt_id, row.detail)
            for row in rows
        ]
