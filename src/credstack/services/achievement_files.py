"""Definitions as YAML files, so that providers keep them in version control.

The file holds the fields of ``AchievementSpec`` (snake_case, as in
``docs/achievement-definitions.md``) plus the ``issuer`` id. ``image`` may name a PNG or
SVG file beside the YAML; it is embedded as a ``data:`` URI so that the credential carries its
own picture. Errors name the file and the field path.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import yaml
from pydantic import ValidationError

from credstack.domain.achievements import AchievementSpec
from credstack.domain.errors import InvalidInputError, first_problem

__all__ = ["ImageReader", "dump_definition", "parse_definition"]

#: Reads an image named in a definition file: ``(name) -> bytes``; raises ``OSError``.
ImageReader = Callable[[str], bytes]
_MAX_IMAGE = 256 * 1024


def _yaml_mapping(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "malformed YAML"
        raise InvalidInputError(f"{source}:{where}: {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{source}: expected a mapping of fields, not {type(data).__name__}"
        )
    return data


def _embed_image(value: Any, read_image: ImageReader | None, source: str) -> Any:
    if not isinstance(value, str) or value.startswith(("https://", "http://", "data:")):
        return value
    if read_image is None:
        raise InvalidInputError(f"{source}: image '{value}' must be an https URL here")
    try:
        data = read_image(value)
    except OSError as error:
        raise InvalidInputError(f"{source}: image '{value}': {error.strerror or error}") from None
    if len(data) > _MAX_IMAGE:
        raise InvalidInputError(f"{source}: image '{value}' is larger than 256 KiB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        media = "image/png"
    elif b"<svg" in data[:4096]:
        media = "image/svg+xml"
    else:
        raise InvalidInputError(f"{source}: image '{value}' is neither PNG nor SVG")
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def parse_definition(
    text: str, *, source: str = "definition", read_image: ImageReader | None = None
) -> tuple[str | None, AchievementSpec]:
    """``(issuer id or None, spec)`` from YAML text; ``InvalidInputError`` names the field."""
    data = _yaml_mapping(text, source)
    issuer = data.pop("issuer", None)
    if issuer is not None and not isinstance(issuer, str):
        raise InvalidInputError(f"{source}: issuer: must be an issuer id")
    if "image" in data:
        data["image"] = _embed_image(data["image"], read_image, source)
    try:
        spec = AchievementSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(f"{source}: {first_problem(error, '(file)')}") from None
    return issuer, spec


def dump_definition(spec: AchievementSpec, issuer_id: str) -> str:
    """YAML that ``parse_definition`` reads back to an equal spec."""
    data: dict[str, Any] = {"issuer": issuer_id}
    data.update(spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    data.setdefault("id", spec.id)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
