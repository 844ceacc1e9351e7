"""The verification report on credentials credstack makes: every form, every failure."""

from __future__ import annotations

import copy
import datetime as dt
import struct
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack.ob import schema_errors
from credstack.vc import (
    Ed25519KeyPair,
    MappingFetcher,
    Outcome,
    ProofError,
    Verdict,
    bake,
    decode_jwt,
    did_key_for,
    did_web_document,
    did_web_for,
    did_web_url,
    sign_credential,
    sign_jwt,
    verify,
)
from tests.conftest import load_json
from tests.conftest import ob_badge as badge

NOW = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CREATED = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


def did_key_issuer() -> Ed25519KeyPair:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def outcomes(report: Any) -> dict[str, Outcome]:
    return {c.name: c.outcome for c in report.checks}


def test_a_fresh_did_key_credential_is_valid_in_every_check() -> None:
    key = did_key_issuer()
    signed = sign_credential(badge(key.controller), key, created=CREATED)
    report = verify(signed, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert [c.name for c in report.checks] == [
        "parse",
        "contexts",
        "json-ld",
        "data model",
        "proof",
        "key authorised",
        "issuer match",
        "validity",
    ]
    assert all(c.outcome is Outcome.PASSED for c in report.checks)


@pytest.mark.parametrize("form", ["json text", "bytes", "png", "svg"])
def test_every_form_of_the_same_credential_verifies(form: str) -> None:
    key = did_key_issuer()
    signed = sign_credential(badge(key.controller), key, created=CREATED)
    import json

    text = json.dumps(signed)
    data: Any = {
        "json text": text,
        "bytes": text.encode(),
        "png": bake(tiny_png(), signed),
        "svg": bake(b'<svg xmlns="http://www.w3.org/2000/svg"/>', signed),
    }[form]
    report = verify(data, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert report.credential == signed


def test_a_jwt_credential_verifies() -> None:
    key = did_key_issuer()
    token = sign_jwt(badge(key.controller), key, kid=key.id)
    report = verify(token, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert report.format == "jwt"


def test_an_rs256_jwt_with_an_embedded_key() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_jwt(
        badge("https://issuer.example/profile"),
        private,
        kid="https://issuer.example/k",
        embed_jwk=True,
    )
    report = verify(token, now=NOW)
    assert outcomes(report)["proof"] is Outcome.PASSED, report.to_dict()


def test_tampering_is_reported_as_a_failed_proof() -> None:
    key = did_key_issuer()
    signed = sign_credential(badge(key.controller), key, created=CREATED)
    signed["credentialSubject"]["achievement"]["name"] = "Statistics 999"
    report = verify(signed, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert outcomes(report)["proof"] is Outcome.FAILED


def test_a_key_of_someone_else_than_a_did_issuer_fails() -> None:
    key = did_key_issuer()
    other = Ed25519KeyPair.generate()
    signed = sign_credential(badge(did_key_for(other.public_key)), key, created=CREATED)
    report = verify(signed, now=NOW)
    assert outcomes(report)["issuer match"] is Outcome.FAILED


def test_did_web_issuer_through_the_fetcher() -> None:
    did = did_web_for("issuer.example")
    key = Ed25519KeyPair.from_seed(bytes(32)).with_id(f"{did}#key-1", did)
    signed = sign_credential(badge(did), key, created=CREATED)
    fetcher = MappingFetcher({did_web_url(did): did_web_document(did, [key])})
    assert verify(signed, now=NOW, fetcher=fetcher).verdict is Verdict.VALID
    offline = verify(signed, now=NOW)
    assert offline.verdict is Verdict.INVALID  # did:web#key-1 names no key without the document


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"validUntil": "2026-02-01T00:00:00Z"}, "expired"),
        ({"validFrom": "2030-01-01T00:00:00Z"}, "not valid until"),
        ({"validFrom": "yesterday"}, "not a date-time"),
    ],
)
def test_validity_period(extra: dict[str, str], words: str) -> None:
    key = did_key_issuer()
    signed = sign_credential(badge(key.controller, **extra), key, created=CREATED)
    report = verify(signed, now=NOW)
    [check] = [c for c in report.checks if c.name == "validity"]
    assert check.outcome is Outcome.FAILED
    assert words in check.message


def test_no_proof_and_unknown_context() -> None:
    unsigned = badge("did:example:issuer")
    assert outcomes(verify(unsigned, now=NOW))["proof"] is Outcome.FAILED
    evil = copy.deepcopy(unsigned)
    evil["@context"].append("https://evil.example/context.json")
    report = verify(evil, now=NOW)
    assert outcomes(report)["contexts"] is Outcome.FAILED
    assert "evil.example" in report.to_dict()["checks"][1]["message"]


def test_status_without_a_hook_is_not_checked() -> None:
    key = did_key_issuer()
    status = {
        "id": "https://issuer.example/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://issuer.example/status/1",
    }
    credential = badge(key.controller, credentialStatus=status)
    credential["@context"].insert(1, "https://www.w3.org/ns/credentials/status/v1")
    del credential["@context"][1]
    signed = sign_credential(credential, key, created=CREATED)
    report = verify(signed, now=NOW)
    assert outcomes(report)["status"] is Outcome.NOT_CHECKED
    assert report.verdict is Verdict.VALID


def test_endorsements_are_verified_too() -> None:
    key = did_key_issuer()
    endorsement = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0e1c2a8e-0d6e-4f1a-9c55-1d2f3e4a5b6c",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "Accreditor"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Accredited",
        "credentialSubject": {
            "id": "https://example.org/achievements/stats-101",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Meets the standard.",
        },
    }
    signed_endorsement = sign_credential(endorsement, key, created=CREATED)
    good = sign_credential(
        badge(key.controller, endorsement=[signed_endorsement]), key, created=CREATED
    )
    assert verify(good, now=NOW).verdict is Verdict.VALID
    forged = copy.deepcopy(signed_endorsement)
    forged["credentialSubject"]["endorsementComment"] = "Outstanding!"
    bad = sign_credential(badge(key.controller, endorsement=[forged]), key, created=CREATED)
    report = verify(bad, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert any(c.name == "endorsements" for c in report.errors)


@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["@context", "type", "proof", "issuer"]), inner)
            ),
            max_leaves=10,
        ),
    )
)
@settings(max_examples=300)
def test_verify_never_raises(data: Any) -> None:
    report = verify(data, now=NOW)
    assert report.checks
    assert all(c.name != "internal" for c in report.checks), report.to_dict()


def test_vc_jwt_typ_is_available_for_vc_jose_relying_parties() -> None:
    key = did_key_issuer()
    token = sign_jwt(badge(key.controller), key, kid=key.id, typ="vc+jwt")
    assert decode_jwt(token).header["typ"] == "vc+jwt"
    assert verify(token, now=NOW).verdict is Verdict.VALID
    with pytest.raises(ProofError, match="typ"):
        sign_jwt(badge(key.controller), key, kid=key.id, typ="vp+jwt")


def test_what_credstack_emits_passes_the_1edtech_json_schema() -> None:
    schema = load_json("schemas", "ob_v3p0_achievementcredential_schema.json")
    key = did_key_issuer()
    signed = sign_credential(badge(key.controller), key, created=CREATED)
    assert schema_errors(signed, schema) == []
    report = verify(signed, now=NOW, schemas={SCHEMA_URL: schema})
    assert report.verdict is Verdict.VALID
    # The validator type is defined by the OB extensions context, not the main one.
    entry = {"id": SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    with_schema = badge(key.controller, credentialSchema=[entry])
    with_schema["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    signed = sign_credential(with_schema, key, created=CREATED)
    report = verify(signed, now=NOW, schemas={SCHEMA_URL: schema})
    assert outcomes(report)["schema"] is Outcome.PASSED, report.to_dict()
    broken = copy.deepcopy(signed)
    del broken["issuer"]
    assert outcomes(verify(broken, now=NOW, schemas={SCHEMA_URL: schema}))["schema"] is (
        Outcome.FAILED
    )


def _plain_vc(issuer: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


def test_a_plain_verifiable_credential_verifies_with_a_warning_that_it_is_no_badge() -> None:
    # a verifier takes any VC: OB's rules apply to OB and CLR credentials only
    key = did_key_issuer()
    signed = sign_credential(_plain_vc(key.controller), key, created=CREATED)
    report = verify(signed, now=NOW)
    model = next(c for c in report.checks if c.name == "data model")
    assert model.outcome is Outcome.WARNING
    assert "not an Open Badge" in model.message
    assert report.verdict is Verdict.VALID_WITH_WARNINGS
    assert outcomes(report)["proof"] is Outcome.PASSED


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"type": ["OtherCredential"]}, "type: must include VerifiableCredential"),
        ({"credentialSubject": []}, "credentialSubject: must be one or more objects"),
        ({"issuer": "Example University"}, "issuer: must be a URL"),
        ({"validFrom": "yesterday"}, "validFrom: must be an XSD date-time"),
        ({"id": "not a url"}, "id: must be a URL"),
    ],
)
def test_a_plain_credential_must_follow_the_vc_data_model(
    change: dict[str, Any], problem: str
) -> None:
    report = verify({**_plain_vc("did:example:issuer"), **change}, now=NOW)
    model = next(c for c in report.checks if c.name == "data model")
    assert model.outcome is Outcome.FAILED
    assert model.message.startswith(problem)
