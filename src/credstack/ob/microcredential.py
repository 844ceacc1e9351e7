"""credstack's micro-credential extension: the EU standard elements OB 3.0 cannot say.

The terms are defined by a JSON-LD context that travels *inline* in each credential's
``@context`` (``contexts/credstack-microcredential-v1.jsonld``), so any verifier, wallet or
validator can expand and check the signature offline without knowing credstack: a context URL
would have to be fetched or pre-loaded by every verifier, and static loaders refuse unknown
URLs. ``docs/microcredential-extension.md`` documents every term.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from credstack.domain.achievements import MicroCredentialElements
from credstack.domain.awards import Assessment

__all__ = ["EXTENSION_VOCAB", "assessment_document", "elements_document", "extension_context"]

EXTENSION_VOCAB = "https://w3id.org/credstack/microcredential#"


@cache
def _context_text() -> str:
    path = resources.files("credstack.ob").joinpath("contexts/credstack-microcredential-v1.jsonld")
    return path.read_text("utf-8")


def extension_context() -> dict[str, Any]:
    """The inline ``@context`` entry that defines the extension's terms (a fresh copy)."""
    context: dict[str, Any] = json.loads(_context_text())["@context"]
    return context


def elements_document(elements: MicroCredentialElements) -> dict[str, Any]:
    """The ``microCredential`` object of an Achievement, omitting absent optional elements."""
    document: dict[str, Any] = {
        "type": "MicroCredentialElements",
        "learningOutcome": list(elements.learning_outcomes),
        "notionalWorkloadHours": elements.workload_hours,
        "ectsCredits": elements.ects,
        "eqfLevel": elements.eqf_level,
        "assessmentType": elements.assessment_type,
        "participationForm": elements.participation_form,
        "qualityAssurance": elements.quality_assurance,
        "prerequisites": elements.prerequisites,
        "supervision": elements.supervision,
        "stackability": elements.stackability,
        "furtherInformation": elements.further_information,
    }
    return {key: _plain_number(value) for key, value in document.items() if value is not None}


def assessment_document(assessment: Assessment) -> dict[str, Any]:
    """The ``assessmentRecord`` of an AchievementSubject: how this learner was assessed (the
    EU supervision element, and how their identity was verified), where ``supervision`` on
    the achievement says how the assessment is meant to be run."""
    return {
        "type": "AssessmentRecord",
        "supervision": assessment.supervision,
        "identityVerification": assessment.identity_verification.value,
    }


def _plain_number(value: Any) -> Any:
    # 2.0 and 2 are different RDF literals (xsd:double vs xsd:integer); write whole numbers
    # as integers so the credential says what the provider wrote.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
