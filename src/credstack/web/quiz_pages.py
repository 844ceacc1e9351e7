"""The quiz player: a signed-in person starts an attempt, answers the paper, sees the result.

Server-rendered forms, no JavaScript: the time left is text and the server keeps the
deadline. The paper page never holds a right answer: options are sent as their positions on
this attempt's paper (``o0``, ``o1``, ...), so neither their values nor their order say which
is right. Every form carries the session's CSRF token. Someone else's attempt is 404.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from credstack.domain.errors import InvalidInputError
from credstack.domain.quiz_attempts import Attempt, AttemptState, Quiz
from credstack.domain.quizzes import Question
from credstack.services.deps import ServiceDeps
from credstack.services.quizzes import (
    attempts_left,
    my_attempts,
    show_attempt,
    start_attempt,
    submit_attempt,
)
from credstack.web.auth import deps_of
from credstack.web.public import TEMPLATES
from credstack.web.sessions import SessionCookies, SignedIn

__all__ = ["router"]

router = APIRouter(prefix="/quizzes/{issuer_id}/{quiz_id}", tags=["Quizzes"])
_FIELD = re.compile(r"^q(\d{1,3})$")
_MAX_FIELDS = 600


def _cookies(request: Request) -> SessionCookies:
    cookies: SessionCookies = request.app.state.sessions
    return cookies


def _to_login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or hours else []
    return " ".join([*parts, f"{rest} s"])


@router.get("", response_class=HTMLResponse, summary="A quiz: its rules and your attempts")
def quiz_page(request: Request, issuer_id: str, quiz_id: str) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return _to_login(request)
    quiz, attempts = my_attempts(deps_of(request), issuer_id, quiz_id, session.user_id)
    mine = [
        {
            "number": a.number,
            "url": f"{request.url.path}/attempts/{a.id}",
            "state": a.state.value,
            "score": f"{a.outcome.score}/{a.outcome.max_score}" if a.outcome else None,
            "passed": a.outcome.passed if a.outcome else None,
        }
        for a in attempts
    ]
    html = TEMPLATES.get_template("quiz.html").render(
        quiz=quiz.spec, issuer_id=issuer_id, csrf=session.csrf, attempts=mine,
        left=attempts_left(quiz, attempts), questions=quiz.spec.paper_size,
    )  # fmt: skip
    return HTMLResponse(html)


@router.post("/attempts", summary="Start an attempt (or go back to the open one)")
def start(
    request: Request, issuer_id: str, quiz_id: str, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    cookies.check_csrf(session, csrf)
    attempt = start_attempt(deps_of(request), issuer_id, quiz_id, session.user_id)
    return RedirectResponse(
        f"/quizzes/{issuer_id}/{quiz_id}/attempts/{attempt.id}", status_code=303
    )


def _paper_view(quiz: Quiz, attempt: Attempt) -> list[dict[str, Any]]:
    """What the browser gets of the paper: prompts, option texts in the shown order, and
    field names by position. No ids of the author's, no answers."""
    view = []
    for position, entry in enumerate(attempt.paper):
        question = quiz.spec.question(entry.question_id)
        texts = {option.id: option.text for option in question.options}
        view.append(
            {
                "name": f"q{position}",
                "number": position + 1,
                "kind": question.kind,
                "prompt": question.prompt,
                "points": question.points,
                "options": [
                    {"value": f"o{j}", "text": texts[option_id]}
                    for j, option_id in enumerate(entry.option_ids)
                ],
            }
        )
    return view


def _right_answer(question: Question) -> str:
    if question.kind in ("single", "multiple"):
        texts = {option.id: option.text for option in question.options}
        return "; ".join(texts[o.id] for o in question.options if o.id in question.right_options)
    if question.kind == "numeric":
        if question.value is not None:
            slack = f" (± {question.tolerance:g})" if question.tolerance else ""
            return f"{question.value:g}{slack}"
        return f"from {question.minimum:g} to {question.maximum:g}"
    return " or ".join(question.accepted or [])


def _given(question: Question, option_ids: tuple[str, ...], values: tuple[str, ...]) -> str:
    if question.kind not in ("single", "multiple"):
        return values[0] if values else ""
    texts = {option.id: option.text for option in question.options}
    shown = []
    for value in values:
        position = value.removeprefix("o")
        if position.isdigit() and int(position) < len(option_ids):
            shown.append(texts[option_ids[int(position)]])
    return "; ".join(shown)


def _result_view(quiz: Quiz, attempt: Attempt) -> list[dict[str, Any]]:
    assert attempt.outcome is not None
    answers = attempt.answers or {}
    view = []
    for position, (entry, outcome) in enumerate(
        zip(attempt.paper, attempt.outcome.questions, strict=True)
    ):
        question = quiz.spec.question(entry.question_id)
        row: dict[str, Any] = {
            "number": position + 1,
            "prompt": question.prompt,
            "correct": outcome.correct,
            "earned": outcome.earned,
            "points": outcome.points,
        }
        if quiz.spec.reveal_answers:
            row["given"] = _given(question, entry.option_ids, answers.get(position, ()))
            row["right"] = _right_answer(question)
            row["explanation"] = question.explanation
        view.append(row)
    return view


@router.get(
    "/attempts/{attempt_id}", response_class=HTMLResponse, summary="An attempt: paper or result"
)
def attempt_page(request: Request, issuer_id: str, quiz_id: str, attempt_id: str) -> Response:
    session = _cookies(request).read(request)
    if session is None:
        return _to_login(request)
    deps = deps_of(request)
    quiz, attempt = show_attempt(deps, issuer_id, quiz_id, attempt_id, session.user_id)
    if attempt.state is AttemptState.IN_PROGRESS:
        return _player(request, deps, quiz, attempt, session)
    outcome = attempt.outcome
    assert outcome is not None
    html = TEMPLATES.get_template("quiz_result.html").render(
        quiz=quiz.spec, issuer_id=issuer_id, outcome=outcome, percent=f"{outcome.percent:.1f}",
        timed_out=attempt.state is AttemptState.TIMED_OUT, rows=_result_view(quiz, attempt),
        number=attempt.number,
    )  # fmt: skip
    return HTMLResponse(html)


def _player(
    request: Request, deps: ServiceDeps, quiz: Quiz, attempt: Attempt, session: SignedIn
) -> Response:
    now = deps.clock.now()
    left = attempt.seconds_left(now)
    until = attempt.deadline.astimezone(dt.UTC).strftime("%H:%M:%S UTC") if attempt.deadline else ""
    html = TEMPLATES.get_template("quiz_player.html").render(
        quiz=quiz.spec, number=attempt.number, csrf=session.csrf,
        questions=_paper_view(quiz, attempt), action=f"{request.url.path}/submit",
        time_left=None if left is None else _duration(left), until=until,
    )  # fmt: skip
    # the paper is the learner's own: not for shared caches, and not for the back button
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.post("/attempts/{attempt_id}/submit", summary="Submit the answers (once)")
async def submit(request: Request, issuer_id: str, quiz_id: str, attempt_id: str) -> Response:
    cookies = _cookies(request)
    session = cookies.signed_in(request)
    async with request.form(max_files=0, max_fields=_MAX_FIELDS) as form:
        csrf = form.get("csrf")
        cookies.check_csrf(session, csrf if isinstance(csrf, str) else "")
        answers: dict[int, list[str]] = {}
        for key, value in form.multi_items():
            match = _FIELD.fullmatch(key)
            if match is None:
                continue
            if not isinstance(value, str):
                raise InvalidInputError(f"{key}: an answer is text, not a file")
            answers.setdefault(int(match.group(1)), []).append(value)
    await run_in_threadpool(
        submit_attempt, deps_of(request), issuer_id, quiz_id, attempt_id, session.user_id, answers
    )
    return RedirectResponse(
        f"/quizzes/{issuer_id}/{quiz_id}/attempts/{attempt_id}", status_code=303
    )
