"""``ob.clr_bundle.clr_document``: the same inputs give the same CLR, and bad inputs are named."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import InvalidInputError
from credstack.domain.issuers import Address, Issuer
from credstack.ob import validate_credential
from credstack.ob.awards_v3p0 import CredentialTemplate
from credstack.ob.clr_bundle import associations, clr_document
from credstack.services.award_signing import CohortSigner, SignedCredential, SigningRow
from credstack.vc import Ed25519KeyPair, did_key_for, sign_credential, verify_proofs

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
LEARNER = Recipient(email="ann@example.org")


def _key() -> Ed25519KeyPair:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def _issuer(key: Ed25519KeyPair) -> Issuer:
    return Issuer(
        id="acme",
        name="ACME",
        did=key.controller,
        address=Address(country_code="DE"),
        created_at=NOW,
    )


def _signed(achievement: str, name: str) -> dict[str, Any]:
    key = _key()
    spec = AchievementSpec(id=achievement, name=name, description="A course.", criteria="Pass.")
    version = AchievementVersion(achievement, "acme", 1, Status.PUBLISHED, spec, NOW)
    signer = CohortSigner(CredentialTemplate(_issuer(key), version, f"urn:x:{achievement}"), key)
    row = SigningRow(f"urn:uuid:{achievement}", AwardRequest(achievement, LEARNER), "s", None, None)
    (signed,) = signer.sign([row], NOW)
    assert isinstance(signed, SignedCredential)
    document: dict[str, Any] = json.loads(signed.text)
    return document


def _bundle(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:clr-1",
        "issuer": _issuer(_key()),
        "learner": LEARNER,
        "salt": "salt",
        "target": _signed("cert", "Certificate"),
        "components": [_signed("a", "Course A"), _signed("b", "Course B")],
        "issued_at": NOW,
    }
    return clr_document(**(arguments | changes))


def test_same_inputs_give_the_same_document_and_inputs_are_not_touched() -> None:
    target = _signed("cert", "Certificate")
    components = [_signed("a", "Course A"), _signed("b", "Course B")]
    before = copy.deepcopy([target, *components])
    first = _bundle(target=target, components=components)
    second = _bundle(target=target, components=components)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert [target, *components] == before
    # the document holds copies: changing it leaves the caller's credentials alone
    first["credentialSubject"]["verifiableCredential"][0]["name"] = "changed"
    assert target["name"] == "Certificate"
    # what varies is only what is passed in
    assert _bundle(salt="other") != first
    assert _bundle(issued_at=NOW + dt.timedelta(seconds=1))["validFrom"] == "2026-12-01T09:00:01Z"


def test_document_is_a_valid_clr_whose_embedded_proofs_survive_signing() -> None:
    document = _bundle()
    assert validate_credential(document) == []
    assert document["name"] == "Certificate with its components"
    assert _bundle(name="My record")["name"] == "My record"
    signed = sign_credential(document, _key(), created=NOW)
    assert all(r.verified for r in verify_proofs(signed, now=NOW))
    for embedded in signed["credentialSubject"]["verifiableCredential"]:
        assert all(r.verified for r in verify_proofs(embedded, now=NOW))


def test_a_learner_by_did_is_the_subject_id() -> None:
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    subject = _bundle(learner=Recipient(did=did))["credentialSubject"]
    assert subject["id"] == did
    assert "identifier" not in subject


def test_two_credentials_of_one_achievement_are_listed_and_associated_once() -> None:
    components = [_signed("a", "Course A"), _signed("a", "Course A")]
    subject = _bundle(components=components)["credentialSubject"]
    assert len(subject["verifiableCredential"]) == 3
    assert [a["id"] for a in subject["achievement"]] == ["urn:x:cert", "urn:x:a"]
    assert associations("urn:x:cert", ["urn:x:a", "urn:x:a"]) == subject["association"]
    assert len(subject["association"]) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"components": [{"type": ["VerifiableCredential"]}]}, "component 1 is not a signed"),
        ({"target": {"proof": {"type": "DataIntegrityProof"}}}, "target credential names no"),
        ({"components": [_signed("cert", "Again")]}, "is the target's own achievement"),
    ],
)
def test_bad_inputs_are_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _bundle(**changes)
