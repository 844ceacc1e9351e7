"""The quizzes of the issuer API: an organisation authors its auto-graded quizzes.

Under ``/api/v1/organisations/{issuer_id}/quizzes``: create (YAML or JSON, as definitions
are), list, read (right answers included: the organisation is the author), replace (only
while nobody attempted it: decision 0026), and the quiz's audit log. Another organisation's
quiz is 404 here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from credstack.domain.errors import InvalidInputError
from credstack.domain.quiz_attempts import Quiz
from credstack.domain.quizzes import QuizSpec
from credstack.services.accounts import require
from credstack.services.quiz_files import parse_quiz
from credstack.services.quizzes import (
    create_quiz,
    list_quizzes,
    quiz_events,
    replace_quiz,
    show_quiz,
)
from credstack.web.auth import Caller, deps_of
from credstack.web.problems import Problem
from credstack.web.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/organisations/{issuer_id}/quizzes", tags=["Quizzes"])

_QUIZ_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
        "description": "a quiz definition (README, 'Quizzes'), as YAML or JSON",
    }
}
_YAML = ("application/yaml", "text/yaml", "application/x-yaml")


def _quiz_out(quiz: Quiz, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": quiz.id,
        "title": quiz.spec.title,
        "questions": quiz.spec.paper_size,
        "createdAt": quiz.created_at.isoformat(),
        "updatedAt": quiz.updated_at.isoformat(),
        "playerUrl": f"/quizzes/{quiz.issuer_id}/{quiz.id}",
    }
    if full:
        out["definition"] = quiz.spec.model_dump(mode="json", exclude_none=True)
    return out


async def _spec_of(request: Request, issuer_id: str) -> QuizSpec:
    text = (await request.body()).decode("utf-8", errors="replace")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _YAML:
        named, spec = parse_quiz(text, media="yaml")
    elif media == "application/json":
        named, spec = parse_quiz(text, media="json")
    else:
        raise Problem(415, "send the quiz as application/json or application/yaml")
    if named is not None and named != issuer_id:
        raise InvalidInputError(f"issuer: the quiz is for '{named}'")
    return spec


@router.post("", status_code=201, summary="Create a quiz", openapi_extra=_QUIZ_BODY)
async def create(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    spec = await _spec_of(request, issuer_id)
    quiz = await run_in_threadpool(
        create_quiz, deps_of(request), issuer_id, spec, actor=f"token {caller.token_id}"
    )
    return json_response(_quiz_out(quiz), 201, {"Location": f"{request.url.path}/{quiz.id}"})


@router.get("", summary="The organisation's quizzes")
def listing(request: Request, issuer_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    quizzes = list_quizzes(deps_of(request), issuer_id)
    return json_response([_quiz_out(q, full=False) for q in quizzes])


@router.get("/{quiz_id}", summary="A quiz, with its right answers")
def one(request: Request, issuer_id: str, quiz_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:read")
    return json_response(_quiz_out(show_quiz(deps_of(request), issuer_id, quiz_id)))


@router.put(
    "/{quiz_id}",
    summary="Replace a quiz's definition (409 once it has been attempted)",
    openapi_extra=_QUIZ_BODY,
)
async def replace(request: Request, issuer_id: str, quiz_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "achievements:write")
    spec = await _spec_of(request, issuer_id)
    quiz = await run_in_threadpool(
        replace_quiz, deps_of(request), issuer_id, quiz_id, spec, actor=f"token {caller.token_id}"
    )
    return json_response(_quiz_out(quiz))


@router.get("/{quiz_id}/events", summary="The quiz's audit log: every start, submission, grade")
def events(request: Request, issuer_id: str, quiz_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    return json_response(
        [
            {
                "at": event.at.isoformat(),
                "actor": event.actor,
                "action": event.action,
                "attempt": event.attempt_id,
                "detail": event.detail,
            }
            for event in quiz_events(deps_of(request), issuer_id, quiz_id)
        ]
    )
