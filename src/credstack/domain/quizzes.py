"""An auto-graded quiz as its author writes it: questions, pools, pass mark and rules.

A quiz is a Pydantic model, so that YAML and JSON are read and checked the same way and
every error names the field (``pools.0.questions.2.answer``). Four kinds of question:

- ``single``: options, exactly one of them right (``answer``);
- ``multiple``: options, a set of right ones (``answers``), graded all-or-nothing: the
  points only for exactly the right set (decision 0026: partial credit rewards ticking
  every box, and a requirement "passed the quiz" should not hinge on a rounding rule);
- ``numeric``: a ``value`` with a ``tolerance`` (default 0), or a ``minimum``/``maximum``;
- ``text``: ``accepted`` answers, compared ignoring case and runs of white space, unless
  ``exact``.

Questions sit in ``pools``; each attempt draws ``draw`` questions from each pool (all of
them when ``draw`` is not given). A quiz may list ``questions`` instead: one pool, all drawn.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credstack.domain.errors import InvalidInputError
from credstack.domain.issuers import check_slug

__all__ = ["Option", "Pool", "Question", "QuizSpec", "normalise_text"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
Text = Annotated[str, Field(min_length=1, max_length=5_000)]
Short = Annotated[str, Field(min_length=1, max_length=500)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def _local_id(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(f"{what} id '{value}' must be 1-40 letters, digits, '-' or '_'")
    return value


def normalise_text(value: str) -> str:
    """How a short text answer is compared when not ``exact``: case and spacing ignored."""
    return " ".join(value.split()).casefold()


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Spec):
    id: str
    text: Short

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _local_id(value, "option")


class Question(_Spec):
    """One question; which fields it needs depends on its ``kind`` (checked here)."""

    id: str
    kind: Literal["single", "multiple", "numeric", "text"]
    prompt: Text
    points: Annotated[int, Field(ge=1, le=1_000)] = 1
    options: list[Option] = Field(default_factory=list, max_length=26)
    answer: str | None = None
    answers: list[str] | None = None
    value: Finite | None = None
    tolerance: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    minimum: Finite | None = None
    maximum: Finite | None = None
    accepted: list[Short] | None = Field(default=None, max_length=50)
    exact: bool = False
    #: shown with the result when the quiz reveals answers
    explanation: Text | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _local_id(value, "question")

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Question:
        given = {
            name
            for name in ("answer", "answers", "value", "tolerance", "minimum", "maximum")
            if getattr(self, name) is not None
        } | ({"accepted"} if self.accepted is not None else set())
        if self.options:
            given.add("options")
        if self.exact:
            given.add("exact")
        needs = {
            "single": ({"options", "answer"}, set()),
            "multiple": ({"options", "answers"}, set()),
            "numeric": (set(), {"value", "tolerance", "minimum", "maximum"}),
            "text": ({"accepted"}, {"exact"}),
        }[self.kind]
        required, optional = needs
        missing = required - given
        if missing:
            raise ValueError(f"a {self.kind} question needs {', '.join(sorted(missing))}")
        stray = given - required - optional
        if stray:
            raise ValueError(f"a {self.kind} question has no {', '.join(sorted(stray))}")
        getattr(self, f"_check_{self.kind}")()
        return self

    def _option_ids(self) -> set[str]:
        ids = [option.id for option in self.options]
        if len(ids) < 2:
            raise ValueError(f"a {self.kind} question needs at least two options")
        if len(set(ids)) != len(ids):
            raise ValueError("option ids must be unique within a question")
        return set(ids)

    def _check_single(self) -> None:
        ids = self._option_ids()
        if self.answer not in ids:
            raise ValueError(f"answer '{self.answer}' is not one of the options")

    def _check_multiple(self) -> None:
        ids = self._option_ids()
        answers = self.answers or []
        if not answers:
            raise ValueError("a multiple question needs at least one right answer")
        if len(set(answers)) != len(answers):
            raise ValueError("answers are listed twice")
        unknown = sorted(set(answers) - ids)
        if unknown:
            raise ValueError(f"answers {unknown} are not options")

    def _check_numeric(self) -> None:
        by_value = self.value is not None
        by_range = self.minimum is not None or self.maximum is not None
        if by_value == by_range:
            raise ValueError("a numeric question needs a value (and tolerance) or a range")
        if self.tolerance is not None and not by_value:
            raise ValueError("tolerance goes with value, not with a range")
        if by_range:
            if self.minimum is None or self.maximum is None:
                raise ValueError("a range needs both minimum and maximum")
            if self.minimum > self.maximum:
                raise ValueError("minimum is above maximum")

    def _check_text(self) -> None:
        accepted = self.accepted or []
        if not accepted or not all(a.strip() for a in accepted):
            raise ValueError("a text question needs at least one non-blank accepted answer")

    @property
    def right_options(self) -> frozenset[str]:
        """The right option ids of a choice question (empty for the others)."""
        if self.kind == "single" and self.answer is not None:
            return frozenset({self.answer})
        return frozenset(self.answers or ())

    def accepts_number(self, number: float) -> bool:
        if not math.isfinite(number):
            return False
        if self.value is not None:
            # a little slack for decimal fractions that binary floats cannot hold exactly
            slack = (self.tolerance or 0.0) + 1e-9 * max(1.0, abs(self.value))
            return abs(number - self.value) <= slack
        low = self.minimum if self.minimum is not None else -math.inf
        high = self.maximum if self.maximum is not None else math.inf
        return low <= number <= high

    def accepts_text(self, text: str) -> bool:
        accepted = self.accepted or []
        if self.exact:
            return text in accepted
        given = normalise_text(text)
        return bool(given) and any(given == normalise_text(a) for a in accepted)


class Pool(_Spec):
    """Questions of which each attempt draws ``draw`` (all when not given), at random."""

    id: str = "questions"
    draw: Annotated[int, Field(ge=1)] | None = None
    questions: list[Question] = Field(min_length=1, max_length=500)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _local_id(value, "pool")

    @model_validator(mode="after")
    def _draws_what_it_has(self) -> Pool:
        if self.draw is not None and self.draw > len(self.questions):
            raise ValueError(
                f"pool '{self.id}' draws {self.draw} questions but has {len(self.questions)}"
            )
        return self

    @property
    def size(self) -> int:
        """How many questions an attempt draws from it."""
        return self.draw if self.draw is not None else len(self.questions)


class QuizSpec(_Spec):
    """Everything an author writes about one quiz."""

    id: str
    title: Short
    instructions: Annotated[str, Field(max_length=10_000)] = ""
    #: the percent of the points needed to pass, 0-100
    pass_mark: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    attempt_limit: Annotated[int, Field(ge=1, le=1_000)] | None = None
    time_limit_minutes: Annotated[int, Field(ge=1, le=24 * 60)] | None = None
    shuffle_questions: bool = False
    shuffle_options: bool = False
    #: after submitting, show the right answers (not only which questions were right)
    reveal_answers: bool = False
    questions: list[Question] = Field(default_factory=list, max_length=500)
    pools: list[Pool] = Field(default_factory=list, max_length=50)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return check_slug(value, "quiz")
        except InvalidInputError as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _one_way_of_listing_questions(self) -> QuizSpec:
        if bool(self.questions) == bool(self.pools):
            raise ValueError("give the questions, or pools of questions (one of the two)")
        pool_ids = [pool.id for pool in self.all_pools]
        if len(set(pool_ids)) != len(pool_ids):
            raise ValueError("pool ids must be unique")
        ids = [q.id for pool in self.all_pools for q in pool.questions]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"question ids must be unique in the quiz: {repeated}")
        return self

    @property
    def all_pools(self) -> list[Pool]:
        """The pools; a quiz of plain ``questions`` is one pool that draws them all."""
        return self.pools or [Pool(questions=self.questions)]

    def question(self, question_id: str) -> Question:
        for pool in self.all_pools:
            for question in pool.questions:
                if question.id == question_id:
                    return question
        raise KeyError(question_id)

    @property
    def paper_size(self) -> int:
        """How many questions every attempt gets."""
        return sum(pool.size for pool in self.all_pools)
