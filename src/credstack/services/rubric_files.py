"""Rubric definitions as YAML or JSON, read as quiz files are (``services.quiz_files``)."""

from __future__ import annotations

from pydantic import ValidationError

from credstack.domain.errors import InvalidInputError, first_problem
from credstack.domain.rubrics import RubricSpec
from credstack.services.quiz_files import read_mapping

__all__ = ["parse_rubric"]


def parse_rubric(text: str, *, media: str = "yaml") -> tuple[str | None, RubricSpec]:
    """``(issuer id or None, spec)`` from YAML or JSON text; ``InvalidInputError`` names the
    first bad field and how many more there are."""
    data = read_mapping(text, media)
    issuer = data.pop("issuer", None)
    if issuer is not None and not isinstance(issuer, str):
        raise InvalidInputError("issuer: must be an organisation id")
    try:
        spec = RubricSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(first_problem(error, "body")) from None
    return issuer, spec
