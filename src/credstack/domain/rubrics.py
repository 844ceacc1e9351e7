"""A rubric: how an assessor scores evidence a learner submits, and what may be submitted.

A rubric is an organisation's, like a quiz, and written the same way (YAML or JSON, checked
by Pydantic, every error naming its field). It has *criteria*; each criterion has *levels*,
listed from the lowest to the highest, each worth some points. An assessor picks one level
per criterion. The submission may be accepted when (decision 0027):

- the points of the chosen levels add up to at least ``pass_points``, and
- every criterion with a ``minimum`` is at that level or above it, and
- with ``no_lowest``, no criterion is at its lowest level.

Otherwise the assessor returns it with feedback. The rubric also says what a learner may
send (``accepts``: text, a link, a file) and, for files, how large (``max_bytes``, 10 MB by
default, never more than 25 MB) and of which kinds (``file_types``: names of the kinds
``domain.evidence`` can recognise by their content, or their extensions or MIME types).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credstack.domain.errors import InvalidInputError
from credstack.domain.evidence_files import FILE_KINDS, kind_named
from credstack.domain.issuers import check_slug

__all__ = [
    "DEFAULT_FILE_TYPES",
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_CAP",
    "Criterion",
    "Level",
    "RubricSpec",
    "Score",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_BYTES_CAP = 25 * 1024 * 1024
DEFAULT_FILE_TYPES = ("pdf", "png", "jpeg", "txt", "zip", "docx")

Short = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=5_000)]
Accepted = Literal["text", "link", "file"]
_ALL_KINDS: tuple[Accepted, ...] = ("text", "link", "file")
LocalId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Spec):
    id: LocalId
    title: Short
    points: Annotated[int, Field(ge=0, le=1_000)]
    description: Text = ""


class Criterion(_Spec):
    """One thing the assessor judges; ``levels`` from the lowest to the highest."""

    id: LocalId
    title: Short
    description: Text = ""
    levels: list[Level] = Field(min_length=2, max_length=10)
    #: the lowest level that still lets the submission be accepted (none: any level)
    minimum: LocalId | None = None

    @model_validator(mode="after")
    def _levels_in_order(self) -> Criterion:
        ids = [level.id for level in self.levels]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion '{self.id}': level ids must be unique")
        points = [level.points for level in self.levels]
        if points != sorted(points):
            raise ValueError(
                f"criterion '{self.id}': list the levels from the lowest points to the highest"
            )
        if self.minimum is not None and self.minimum not in ids:
            raise ValueError(f"criterion '{self.id}': minimum '{self.minimum}' is not a level")
        return self

    def level(self, level_id: str) -> Level | None:
        return next((level for level in self.levels if level.id == level_id), None)

    @property
    def max_points(self) -> int:
        return self.levels[-1].points


@dataclasses.dataclass(frozen=True, slots=True)
class Score:
    """An assessor's levels, scored: the points, the most there are, whether the pass rule
    holds, and if not, why (one line per reason)."""

    levels: tuple[tuple[Criterion, Level], ...]
    points: int
    max_points: int
    passes: bool
    shortfalls: tuple[str, ...]


class RubricSpec(_Spec):
    """Everything an organisation writes about one rubric."""

    id: str
    title: Short
    #: what the learner reads before submitting
    instructions: Annotated[str, Field(max_length=10_000)] = ""
    criteria: list[Criterion] = Field(min_length=1, max_length=50)
    pass_points: Annotated[int, Field(ge=0)]
    no_lowest: bool = False
    accepts: list[Accepted] = Field(default_factory=lambda: list(_ALL_KINDS), min_length=1)
    max_bytes: Annotated[int, Field(ge=1, le=MAX_BYTES_CAP)] = DEFAULT_MAX_BYTES
    file_types: list[str] = Field(default_factory=lambda: list(DEFAULT_FILE_TYPES), min_length=1)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return check_slug(value, "rubric")
        except InvalidInputError as error:
            raise ValueError(str(error)) from None

    @field_validator("file_types")
    @classmethod
    def _known_kinds(cls, values: list[str]) -> list[str]:
        kinds = []
        for value in values:
            kind = kind_named(value)
            if kind is None:
                known = ", ".join(FILE_KINDS)
                raise ValueError(f"'{value}' is not a file type credstack can check ({known})")
            kinds.append(kind.name)
        return list(dict.fromkeys(kinds))

    @model_validator(mode="after")
    def _reachable(self) -> RubricSpec:
        ids = [criterion.id for criterion in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be unique")
        if len(set(self.accepts)) != len(self.accepts):
            raise ValueError("accepts: each of text, link, file once")
        if self.pass_points > self.max_points:
            raise ValueError(
                f"pass_points {self.pass_points} is more than the {self.max_points} there are"
            )
        return self

    @property
    def max_points(self) -> int:
        return sum(criterion.max_points for criterion in self.criteria)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def score(self, chosen: Mapping[str, str]) -> Score:
        """Score one level per criterion (criterion id → level id). ``InvalidInputError``
        for a criterion left out, an unknown criterion or an unknown level."""
        unknown = sorted(set(chosen) - {c.id for c in self.criteria})
        if unknown:
            raise InvalidInputError(f"levels: no criterion {', '.join(unknown)} in this rubric")
        picked = []
        for criterion in self.criteria:
            level_id = chosen.get(criterion.id)
            if level_id is None:
                raise InvalidInputError(f"levels: choose a level for '{criterion.title}'")
            level = criterion.level(level_id)
            if level is None:
                raise InvalidInputError(
                    f"levels.{criterion.id}: '{level_id}' is not a level of '{criterion.title}'"
                )
            picked.append((criterion, level))
        points = sum(level.points for _, level in picked)
        return Score(tuple(picked), points, self.max_points, *self._verdict(picked, points))

    def _verdict(
        self, picked: list[tuple[Criterion, Level]], points: int
    ) -> tuple[bool, tuple[str, ...]]:
        short = []
        if points < self.pass_points:
            short.append(f"{points} points, {self.pass_points} needed")
        for criterion, level in picked:
            position = criterion.levels.index(level)
            if criterion.minimum is not None:
                needed = [lv.id for lv in criterion.levels].index(criterion.minimum)
                if position < needed:
                    minimum = criterion.levels[needed].title
                    short.append(f"'{criterion.title}' is below '{minimum}'")
                    continue
            if self.no_lowest and position == 0:
                short.append(f"'{criterion.title}' is at its lowest level")
        return not short, tuple(short)
