"""Open Badges 3.0 and CLR 2.0 wire models, recipient identifiers and structural validation.

The models describe the JSON-LD that is signed and exchanged, one module per spec version
(``v3p0``, ``clr_v2p0``); each parses a document and gives it back unchanged from
``to_json_ld()``. The names below are the supported public API.
"""

from __future__ import annotations

from credstack.ob.clr_v2p0 import ASSOCIATION_TYPES, Association, ClrCredential, ClrSubject
from credstack.ob.identity import (
    IDENTIFIER_TYPES,
    IdentityObject,
    identity_hash,
    identity_hash_matches,
    is_identity_hash,
)
from credstack.ob.v3p0 import (
    ACHIEVEMENT_TYPES,
    ALIGNMENT_TARGET_TYPES,
    RESULT_STATUSES,
    RESULT_TYPES,
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Address,
    Alignment,
    CredentialModel,
    CredentialSchema,
    CredentialStatus,
    Criteria,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    GeoCoordinates,
    IdentifierEntry,
    Image,
    OpenBadgeCredential,
    Profile,
    Proof,
    RefreshService,
    Related,
    Result,
    ResultDescription,
    RubricCriterionLevel,
    TermsOfUse,
)
from credstack.ob.validation import (
    credential_model_for,
    format_path,
    schema_errors,
    validate_credential,
)

__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "ASSOCIATION_TYPES",
    "IDENTIFIER_TYPES",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "Association",
    "ClrCredential",
    "ClrSubject",
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
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "TermsOfUse",
    "credential_model_for",
    "format_path",
    "identity_hash",
    "identity_hash_matches",
    "is_identity_hash",
    "schema_errors",
    "validate_credential",
]
