"""What an OB 3.0 credential says, for a person: the fields its page and certificate show.

The credential page and the printable certificate are both read from the *signed document*,
never from the database, so that what a person reads is what the credential says. This module
is the one reading of the wire format for that: an issuer's name, the learner's name (when
the issuer put it in as a plain ``name`` identifier), the achievement and, where present, the
EU micro-credential elements (``ob.microcredential``) and skill alignments.

Signed documents come from anywhere a verifier may meet them, so the reading never raises: a
field of an unexpected shape is simply left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CredentialSummary", "summarise_credential"]


@dataclass(frozen=True, slots=True)
class CredentialSummary:
    """The human-readable content of one credential; absent fields are ``None`` or empty.

    Dates are the document's own strings (``validFrom``, ``validUntil``); numbers are written
    as a person reads them ("40", not "40.0").
    """

    credential_id: str | None
    name: str | None
    description: str | None
    criteria: str | None
    image: str | None
    issuer: str | None
    learner: str | None
    valid_from: str | None
    valid_until: str | None
    skills: tuple[str, ...]
    outcomes: tuple[str, ...]
    workload: str | None
    ects: str | None
    level: str | None
    assessment: str | None
    quality: str | None
    results: tuple[str, ...]


def summarise_credential(document: dict[str, Any]) -> CredentialSummary:
    """The summary of an OB 3.0 (or OB-shaped) credential ``document``, parsed JSON."""
    issuer = document.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else issuer
    subject = _mapping(next(iter(_as_list(document.get("credentialSubject"))), None))
    achievement = _mapping(subject.get("achievement"))
    image = achievement.get("image")
    elements = _mapping(achievement.get("microCredential"))
    criteria = achievement.get("criteria")
    return CredentialSummary(
        credential_id=_text(document.get("id")),
        name=_text(achievement.get("name")) or _text(document.get("name")),
        description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        image=_text(image.get("id") if isinstance(image, dict) else image),
        issuer=_text(issuer_name),
        learner=_learner_name(subject),
        valid_from=_text(document.get("validFrom")),
        valid_until=_text(document.get("validUntil")),
        skills=_texts(
            alignment.get("targetName")
            for alignment in _as_list(achievement.get("alignment"))
            if isinstance(alignment, dict)
        ),
        outcomes=_texts(_as_list(elements.get("learningOutcome"))),
        workload=_number(elements.get("notionalWorkloadHours")),
        ects=_number(elements.get("ectsCredits")),
        level=_number(elements.get("eqfLevel")),
        assessment=_text(elements.get("assessmentType")),
        quality=_text(elements.get("qualityAssurance")),
        results=_texts(
            _number(r.get("value")) or r.get("value")
            for r in _as_list(subject.get("result"))
            if isinstance(r, dict)
        ),
    )


def _learner_name(subject: dict[str, Any]) -> str | None:
    """The learner's name: an ``identifier`` of type ``name`` the issuer left unhashed."""
    for entry in _as_list(subject.get("identifier")):
        if (
            isinstance(entry, dict)
            and entry.get("identityType") == "name"
            and entry.get("hashed") is False
        ):
            return _text(entry.get("identityHash"))
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(text for value in values if (text := _text(value)) is not None)


def _number(value: Any) -> str | None:
    """A JSON number as a person writes it: whole numbers without ".0"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
