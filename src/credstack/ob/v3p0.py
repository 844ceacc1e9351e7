"""Open Badges 3.0 wire models: OpenBadgeCredential, EndorsementCredential and their parts.

These classes describe the JSON-LD that issuers sign and verifiers receive, nothing more: the
domain layer maps its own objects onto them in one place per spec version (house style,
habit 4). They follow the OB 3.0 data model (appendix "Data Models") and the required
properties of the 1EdTech JSON Schema, and accept the VC 1.1 names ``issuanceDate`` /
``expirationDate`` beside VC 2.0's ``validFrom`` / ``validUntil``, as OB 3.0 verifiers must.

Every model keeps what it does not know and returns exactly what it was given from
``to_json_ld()`` (see ``credstack.ob._common``), so a signed credential can be parsed, checked
and handed on without disturbing its proof.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Discriminator, Tag, model_validator

from credstack.domain.achievements import RESULT_TYPES
from credstack.ob._common import (
    Context,
    CredentialSchema,
    CredentialStatus,
    Date,
    DateTime,
    DateTimeZ,
    Number,
    OneOrMany,
    Proof,
    RefreshService,
    TermsOfUse,
    TypedModel,
    WireModel,
    vocabulary,
)
from credstack.ob.identity import IdentifierType, IdentityObject

#: OB 3.0 ``AchievementType`` (extensible with ``ext:`` terms).
ACHIEVEMENT_TYPES: tuple[str, ...] = (
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
)
#: OB 3.0 ``AlignmentTargetType`` (extensible).
ALIGNMENT_TARGET_TYPES: tuple[str, ...] = (
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
)
#: OB 3.0 ``ResultStatusType`` (closed).
RESULT_STATUSES: tuple[str, ...] = (
    "Completed",
    "Enrolled",
    "Failed",
    "InProgress",
    "OnHold",
    "Provisional",
    "Withdrew",
)

AchievementType = Annotated[str, vocabulary("AchievementType", ACHIEVEMENT_TYPES, extensible=True)]
AlignmentTargetType = Annotated[
    str, vocabulary("AlignmentTargetType", ALIGNMENT_TARGET_TYPES, extensible=True)
]
ResultType = Annotated[str, vocabulary("ResultType", RESULT_TYPES, extensible=True)]
ResultStatusType = Annotated[str, vocabulary("ResultStatusType", RESULT_STATUSES, extensible=False)]


class Image(WireModel):
    """An image by URI (often a data: URI), with an optional caption."""

    id: str
    type: Literal["Image"]
    caption: str | None = None


class Criteria(WireModel):
    """How the achievement is earned: a URI, a Markdown narrative, or both."""

    id: str | None = None
    narrative: str | None = None


class Alignment(TypedModel):
    """A link from an achievement or result to a framework node (CASE, CTDL, ...)."""

    required_types = ("Alignment",)

    target_code: str | None = None
    target_description: str | None = None
    target_name: str
    target_framework: str | None = None
    target_type: AlignmentTargetType | None = None
    target_url: str


class IdentifierEntry(WireModel):
    """An identifier of an organisation, person or achievement in some other system."""

    type: Literal["IdentifierEntry"]
    identifier: str
    identifier_type: IdentifierType


class GeoCoordinates(WireModel):
    """A WGS 84 position."""

    type: Literal["GeoCoordinates"]
    latitude: Number
    longitude: Number


class Address(TypedModel):
    """A postal address."""

    required_types = ("Address",)

    address_country: str | None = None
    address_country_code: str | None = None
    address_region: str | None = None
    address_locality: str | None = None
    street_address: str | None = None
    post_office_box_number: str | None = None
    postal_code: str | None = None
    geo: GeoCoordinates | None = None


class Related(TypedModel):
    """Another version of the same achievement (for example in another language)."""

    required_types = ("Related",)

    id: str
    in_language: str | None = None
    version: str | None = None


class RubricCriterionLevel(TypedModel):
    """One level of a rubric criterion that a result can reach."""

    required_types = ("RubricCriterionLevel",)

    id: str
    alignment: list[Alignment] | None = None
    description: str | None = None
    level: str | None = None
    name: str
    points: str | None = None


class ResultDescription(TypedModel):
    """What results the achievement reports (a grade, a rubric level, a status, ...)."""

    required_types = ("ResultDescription",)

    id: str
    alignment: list[Alignment] | None = None
    allowed_value: list[str] | None = None
    name: str
    required_level: str | None = None
    required_value: str | None = None
    result_type: ResultType
    rubric_criterion_level: list[RubricCriterionLevel] | None = None
    value_max: str | None = None
    value_min: str | None = None


class Result(TypedModel):
    """A result the recipient achieved, described by a ``ResultDescription`` (by id)."""

    required_types = ("Result",)

    achieved_level: str | None = None
    alignment: list[Alignment] | None = None
    result_description: str | None = None
    status: ResultStatusType | None = None
    value: str | None = None


class Evidence(TypedModel):
    """Work or testimony supporting the award."""

    required_types = ("Evidence",)

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


class Profile(TypedModel):
    """An issuer, creator or other organisation or person (``type`` includes ``Profile``)."""

    required_types = ("Profile",)

    id: str
    name: str | None = None
    url: str | None = None
    phone: str | None = None
    description: str | None = None
    endorsement: list[EndorsementCredential] | None = None
    endorsement_jwt: list[str] | None = None
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    other_identifier: list[IdentifierEntry] | None = None
    official: str | None = None
    parent_org: Profile | None = None
    family_name: str | None = None
    given_name: str | None = None
    additional_name: str | None = None
    patronymic_name: str | None = None
    honorific_prefix: str | None = None
    honorific_suffix: str | None = None
    family_name_prefix: str | None = None
    date_of_birth: Date | None = None


def _uri_or_object(value: Any) -> str | None:
    if isinstance(value, str):
        return "<uri>"
    return "<object>" if isinstance(value, dict | Profile) else None


#: An issuer given either by its URI or as an embedded ``Profile``.
ProfileRef = Annotated[
    Annotated[str, Tag("<uri>")] | Annotated[Profile, Tag("<object>")],
    Discriminator(
        _uri_or_object,
        custom_error_type="profile_ref_type",
        custom_error_message="must be a URI string or a Profile object",
    ),
]


class Achievement(TypedModel):
    """What was accomplished: the badge class of earlier Open Badges versions."""

    required_types = ("Achievement",)

    id: str
    alignment: list[Alignment] | None = None
    achievement_type: AchievementType | None = None
    creator: Profile | None = None
    credits_available: Number | None = None
    criteria: Criteria
    description: str
    endorsement: list[EndorsementCredential] | None = None
    endorsement_jwt: list[str] | None = None
    field_of_study: str | None = None
    human_code: str | None = None
    image: Image | None = None
    in_language: str | None = None
    name: str
    other_identifier: list[IdentifierEntry] | None = None
    related: list[Related] | None = None
    result_description: list[ResultDescription] | None = None
    specialization: str | None = None
    tag: list[str] | None = None
    version: str | None = None


class AchievementSubject(TypedModel):
    """The recipient and what they achieved (``credentialSubject`` of an OB credential)."""

    required_types = ("AchievementSubject",)

    id: str | None = None
    activity_end_date: DateTime | None = None
    activity_start_date: DateTime | None = None
    credits_earned: Number | None = None
    achievement: Achievement
    identifier: list[IdentityObject] | None = None
    image: Image | None = None
    license_number: str | None = None
    narrative: str | None = None
    result: list[Result] | None = None
    role: str | None = None
    source: Profile | None = None
    term: str | None = None

    @model_validator(mode="after")
    def _check_identified(self) -> Self:
        # OB 3.0 "OpenBadgeCredential Verification", step 1: the subject is identified
        # by an id and/or an identifier.
        if self.id is None and not self.identifier:
            raise ValueError("must have an 'id' and/or an 'identifier'")
        return self


class EndorsementSubject(TypedModel):
    """The endorsed entity (by ``id``) and the endorser's comment."""

    required_types = ("EndorsementSubject",)

    id: str
    endorsement_comment: str | None = None


class CredentialModel(TypedModel):
    """What every OB/CLR credential has: the VC envelope, in VC 2.0 or VC 1.1 terms."""

    context: Context
    id: str
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    awarded_date: DateTimeZ | None = None
    issuer: ProfileRef
    valid_from: DateTimeZ | None = None
    valid_until: DateTimeZ | None = None
    issuance_date: DateTime | None = None
    expiration_date: DateTime | None = None
    proof: OneOrMany[Proof] | None = None
    credential_schema: OneOrMany[CredentialSchema] | None = None
    credential_status: OneOrMany[CredentialStatus] | None = None
    refresh_service: OneOrMany[RefreshService] | None = None
    terms_of_use: OneOrMany[TermsOfUse] | None = None

    @model_validator(mode="after")
    def _check_validity_start(self) -> Self:
        if self.valid_from is None and self.issuance_date is None:
            raise ValueError("must have 'validFrom' (or, for VC 1.1, 'issuanceDate')")
        return self


class EndorsementCredential(CredentialModel):
    """A third party's claim about an issuer, achievement or credential."""

    required_types = ("VerifiableCredential", "EndorsementCredential")

    name: str
    credential_subject: EndorsementSubject


class OpenBadgeCredential(CredentialModel):
    """An OB 3.0 ``OpenBadgeCredential`` (alias ``AchievementCredential``)."""

    required_types = ("VerifiableCredential",)
    any_of_types = ("OpenBadgeCredential", "AchievementCredential")

    credential_subject: AchievementSubject
    endorsement: list[EndorsementCredential] | None = None
    endorsement_jwt: list[str] | None = None
    evidence: OneOrMany[Evidence] | None = None


#: The spec's other name for the same class.
AchievementCredential = OpenBadgeCredential

for _model in (Profile, Achievement, AchievementSubject, OpenBadgeCredential):
    _model.model_rebuild()

__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "CredentialModel",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "OpenBadgeCredential",
    "Profile",
    "ProfileRef",
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "TermsOfUse",
]
