"""The cohort signer: plain data that travels to worker processes, one result per row."""

from __future__ import annotations

import datetime as dt
import json
import pickle

from credstack.domain.achievements import AchievementSpec, AchievementVersion, Status
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.issuers import Address, Issuer
from credstack.domain.status_indexes import index_for_position
from credstack.ob.awards_v3p0 import CredentialTemplate
from credstack.services.award_signing import (
    CohortSigner,
    SignedCredential,
    SigningFailure,
    SigningRow,
    serialize_credential,
)
from credstack.services.status import PendingSlot, StatusLinks, StatusSlot
from credstack.vc import Ed25519KeyPair, did_key_for, verify_proofs
from credstack.vc.frozen import freeze

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _signer() -> CohortSigner:
    key = Ed25519KeyPair.generate()
    did = did_key_for(key.public_key)
    key = key.with_id(f"{did}#{key.public_multibase}", did)
    issuer = Issuer(
        id="acme", name="ACME", did=did, address=Address(country_code="DE"), created_at=NOW
    )
    spec = AchievementSpec(id="course", name="Course", description="A course.", criteria="Pass.")
    version = AchievementVersion("course", "acme", 1, Status.PUBLISHED, spec, NOW)
    return CohortSigner(CredentialTemplate(issuer, version, "urn:uuid:course"), key)


def _text(signed: object) -> str:
    assert isinstance(signed, SignedCredential)
    return signed.text


def _row(n: int) -> SigningRow:
    request = AwardRequest("course", Recipient(email=f"l{n}@example.org"), source_id=str(n))
    return SigningRow(f"urn:uuid:00000000-0000-4000-8000-{n:012d}", request, f"salt{n}", None, None)


def test_rows_are_signed_in_order_and_verify() -> None:
    texts = [_text(s) for s in _signer().sign([_row(1), _row(2)], NOW)]
    assert [json.loads(t)["id"][-1] for t in texts] == ["1", "2"]
    for text in texts:
        assert all(r.verified for r in verify_proofs(json.loads(text), now=NOW))


def test_a_signer_survives_pickling_without_its_key_object() -> None:
    signer = _signer()
    travelled = pickle.loads(pickle.dumps(signer))
    assert travelled._key is None  # rebuilt from the seed where it is used
    (text,) = travelled.sign([_row(3)], NOW)
    (same,) = signer.sign([_row(3)], NOW)
    assert _text(text) == _text(same)  # Ed25519 is deterministic: the same key signed


_BAD_LINKS = StatusLinks((("revocation", "relative/list.json"),), single=True)


def test_the_status_index_is_worked_out_by_the_signer() -> None:
    key = bytes(range(32))
    links = StatusLinks((("revocation", "https://x.example/status/1/revocation.json"),), False)
    row = SigningRow(
        "urn:uuid:y", _row(7).request, "salt", PendingSlot(4, 1, 9, key, 131072), links
    )
    (signed,) = _signer().sign([row], NOW)
    assert isinstance(signed, SignedCredential)
    index = index_for_position(key, 9, 131072)
    assert signed.slot == StatusSlot(4, 1, index)
    (entry,) = json.loads(signed.text)["credentialStatus"]
    assert entry["statusListIndex"] == str(index)
    assert entry["id"] == f"https://x.example/status/1/revocation.json#{index}"


def test_a_row_that_cannot_be_signed_is_a_failure_and_the_others_are_signed() -> None:
    signer = _signer()
    bad = SigningRow("urn:uuid:x", _row(4).request, "salt", StatusSlot(1, 1, 5), _BAD_LINKS)
    results = signer.sign([_row(5), bad, _row(6)], NOW)
    assert isinstance(results[1], SigningFailure)
    assert "relative" in results[1].message
    assert all(isinstance(r, SignedCredential) for r in (results[0], results[2]))


def test_the_stored_text_is_compact_json_even_for_big_integers() -> None:
    assert serialize_credential({"a": "é", "n": [1, 2.5]}) == '{"a":"é","n":[1,2.5]}'
    assert json.loads(serialize_credential(freeze({"big": 2**70}))) == {"big": 2**70}


def test_rows_and_results_travel_as_flat_tuples_and_come_back_equal() -> None:
    until = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    request = AwardRequest(
        "course", Recipient(did="did:example:x", name="X"), "narr", "https://e.org/1", "A",
        "grade", until, "r9",
    )  # fmt: skip
    links = StatusLinks((("revocation", "https://x.example/1/revocation.json"),), single=True)
    rows = [
        SigningRow("urn:a", request, "s1", PendingSlot(1, 2, 3, b"k" * 32, 16), links),
        SigningRow("urn:b", _row(1).request, "s2", StatusSlot(1, 2, 9), links),
        SigningRow("urn:c", _row(2).request, "s3", None, None),
    ]
    assert pickle.loads(pickle.dumps(rows)) == rows
    signed = [SignedCredential("{}", StatusSlot(1, 2, 3)), SignedCredential("{}", None)]
    assert pickle.loads(pickle.dumps(signed)) == signed
    assert pickle.loads(pickle.dumps(SigningFailure("no"))) == SigningFailure("no")
