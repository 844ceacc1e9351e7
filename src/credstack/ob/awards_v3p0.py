"""Domain objects → Open Badges 3.0 documents (the one place that knows this wire format).

Only this module turns issuers, definitions and awards into OB 3.0 JSON; a later spec version
gets a module of its own instead of conditionals here. The documents are unsigned: the
services sign them with ``credstack.vc.sign_credential``.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Alignment
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.issuers import Issuer
from credstack.ob.identity import identity_hash
from credstack.ob.microcredential import (
    assessment_document,
    elements_document,
    extension_context,
)
from credstack.vc.frozen import freeze

__all__ = [
    "CredentialTemplate",
    "achievement_document",
    "achievement_uri",
    "credential_document",
    "profile_document",
    "result_description_id",
    "xsd_date_time",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EQF_URL = "https://europass.europa.eu/en/description-eight-eqf-levels"
# Names UUIDs derived from credstack's own identifiers (RFC 9562 name-based, SHA-1).
_NAMESPACE = uuid.UUID("1c0f3a7e-5b8d-5f2a-9a41-6c7e2d9b0f11")


@functools.lru_cache(maxsize=64)
def xsd_date_time(moment: dt.datetime) -> str:
    """``2026-11-24T09:00:00Z``: UTC, whole seconds, as OB examples and validators expect.
    Remembered: a cohort's batch shares one issue time, and formatting costs more than a
    lookup."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def achievement_uri(version: AchievementVersion, base_url: str | None = None) -> str:
    """A stable id for one version of a definition: under ``base_url`` when the provider
    publishes pages there, otherwise a name-based ``urn:uuid`` that never changes."""
    if base_url:
        root = base_url.rstrip("/")
        return f"{root}/achievements/{version.achievement_id}/versions/{version.version}"
    name = f"{version.issuer_id}/{version.achievement_id}/{version.version}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}"


def profile_document(issuer: Issuer) -> dict[str, Any]:
    """The issuer's OB 3.0 ``Profile`` (with its country: an EU mandatory element)."""
    address = issuer.address
    document: dict[str, Any] = {
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image": {"id": issuer.image_url, "type": "Image"} if issuer.image_url else None,
        "address": _drop_none(
            {
                "type": ["Address"],
                "addressCountry": address.country,
                "addressCountryCode": address.country_code,
                "addressRegion": address.region,
                "addressLocality": address.locality,
                "postalCode": address.postal_code,
                "streetAddress": address.street_address,
            }
        ),
    }
    return _drop_none(document)


def _alignment(alignment: Alignment) -> dict[str, Any]:
    return _drop_none(
        {
            "type": ["Alignment"],
            "targetName": alignment.target_name,
            "targetUrl": alignment.target_url,
            "targetFramework": alignment.target_framework,
            "targetCode": alignment.target_code,
            "targetDescription": alignment.target_description,
            "targetType": alignment.target_type,
        }
    )


def _alignments(spec: AchievementSpec) -> list[dict[str, Any]]:
    """The provider's alignments, plus the EQF level as one, so that verifiers that know
    only OB 3.0 core still see the level (the EU mapping's advice)."""
    alignments = [_alignment(a) for a in spec.alignments]
    level = spec.micro_credential.eqf_level if spec.micro_credential else None
    if level is not None:
        eqf = Alignment(
            target_name=f"EQF level {level}",
            target_url=EQF_URL,
            target_framework="European Qualifications Framework",
            target_code=str(level),
        )
        alignments.append(_alignment(eqf))
    return alignments


@functools.lru_cache(maxsize=256)
def result_description_id(uri: str, result_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{uri}#result/{result_id}')}"


def achievement_document(version: AchievementVersion, uri: str) -> dict[str, Any]:
    """One definition version as an OB 3.0 ``Achievement``."""
    spec = version.spec
    document: dict[str, Any] = {
        "id": uri,
        "type": ["Achievement"],
        "achievementType": spec.achievement_type,
        "name": spec.name,
        "description": spec.description,
        "criteria": _drop_none({"id": spec.criteria_url, "narrative": spec.criteria}),
        "image": {"id": spec.image, "type": "Image"} if spec.image else None,
        "alignment": _alignments(spec) or None,
        "tag": list(spec.tags) or None,
        "inLanguage": spec.language,
        "creditsAvailable": spec.credits_available,
        "fieldOfStudy": spec.field_of_study,
        "humanCode": spec.human_code,
        "version": str(version.version),
        "resultDescription": [
            _drop_none(
                {
                    "id": result_description_id(uri, rd.id),
                    "type": ["ResultDescription"],
                    "name": rd.name,
                    "resultType": rd.result_type,
                    "allowedValue": rd.allowed_values,
                    "requiredValue": rd.required_value,
                    "valueMin": rd.value_min,
                    "valueMax": rd.value_max,
                }
            )
            for rd in spec.result_descriptions
        ]
        or None,
        "microCredential": elements_document(spec.micro_credential)
        if spec.micro_credential
        else None,
    }
    return _drop_none(document)


def _identifiers(recipient: Recipient, salt: str) -> list[dict[str, Any]]:
    """The recipient's IdentityObjects, written out directly: this runs once per credential,
    and the Pydantic model (``IdentityObject``) gives the same JSON at a dozen times the cost
    (``tests/test_ob_models.py`` holds them equal)."""
    identifiers: list[dict[str, Any]] = []
    if recipient.email is not None:
        identifiers.append(
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": identity_hash(recipient.email, salt),
                "identityType": "emailAddress",
                "salt": salt,
            }
        )
    if recipient.name:
        identifiers.append(
            {
                "type": "IdentityObject",
                "hashed": False,
                "identityHash": recipient.name,
                "identityType": "name",
            }
        )
    return identifiers


class CredentialTemplate:
    """What every credential of one achievement version shares, built once and frozen.

    The issuer's profile, the achievement (alignments, results, EU elements) and the
    ``@context`` are the same in every credential of a cohort; frozen, the fast JSON-LD path
    turns them into RDF once per run instead of once per credential (``credstack.vc.frozen``).
    A template is plain data: it pickles, so worker processes can sign with it.
    """

    def __init__(self, issuer: Issuer, version: AchievementVersion, uri: str) -> None:
        self.spec = version.spec
        self.uri = uri
        contexts: list[Any] = [VC_V2, OB_V3P0]
        if self.spec.micro_credential is not None:
            contexts.append(extension_context())
        self.contexts = freeze(contexts)
        # an assessment record needs the extension's terms even where the definition has no
        # EU elements of its own
        self.assessed_contexts = freeze([VC_V2, OB_V3P0, extension_context()])
        self.profile = freeze(profile_document(issuer))
        self.achievement = freeze(achievement_document(version, uri))

    def document(
        self,
        *,
        credential_id: str,
        request: AwardRequest,
        issued_at: dt.datetime,
        salt: str,
        status: list[dict[str, Any]] | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The unsigned ``OpenBadgeCredential`` for one award (see ``credential_document``)."""
        recipient = request.recipient
        subject: dict[str, Any] = {
            "id": recipient.did,
            "type": ["AchievementSubject"],
            "identifier": _identifiers(recipient, salt) or None,
            "achievement": self.achievement,
            "narrative": request.narrative,
            "result": _results(self.spec, self.uri, request),
            "assessmentRecord": assessment_document(request.assessment)
            if request.assessment
            else None,
        }
        issued = xsd_date_time(issued_at)
        document: dict[str, Any] = {
            "@context": self.assessed_contexts if request.assessment else self.contexts,
            "id": credential_id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": self.profile,
            "validFrom": issued,
            "validUntil": xsd_date_time(request.valid_until) if request.valid_until else None,
            "awardedDate": issued,
            "name": self.spec.name,
            "credentialSubject": _drop_none(subject),
            "evidence": _evidence(request),
            "credentialStatus": status or None,
        }
        return _drop_none(document)


def credential_document(
    *,
    credential_id: str,
    issuer: Issuer,
    version: AchievementVersion,
    uri: str,
    request: AwardRequest,
    issued_at: dt.datetime,
    salt: str,
    status: list[dict[str, Any]] | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` for one award.

    ``salt`` salts the recipient's e-mail hash (OB 3.0 IdentityObject); time and salt are
    parameters so that the same inputs always give the same document. Issuing many, build a
    ``CredentialTemplate`` once and call its ``document``.
    """
    return CredentialTemplate(issuer, version, uri).document(
        credential_id=credential_id,
        request=request,
        issued_at=issued_at,
        salt=salt,
        status=status,
    )


def _results(spec: AchievementSpec, uri: str, request: AwardRequest) -> list[dict[str, Any]] | None:
    results = []
    if request.result is not None:
        result: dict[str, Any] = {"type": ["Result"], "value": request.result}
        description = spec.result_description(request.result_id)
        if description is not None:
            result["resultDescription"] = result_description_id(uri, description.id)
        results.append(result)
    described = {description.id for description in spec.result_descriptions}
    for earned in request.results:
        # matched by id: a result description with the requirement's (or criterion's) id
        result = {"type": ["Result"], "value": earned.value}
        if earned.key in described:
            result["resultDescription"] = result_description_id(uri, earned.key)
        results.append(result)
    return results or None


def _evidence(request: AwardRequest) -> list[dict[str, Any]] | None:
    items: list[dict[str, Any]] = []
    if request.evidence_url:
        items.append({"id": request.evidence_url, "type": ["Evidence"]})
    for item in request.evidence:
        document = {
            "id": item.url,
            "type": ["Evidence"],
            "name": item.name,
            "description": item.description,
            "narrative": item.narrative,
            "genre": item.genre,
        }
        items.append(_drop_none(document))
    return items or None


def _drop_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}
