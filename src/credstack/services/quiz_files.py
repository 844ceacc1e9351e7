"""Quiz definitions as YAML or JSON, as authors keep them in version control.

The fields are ``domain.quizzes.QuizSpec``'s (snake_case); YAML may name the ``issuer`` too
(as achievement files do), and it must then be the organisation it is sent to. Errors name
the field path (``pools.0.questions.1: a single question needs answer``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import ValidationError

from credstack.domain.errors import InvalidInputError, first_problem
from credstack.domain.quizzes import QuizSpec

__all__ = ["dump_quiz", "parse_quiz", "read_mapping"]


def read_mapping(text: str, media: str) -> dict[str, Any]:
    """The mapping a YAML (``media="yaml"``) or JSON text holds (a quiz, a rubric);
    ``InvalidInputError`` says where the text is malformed."""
    try:
        data = json.loads(text) if media == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"body: line {error.lineno}: {error.msg}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise InvalidInputError(f"body:{where} {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"body: expected a mapping of fields, not {type(data).__name__}")
    return data


def parse_quiz(text: str, *, media: str = "yaml") -> tuple[str | None, QuizSpec]:
    """``(issuer id or None, spec)`` from YAML (``media="yaml"``) or JSON text;
    ``InvalidInputError`` names the first bad field and how many more there are."""
    data = read_mapping(text, media)
    issuer = data.pop("issuer", None)
    if issuer is not None and not isinstance(issuer, str):
        raise InvalidInputError("issuer: must be an organisation id")
    try:
        spec = QuizSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(first_problem(error, "body")) from None
    return issuer, spec


def dump_quiz(spec: QuizSpec, issuer_id: str) -> str:
    """YAML that ``parse_quiz`` reads back to an equal spec."""
    data: dict[str, Any] = {"issuer": issuer_id}
    data.update(spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    data.setdefault("id", spec.id)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
