"""What the platform issues is accepted by Digital Bazaar's stack, extension and all.

A platform credential carries more than the hand-written samples of test_node_interop.py:
the inline micro-credential context (EU elements), a salted e-mail hash, a result against a
result description, evidence, alignments and non-ASCII text. Node must verify credstack's
proof, sign the same bytes (same proofValue), and reject a change to an extension term.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.issuers import Address, Issuer
from credstack.ob.awards_v3p0 import achievement_uri, credential_document
from credstack.vc import sign_credential
from tests.interop.test_node_interop import CREATED, SEED, issuer_key

if TYPE_CHECKING:
    from tests.interop.conftest import NodeVC

pytestmark = pytest.mark.interop

SPEC = {
    "id": "pflege-digital",
    "name": "Digitale Pflegedokumentation – Grundlagen",
    "description": "Dokumentiert Pflegeprozesse digital und datenschutzkonform. Ça marche. 数据",
    "criteria": "Bestandene Fallstudie (≥ 60 %).",
    "alignments": [
        {
            "target_name": "Pflegedokumentation",
            "target_url": "https://skills.example/pflege/doku",
            "target_framework": "ESCO",
        }
    ],
    "tags": ["Pflege", "digital"],
    "language": "de",
    "credits_available": 2.5,
    "result_descriptions": [
        {"id": "note", "name": "Note", "result_type": "LetterGrade", "allowed_values": ["1", "2"]}
    ],
    "micro_credential": {
        "learning_outcomes": ["Erstellt eine vollständige digitale Pflegeakte."],
        "workload_hours": 62.5,
        "ects": 2.5,
        "eqf_level": 4,
        "assessment_type": "Fallstudie",
        "participation_form": "blended",
        "quality_assurance": "AZAV-zertifiziert",
        "supervision": "supervised-onsite-with-identity-verification",
        "stackability": "stackable",
    },
}


def platform_credential() -> dict[str, Any]:
    key = issuer_key()
    issuer = Issuer(
        id="pflegeschule",
        name="Pflegeschule Süd",
        did=key.controller,
        address=Address("DE", "Deutschland", locality="München"),
        created_at=CREATED,
    )
    version = AchievementVersion(
        "pflege-digital",
        "pflegeschule",
        1,
        Status.PUBLISHED,
        AchievementSpec.model_validate(SPEC),
        CREATED,
    )
    request = AwardRequest(
        "pflege-digital",
        Recipient(email="jürgen@example.org", name="Jürgen Groß"),
        narrative="Fallstudie „Station 3“ mit Auszeichnung.",
        evidence_url="https://pflegeschule.example/evidence/42",
        result="1",
        valid_until=dt.datetime(2029, 5, 1, tzinfo=dt.UTC),
    )
    return credential_document(
        credential_id="urn:uuid:0b6bde1c-5a43-4b8c-9d8e-3c1f2a4b5c6d",
        issuer=issuer,
        version=version,
        uri=achievement_uri(version),
        request=request,
        issued_at=CREATED,
        salt="5f1c8a",
    )


def test_node_verifies_a_platform_credential(node_vc: NodeVC) -> None:
    signed = sign_credential(platform_credential(), issuer_key(), created=CREATED)
    assert isinstance(signed["@context"][2], dict), "the extension context travels inline"

    verdict = node_vc.verify(signed)

    assert verdict.verified, f"Node rejected a platform credential: {verdict.error}"


def test_node_signs_the_same_bytes(node_vc: NodeVC) -> None:
    ours = sign_credential(platform_credential(), issuer_key(), created=CREATED)
    theirs = node_vc.sign(platform_credential(), SEED, created=CREATED)

    assert theirs["proof"]["proofValue"] == ours["proof"]["proofValue"]


def test_node_rejects_a_changed_extension_term(node_vc: NodeVC) -> None:
    signed = sign_credential(platform_credential(), issuer_key(), created=CREATED)
    forged = json.loads(json.dumps(signed))  # its shared parts are frozen: a mutable copy
    forged["credentialSubject"]["achievement"]["microCredential"]["eqfLevel"] = 7

    assert not node_vc.verify(forged).verified
