"""Comprehensive Learner Record 2.0 wire models: a credential that bundles OB 3.0 credentials.

A ``ClrCredential`` is a VC whose subject (``ClrSubject``) carries the learner's
``AchievementCredential``s, each still signed by its own issuer, plus the achievements they
refer to and ``Association``s between those achievements (for example, a course that is part
of a programme). The nested credentials are ``OpenBadgeCredential`` models, so they round-trip
exactly and their own proofs stay verifiable.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from credstack.ob._common import TypedModel, WireModel, vocabulary
from credstack.ob.identity import IdentityObject
from credstack.ob.v3p0 import (
    Achievement,
    CredentialModel,
    EndorsementCredential,
    Image,
    OpenBadgeCredential,
)

#: CLR 2.0 ``AssociationTypeEnum`` (closed).
ASSOCIATION_TYPES: tuple[str, ...] = (
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
)

AssociationType = Annotated[
    str, vocabulary("AssociationTypeEnum", ASSOCIATION_TYPES, extensible=False)
]


class Association(WireModel):
    """A directed relation between two achievements of the record, by their ids."""

    type: Literal["Association"]
    association_type: AssociationType
    source_id: str
    target_id: str


class ClrSubject(TypedModel):
    """The learner, their achievement credentials and how those achievements relate."""

    required_types = ("ClrSubject",)

    id: str | None = None
    identifier: list[IdentityObject] | None = None
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    achievement: list[Achievement] | None = None
    verifiable_credential: Annotated[list[OpenBadgeCredential], Field(min_length=1)]
    association: list[Association] | None = None


class ClrCredential(CredentialModel):
    """A CLR 2.0 ``ClrCredential``."""

    required_types = ("VerifiableCredential", "ClrCredential")

    name: str
    partial: bool | None = None
    credential_subject: ClrSubject
    endorsement: list[EndorsementCredential] | None = None
    endorsement_jwt: list[str] | None = None


__all__ = ["ASSOCIATION_TYPES", "Association", "ClrCredential", "ClrSubject"]
