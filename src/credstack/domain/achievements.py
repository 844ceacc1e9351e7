"""Micro-credential definitions (OB 3.0 Achievements) and their versions.

A definition is edited as a draft and then published. Publishing freezes it: editing a
published definition starts a new draft version, so every award keeps pointing at exactly the
text it was issued under. The EU standard elements (Council Recommendation 2022/C 243/02,
Annex I) that OB 3.0 has no property for are held in ``MicroCredentialElements`` and travel in
the credential as credstack's extension (``docs/microcredential-extension.md``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.issuers import check_slug

__all__ = [
    "RESULT_TYPES",
    "AchievementSpec",
    "AchievementVersion",
    "Alignment",
    "MicroCredentialElements",
    "ResultDescription",
    "Status",
]

#: OB 3.0 ResultType vocabulary (§B.3.5); an ``ext:`` prefix extends it, as the spec allows.
#: ``credstack.ob`` validates wire documents against this same tuple.
RESULT_TYPES = (
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
)
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")

Text = Annotated[str, Field(min_length=1, max_length=10_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2_000)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Alignment(_Spec):
    """A skill or framework item the achievement aligns to (ESCO, O*NET, CASE, a local list)."""

    target_name: ShortText
    target_url: Url
    target_framework: ShortText | None = None
    target_code: ShortText | None = None
    target_description: Text | None = None
    target_type: ShortText | None = None


class ResultDescription(_Spec):
    """A result the learner can get (a grade, a score), described once on the definition."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    name: ShortText
    result_type: str
    allowed_values: list[ShortText] | None = None
    required_value: ShortText | None = None
    value_min: ShortText | None = None
    value_max: ShortText | None = None

    @field_validator("result_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RESULT_TYPES and not value.startswith("ext:"):
            raise ValueError(f"must be one of {', '.join(RESULT_TYPES)} or start with 'ext:'")
        return value


Participation = Literal["online", "onsite", "blended"]
Supervision = Literal[
    "unsupervised-without-identity-verification",
    "supervised-without-identity-verification",
    "supervised-online-with-identity-verification",
    "supervised-onsite-with-identity-verification",
]
Stackability = Literal["stand-alone", "stackable"]


class MicroCredentialElements(_Spec):
    """The EU standard elements OB 3.0 core cannot say (Annex I), mandatory ones required.

    Workload may be given in hours, ECTS credits or both, but not neither; the level is only
    "if applicable" in the Annex, so it is optional.
    """

    learning_outcomes: Annotated[list[Text], Field(min_length=1)]
    workload_hours: Annotated[float, Field(gt=0, le=100_000)] | None = None
    ects: Annotated[float, Field(ge=0, le=1_000)] | None = None
    eqf_level: Annotated[int, Field(ge=1, le=8)] | None = None
    assessment_type: ShortText
    participation_form: Participation
    quality_assurance: ShortText
    prerequisites: Text | None = None
    supervision: Supervision | None = None
    stackability: Stackability | None = None
    further_information: Text | None = None

    @model_validator(mode="after")
    def _workload_given(self) -> MicroCredentialElements:
        if self.workload_hours is None and self.ects is None:
            raise ValueError("give the notional workload: workload_hours, ects or both")
        return self


class AchievementSpec(_Spec):
    """Everything a provider writes about one micro-credential (one version of it)."""

    id: str
    name: ShortText
    description: Text
    criteria: Text
    criteria_url: Url | None = None
    image: (
        Annotated[str, Field(pattern=r"^(https?://\S+|data:image/(png|svg\+xml);base64,.+)$")]
        | None
    ) = None
    achievement_type: str = "MicroCredential"
    alignments: list[Alignment] = Field(default_factory=list)
    tags: list[ShortText] = Field(default_factory=list)
    language: str | None = None
    credits_available: Annotated[float, Field(ge=0, le=1_000)] | None = None
    field_of_study: ShortText | None = None
    human_code: ShortText | None = None
    result_descriptions: list[ResultDescription] = Field(default_factory=list)
    micro_credential: MicroCredentialElements | None = None
    #: how long an award stays valid (its validUntil), when the award does not say
    valid_for_days: Annotated[int, Field(ge=1, le=36_500)] | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        try:
            return check_slug(value, "achievement")
        except InvalidInputError as error:
            raise ValueError(str(error)) from None

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.fullmatch(value):
            raise ValueError(f"'{value}' is not a BCP 47 language tag such as en or de-AT")
        return value

    @model_validator(mode="after")
    def _unique_results(self) -> AchievementSpec:
        ids = [r.id for r in self.result_descriptions]
        if len(ids) != len(set(ids)):
            raise ValueError("result_descriptions ids must be unique")
        return self

    def result_description(self, result_id: str | None) -> ResultDescription | None:
        """The result description a grade is recorded against (the first when not named)."""
        for description in self.result_descriptions:
            if result_id in (None, description.id):
                return description
        return None


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class AchievementVersion:
    """One version of a definition: a draft being edited, or a published, frozen text."""

    achievement_id: str
    issuer_id: str
    version: int
    status: Status
    spec: AchievementSpec
    created_at: dt.datetime
    published_at: dt.datetime | None = None

    def edited(self, spec: AchievementSpec, *, now: dt.datetime) -> AchievementVersion:
        """The version that holds ``spec``: this draft changed, or a new draft after a
        published one (published text never changes)."""
        if spec.id != self.achievement_id:
            raise InvalidInputError(
                f"the definition's id is '{spec.id}', expected '{self.achievement_id}'"
            )
        if self.status is Status.DRAFT:
            return replace(self, spec=spec)
        return AchievementVersion(
            self.achievement_id, self.issuer_id, self.version + 1, Status.DRAFT, spec, now
        )

    def published(self, *, now: dt.datetime) -> AchievementVersion:
        """This draft, published."""
        if self.status is Status.PUBLISHED:
            raise ConflictError(
                f"achievement '{self.achievement_id}' version {self.version} is published already"
            )
        return replace(self, status=Status.PUBLISHED, published_at=now)
