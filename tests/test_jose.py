"""VC-JWT (OB 3.0 §8.2): signing, decoding and verifying compact JWS credentials.

Besides round trips, every rule a verifier must enforce has a negative case here: unsigned and
unknown algorithms, algorithm/key confusion, tampering, malformed tokens (which must produce an
error, never an exception), and each claim that must agree with the credential. The 1EdTech
validator's own sample tokens are decoded and, where their key travels with them, verified.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack.vc.dids import ResolvedMethod, did_key_for
from credstack.vc.errors import KeyFormatError, ProofError
from credstack.vc.fetching import MappingFetcher
from credstack.vc.jose import (
    EMBEDDED_JWK,
    JwtVerification,
    decode_jwt,
    jwt_claims_for,
    sign_jwt,
    verify_jwt,
)
from credstack.vc.keys import Ed25519KeyPair
from credstack.vc.multibase import b64url_encode
from tests.conftest import shared_path

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER = "https://example.edu/issuers/565049"
KID = f"{ISSUER}#key-1"
SUBJECT = "did:example:ebfeb1f712ebc6f1c276e12ec21"
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
SAMPLES = ("conformance", "ob30-validator-samples")


def credential(issuer: str = ISSUER, **extra: Any) -> dict[str, Any]:
    """A small OB 3.0 (VC 2.0) credential issued on 2024-01-01."""
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example University"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {"id": SUBJECT, "type": ["AchievementSubject"]},
        **extra,
    }


def credential_v1(**extra: Any) -> dict[str, Any]:
    """The same credential in VC 1.1 form (issuanceDate, expirationDate)."""
    cred = credential(**extra)
    cred["@context"] = [VC_V1, "https://purl.imsglobal.org/spec/ob/v3p0/context.json"]
    cred["issuanceDate"] = cred.pop("validFrom")
    return cred


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def ed_key() -> Ed25519KeyPair:
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def resolver(method: ResolvedMethod) -> Callable[[str], ResolvedMethod]:
    """A resolve_method that knows one verification method and refuses every other."""

    def resolve(vm_id: str) -> ResolvedMethod:
        assert vm_id == method.id, f"asked for {vm_id}"
        return method

    return resolve


def rsa_method(key: rsa.RSAPrivateKey, vm_id: str = KID) -> ResolvedMethod:
    return ResolvedMethod(vm_id, ISSUER, key.public_key(), True)


def segment(value: Any) -> str:
    return b64url_encode(json.dumps(value).encode())


def raw_token(header: Any, payload: Any, sign: Callable[[bytes], bytes] | None = None) -> str:
    """A token built by hand, for the cases ``sign_jwt`` rightly refuses to produce."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64url_encode(signature)}"


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    decoded = decode_jwt(token)
    return decoded.header, decoded.payload


def assert_error(result: JwtVerification, fragment: str) -> None:
    assert not result.verified
    assert any(fragment in e for e in result.errors), result.errors


# --- round trips -------------------------------------------------------------------------------


def test_eddsa_round_trip_with_did_key_resolved_offline(ed_key: Ed25519KeyPair) -> None:
    cred = credential(issuer=ed_key.controller)
    token = sign_jwt(cred, ed_key, kid=ed_key.id)
    header, payload = parts(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": ed_key.id}
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert result.errors == result.warnings == ()
    assert result.credential == cred | {k: payload[k] for k in ("iss", "jti", "sub", "nbf")}
    assert result.key_id == ed_key.id
    assert result.method is not None
    assert result.method.authorized is True


def test_rs256_round_trip_with_kid(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid=KID)
    header, _ = parts(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": KID}
    result = verify_jwt(token, now=NOW, resolve_method=resolver(rsa_method(rsa_key)))
    assert result.verified, result.errors
    assert (result.key_id, result.warnings) == (KID, ())


def test_validator_form_is_rs256_with_jwk_only(rsa_key: rsa.RSAPrivateKey) -> None:
    """The shape of the 1EdTech validator's valid samples: RS256, jwk header, no kid."""
    token = sign_jwt(credential(), rsa_key, kid="", embed_jwk=True)
    header, payload = parts(token)
    assert set(header) == {"alg", "typ", "jwk"}
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    assert set(header["jwk"]) == {"kty", "n", "e"}
    assert payload["@context"] == [VC_V2, OB_V3]  # the credential itself is the payload
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert result.key_id == EMBEDDED_JWK
    assert any("nothing ties it to" in w for w in result.warnings)


def test_kid_and_jwk_offline_falls_back_to_jwk_with_warning(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid=KID, embed_jwk=True)
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert result.key_id == EMBEDDED_JWK
    assert any("without fetching" in w for w in result.warnings)


def test_kid_resolved_through_issuer_profile(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid=KID, embed_jwk=True)
    jwk = decode_jwt(token).header["jwk"]
    profile = {
        "id": ISSUER,
        "verificationMethod": [
            {"id": KID, "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [KID],
    }
    fetcher = MappingFetcher({ISSUER: profile})
    result = verify_jwt(token, now=NOW, fetcher=fetcher)
    assert result.verified, result.errors
    assert result.warnings == ()
    assert result.key_id == KID
    assert result.method is not None
    assert result.method.authorized is True
    assert fetcher.requests == [ISSUER]  # read once, though tried as a JWK first


@pytest.mark.parametrize("shape", ["bare", "set"])
def test_kid_url_serving_a_jwk(rsa_key: rsa.RSAPrivateKey, shape: str) -> None:
    """What the spec calls dereferencing kid "to an object of type JWK" (OB 3.0 §8.2.3)."""
    kid = "https://example.edu/keys#key-1"
    jwk = decode_jwt(sign_jwt(credential(), rsa_key, kid="", embed_jwk=True)).header["jwk"]
    document = jwk if shape == "bare" else {"keys": [{"kid": "other"}, {**jwk, "kid": "key-1"}]}
    token = sign_jwt(credential(), rsa_key, kid=kid)
    fetcher = MappingFetcher({"https://example.edu/keys": document})
    result = verify_jwt(token, now=NOW, fetcher=fetcher)
    assert result.verified, result.errors
    assert result.key_id == kid
    assert any("bare JWK" in w for w in result.warnings)


def test_es256_token_verifies() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    cred = credential()
    token = raw_token({"alg": "ES256", "jwk": jwk}, {**cred, **jwt_claims_for(cred)}, sign)
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    der = raw_token(
        {"alg": "ES256", "jwk": jwk},
        {**cred, **jwt_claims_for(cred)},
        lambda data: key.sign(data, ec.ECDSA(SHA256())),
    )
    assert_error(verify_jwt(der, now=NOW), "signature does not verify")  # DER, not r || s


def test_relative_kid_is_resolved_against_iss(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid="#key-1")
    result = verify_jwt(token, now=NOW, resolve_method=resolver(rsa_method(rsa_key)))
    assert result.verified, result.errors
    assert result.key_id == KID


# --- claims and payload shape ------------------------------------------------------------------


def test_claims_for_vc2_credential() -> None:
    cred = credential(validUntil="2030-01-01T00:00:00.750Z")
    cred["validFrom"] = "2024-01-01T00:00:00.900+00:00"
    assert jwt_claims_for(cred) == {
        "iss": ISSUER,
        "jti": cred["id"],
        "sub": SUBJECT,
        "nbf": 1704067200,  # rounded down: nbf never lies after validFrom
        "exp": 1893456000,
    }


def test_claims_for_vc1_credential_use_issuance_and_expiration_dates() -> None:
    cred = credential_v1(expirationDate="2030-01-01T00:00:00Z")
    cred["validFrom"] = "2000-01-01T00:00:00Z"  # a VC 2.0 name in a VC 1.1 credential: ignored
    claims = jwt_claims_for(cred)
    assert (claims["nbf"], claims["exp"]) == (1704067200, 1893456000)


def test_claims_for_string_issuer_and_several_subjects() -> None:
    cred = credential()
    cred["issuer"] = ISSUER
    cred["credentialSubject"] = [{"id": "did:example:a"}, {"id": "did:example:b"}]
    assert set(jwt_claims_for(cred)) == {"iss", "jti", "nbf"}


def test_claims_for_refuses_a_malformed_date() -> None:
    with pytest.raises(ProofError, match="validFrom"):
        jwt_claims_for(credential(validFrom="1 Jan 2024"))


def test_vc1_credential_is_signed_under_the_vc_claim(ed_key: Ed25519KeyPair) -> None:
    cred = credential_v1()
    cred["issuer"]["id"] = ed_key.controller
    _, payload = parts(sign_jwt(cred, ed_key, kid=ed_key.id))
    assert payload["vc"] == cred
    assert set(payload) == {"vc", "iss", "jti", "sub", "nbf"}
    result = verify_jwt(sign_jwt(cred, ed_key, kid=ed_key.id), now=NOW)
    assert result.verified, result.errors
    assert result.credential == cred


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"proof": {"type": "DataIntegrityProof"}}, "already carries a proof"),
        ({"id": None}, "required claims ['jti']"),
        ({"validFrom": None}, "required claims ['nbf']"),
        ({"iss": "https://evil.example"}, "clash with JWT claims"),
    ],
)
def test_sign_refuses(ed_key: Ed25519KeyPair, change: dict[str, Any], message: str) -> None:
    cred = {k: v for k, v in {**credential(), **change}.items() if v is not None}
    with pytest.raises(ProofError, match=re.escape(message)):
        sign_jwt(cred, ed_key, kid=ed_key.id)


def test_sign_needs_kid_or_jwk(ed_key: Ed25519KeyPair) -> None:
    with pytest.raises(ProofError, match="kid or a jwk"):
        sign_jwt(credential(), ed_key, kid="")


def test_sign_refuses_weak_or_unknown_keys() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyFormatError, match="2048"):
        sign_jwt(credential(), weak, kid=KID)
    with pytest.raises(KeyFormatError, match="cannot sign"):
        sign_jwt(credential(), ec.generate_private_key(ec.SECP256R1()), kid=KID)  # type: ignore[arg-type]


# --- tampering and algorithms ------------------------------------------------------------------


def test_tampered_payload_is_not_verified(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid="", embed_jwk=True)
    header, _, signature = token.split(".")
    forged = {**decode_jwt(token).payload, "name": "Forged Badge"}
    result = verify_jwt(f"{header}.{segment(forged)}.{signature}", now=NOW)
    assert_error(result, "signature does not verify")
    assert result.credential is not None
    assert result.credential["name"] == "Forged Badge"  # shown, but not verified


def test_flipped_signature_byte_is_not_verified(ed_key: Ed25519KeyPair) -> None:
    token = sign_jwt(credential(issuer=ed_key.controller), ed_key, kid=ed_key.id)
    head, _, signature = token.rpartition(".")
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    assert_error(verify_jwt(f"{head}.{flipped}", now=NOW), "signature does not verify")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(alg: str) -> None:
    cred = credential()
    token = raw_token({"alg": alg, "typ": "JWT"}, {**cred, **jwt_claims_for(cred)})
    result = verify_jwt(token, now=NOW)
    assert_error(result, "'none' is refused")


@pytest.mark.parametrize("alg", ["HS256", "RS512", "PS256", "ES384", "EdDSA25519", ""])
def test_unsupported_algs_are_refused(alg: str, rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid="", embed_jwk=True)
    header, payload = parts(token)
    forged = raw_token({**header, "alg": alg}, payload, lambda data: b"x" * 32)
    assert_error(verify_jwt(forged, now=NOW), "not supported")


def test_alg_key_confusion_is_refused(ed_key: Ed25519KeyPair, rsa_key: rsa.RSAPrivateKey) -> None:
    cred = credential(issuer=ed_key.controller)
    payload = {**cred, **jwt_claims_for(cred)}
    confused = raw_token({"alg": "RS256", "kid": ed_key.id}, payload, ed_key.sign)
    assert_error(verify_jwt(confused, now=NOW), "algorithm/key confusion")
    token = sign_jwt(credential(), rsa_key, kid="", embed_jwk=True)
    header, payload = parts(token)
    as_ec = raw_token({**header, "alg": "ES256"}, payload, lambda data: b"\1" * 64)
    assert_error(verify_jwt(as_ec, now=NOW), "needs a P-256 key")


def test_crit_header_is_refused(ed_key: Ed25519KeyPair) -> None:
    cred = credential(issuer=ed_key.controller)
    header = {"alg": "EdDSA", "kid": ed_key.id, "crit": ["b64"], "b64": False}
    token = raw_token(header, {**cred, **jwt_claims_for(cred)}, ed_key.sign)
    assert_error(verify_jwt(token, now=NOW), "crit")


@pytest.mark.parametrize(
    ("typ", "accepted"),
    [
        ("JWT", True),
        ("vc+jwt", True),
        ("application/vc+ld+json+jwt", True),
        ("vp+jwt", False),
        ("dc+sd-jwt", False),
        (7, False),
    ],
)
def test_typ(ed_key: Ed25519KeyPair, typ: Any, accepted: bool) -> None:
    cred = credential(issuer=ed_key.controller)
    header = {"alg": "EdDSA", "typ": typ, "kid": ed_key.id}
    result = verify_jwt(raw_token(header, {**cred, **jwt_claims_for(cred)}, ed_key.sign), now=NOW)
    assert result.verified is accepted, result.errors


def test_private_jwk_is_refused(ed_key: Ed25519KeyPair) -> None:
    cred = credential(issuer=ed_key.controller)
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(ed_key.public_key.public_bytes_raw()),
        "d": b64url_encode(ed_key.seed),
    }
    token = raw_token({"alg": "EdDSA", "jwk": jwk}, {**cred, **jwt_claims_for(cred)}, ed_key.sign)
    assert_error(verify_jwt(token, now=NOW), "private or secret key members ['d']")


def test_jwk_that_is_not_the_kid_key_is_refused(
    ed_key: Ed25519KeyPair, rsa_key: rsa.RSAPrivateKey
) -> None:
    other = sign_jwt(credential(), Ed25519KeyPair.generate(), kid="", embed_jwk=True)
    cred = credential(issuer=ed_key.controller)
    header = {"alg": "EdDSA", "kid": ed_key.id, "jwk": decode_jwt(other).header["jwk"]}
    token = raw_token(header, {**cred, **jwt_claims_for(cred)}, ed_key.sign)
    assert_error(verify_jwt(token, now=NOW), "not the key that kid names")


def test_key_of_another_controller_is_refused(ed_key: Ed25519KeyPair) -> None:
    """A did:key that signs for somebody else's issuer id proves nothing about that issuer."""
    cred = credential()  # issuer https://example.edu/..., key did:key:...
    token = raw_token(
        {"alg": "EdDSA", "kid": ed_key.id}, {**cred, **jwt_claims_for(cred)}, ed_key.sign
    )
    assert_error(verify_jwt(token, now=NOW), "not the issuer")


def test_method_not_authorised_for_assertion_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid=KID)
    method = ResolvedMethod(KID, ISSUER, rsa_key.public_key(), False, "not an assertionMethod")
    assert_error(verify_jwt(token, resolve_method=resolver(method)), "not an assertionMethod")


def test_unresolvable_kid_without_jwk(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(), rsa_key, kid=KID)
    result = verify_jwt(token, now=NOW)
    assert_error(result, "key not found")
    assert result.key_id == KID
    assert_error(verify_jwt(token, fetcher=MappingFetcher({})), "404")


# --- claim checks ------------------------------------------------------------------------------


def test_expired_token(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(validUntil="2024-03-01T00:00:00Z"), rsa_key, kid="", embed_jwk=True)
    assert verify_jwt(token, now=dt.datetime(2024, 2, 1, tzinfo=dt.UTC)).verified
    assert_error(verify_jwt(token, now=NOW), "expired at 2024-03-01T00:00:00Z")
    assert verify_jwt(token).verified  # no clock, no expiry check


def test_token_not_yet_valid(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_jwt(credential(validFrom="2025-01-01T00:00:00Z"), rsa_key, kid="", embed_jwk=True)
    assert_error(verify_jwt(token, now=NOW), "not valid before 2025-01-01T00:00:00Z")
    naive = dt.datetime(2025, 1, 1, 0, 0, 1)  # taken as UTC
    assert verify_jwt(token, now=naive).verified


@pytest.mark.parametrize(
    ("claim", "value", "message"),
    [
        ("iss", "https://other.example/issuer", "iss claim"),
        ("jti", "urn:uuid:other", "jti claim"),
        ("sub", "did:example:someone-else", "sub claim"),
        ("nbf", 1704067200 + 3600, "nbf claim"),
        ("exp", 1893456000 + 1, "exp claim"),
        ("nbf", "2024-01-01", "not a NumericDate"),
        ("nbf", True, "not a NumericDate"),
        ("exp", 10**400, "not a NumericDate"),
        ("iss", {"id": ISSUER}, "iss claim is not a string"),
    ],
)
def test_claim_mismatch(ed_key: Ed25519KeyPair, claim: str, value: Any, message: str) -> None:
    cred = credential(issuer=ed_key.controller, validUntil="2030-01-01T00:00:00Z")
    payload = {**cred, **jwt_claims_for(cred), claim: value}
    token = raw_token({"alg": "EdDSA", "kid": ed_key.id}, payload, ed_key.sign)
    assert_error(verify_jwt(token, now=NOW), message)


def test_missing_claims_are_warnings(ed_key: Ed25519KeyPair) -> None:
    """The validator's own valid samples lack sub; OB 3.0 calls the claims required."""
    cred = credential(issuer=ed_key.controller, validUntil="2030-01-01T00:00:00Z")
    token = raw_token({"alg": "EdDSA", "kid": ed_key.id}, cred, ed_key.sign)
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert sorted(w.split()[1] for w in result.warnings) == ["exp", "iss", "jti", "nbf", "sub"]


def test_exp_without_valid_until_is_a_warning(ed_key: Ed25519KeyPair) -> None:
    cred = credential(issuer=ed_key.controller)
    payload = {**cred, **jwt_claims_for(cred), "exp": 1893456000}
    result = verify_jwt(raw_token({"alg": "EdDSA", "kid": ed_key.id}, payload, ed_key.sign))
    assert result.verified, result.errors
    assert result.warnings == ("the exp claim is set but the credential has no validUntil",)


def test_embedded_proof_is_reported(ed_key: Ed25519KeyPair) -> None:
    cred = credential(issuer=ed_key.controller, proof={"type": "DataIntegrityProof"})
    token = raw_token(
        {"alg": "EdDSA", "kid": ed_key.id}, {**cred, **jwt_claims_for(cred)}, ed_key.sign
    )
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert any("embedded proof" in w for w in result.warnings)


# --- malformed tokens --------------------------------------------------------------------------

GOOD_HEADER = segment({"alg": "EdDSA"})
GOOD_PAYLOAD = segment({"iss": ISSUER})
DUPLICATE_ALG = b64url_encode(b'{"alg":"EdDSA","alg":"none"}')
NAN_PAYLOAD = b64url_encode(b'{"nbf":NaN}')
NOT_UTF8 = b64url_encode(b"\xff\xfe")
NOT_JSON = b64url_encode(b"not json")
MALFORMED = [
    ("", "this token has 1"),
    ("abc", "this token has 1"),
    (f"{GOOD_HEADER}.{GOOD_PAYLOAD}", "this token has 2"),
    (f"{GOOD_HEADER}.{GOOD_PAYLOAD}.c.d", "this token has 4"),
    ("a.b.c.d.e", "encrypted JWE"),
    (f"!!!.{GOOD_PAYLOAD}.c2ln", "JOSE header is not unpadded base64url"),
    (f"{GOOD_HEADER}=.{GOOD_PAYLOAD}.c2ln", "JOSE header is not unpadded base64url"),
    (f".{GOOD_PAYLOAD}.c2ln", "JOSE header is not unpadded base64url"),
    (f"{GOOD_HEADER}.a.c2ln", "JWT payload is not base64url"),
    (f"{NOT_JSON}.{GOOD_PAYLOAD}.c2ln", "JOSE header is not JSON"),
    (f"{NOT_UTF8}.{GOOD_PAYLOAD}.c2ln", "JOSE header is not UTF-8"),
    (f"{segment(['alg'])}.{GOOD_PAYLOAD}.c2ln", "JOSE header is not a JSON object"),
    (f"{GOOD_HEADER}.{segment('text')}.c2ln", "JWT payload is not a JSON object"),
    (f"{GOOD_HEADER}.{segment({'vc': 'text'})}.c2ln", "vc claim is not a JSON object"),
    (f"{DUPLICATE_ALG}.{GOOD_PAYLOAD}.c2ln", "duplicate member 'alg'"),
    (f"{GOOD_HEADER}.{NAN_PAYLOAD}.c2ln", "NaN is not JSON"),
    (f"{GOOD_HEADER}.{GOOD_PAYLOAD}.c2ln$", "signature is not unpadded base64url"),
]


@pytest.mark.parametrize(("token", "message"), MALFORMED)
def test_malformed_tokens_give_errors_not_exceptions(token: str, message: str) -> None:
    with pytest.raises(ProofError, match=re.escape(message)):
        decode_jwt(token)
    result = verify_jwt(token, now=NOW)
    assert result == JwtVerification(None, False, result.errors, (), "", None)
    assert len(result.errors) == 1
    assert message in result.errors[0]


def test_decode_strips_surrounding_whitespace(ed_key: Ed25519KeyPair) -> None:
    token = sign_jwt(credential(issuer=ed_key.controller), ed_key, kid=ed_key.id)
    decoded = decode_jwt(f"\n {token}\n")
    assert decoded.signing_input == token.rsplit(".", 1)[0].encode()
    assert len(decoded.signature) == 64


def test_token_without_any_key() -> None:
    cred = credential()
    result = verify_jwt(raw_token({"alg": "RS256"}, {**cred, **jwt_claims_for(cred)}))
    assert_error(result, "neither kid nor jwk")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
header_names = st.sampled_from(["alg", "typ", "kid", "jwk", "crit", "b64", "x"])
claim_names = st.sampled_from(["iss", "sub", "jti", "nbf", "exp", "vc", "issuer", "validFrom"])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_verify_never_raises_on_text(token: str) -> None:
    result = verify_jwt(token, now=NOW)
    assert not result.verified
    assert result.errors


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(header_names, json_values | st.sampled_from(["EdDSA", "RS256", "ES256"])),
    st.dictionaries(claim_names, json_values),
    st.binary(max_size=80),
)
def test_verify_never_raises_on_wellformed_json(
    header: dict[str, Any], payload: dict[str, Any], signature: bytes
) -> None:
    token = raw_token(header, payload, lambda data: signature)
    result = verify_jwt(token, now=NOW)
    assert not result.verified
    assert result.errors


# --- the 1EdTech validator's samples -----------------------------------------------------------


def svg_token(*name: str) -> str:
    text = shared_path(*SAMPLES, *name).read_text(encoding="utf-8")
    found = re.search(r'verify="([^"]+)"', text)
    assert found, "no verify attribute"
    return found.group(1)


def png_token(*name: str) -> str:
    """The ``openbadgecredential`` iTXt chunk of a baked PNG (OB 3.0 §5.3.1)."""
    data = shared_path(*SAMPLES, *name).read_bytes()
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        keyword, _, rest = body.partition(b"\0")
        if kind == b"iTXt" and keyword == b"openbadgecredential":
            compressed, text = rest[0], rest[2:].split(b"\0", 2)[2]
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
    raise AssertionError("no openbadgecredential chunk")


def test_sample_simple_jwt_decodes_but_names_no_key() -> None:
    token = shared_path(*SAMPLES, "ob30", "simple.jwt").read_text(encoding="utf-8")
    decoded = decode_jwt(token)
    assert decoded.header == {"alg": "RS256", "typ": "JWT"}
    assert decoded.credential["@context"][0] == VC_V1
    assert decoded.credential is decoded.payload["vc"]
    assert len(decoded.signature) == 256
    result = verify_jwt(token, now=NOW)
    assert_error(result, "neither kid nor jwk")
    assert result.errors == ("the header names no key: it has neither kid nor jwk",)
    assert result.credential == decoded.credential  # claims all agree with the credential


def test_sample_velocity_jwt_names_an_unsupported_did_method() -> None:
    """Expected invalid by the validator too; its claims agree with the credential."""
    token = shared_path(*SAMPLES, "ob30", "velocity.jwt").read_text(encoding="utf-8")
    decoded = decode_jwt(token)
    assert decoded.header["kid"].startswith("did:velocity:")
    result = verify_jwt(token, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert result.errors == (
        f"key not found: {decoded.header['kid']}: the DID method 'velocity' is not supported",
    )


def test_sample_clr_jwt_verifies_with_its_embedded_key() -> None:
    token = shared_path(*SAMPLES, "clr20", "simple.jwt").read_text(encoding="utf-8")
    result = verify_jwt(token, now=NOW)
    assert result.verified, result.errors
    assert result.key_id == EMBEDDED_JWK
    assert result.credential is not None
    assert "ClrCredential" in result.credential["type"]


@pytest.mark.parametrize(
    ("name", "reader", "context"),
    [
        ("simple-jwt.svg", svg_token, VC_V2),
        ("simple-jwt_v1.svg", svg_token, VC_V1),
        ("simple-jwt.png", png_token, VC_V2),
        ("simple-jwt_v1.png", png_token, VC_V1),
    ],
)
def test_baked_validator_samples_verify(
    name: str, reader: Callable[..., str], context: str
) -> None:
    """Asserted valid (or valid with warnings) by the 1EdTech validator's OB30Tests."""
    result = verify_jwt(reader("ob30", name), now=NOW)
    assert result.verified, result.errors
    assert result.credential is not None
    assert result.credential["@context"][0] == context
    # They carry iat and aud but no sub, and their key travels in the token.
    assert any("no sub claim" in w for w in result.warnings)
    assert any("nothing ties it to" in w for w in result.warnings)


def test_sample_signature_breaks_when_credential_is_altered() -> None:
    token = svg_token("ob30", "simple-jwt.svg")
    header, _, signature = token.split(".")
    altered = copy.deepcopy(decode_jwt(token).payload)
    altered["name"] = "Not the Teamwork Badge"
    result = verify_jwt(f"{header}.{segment(altered)}.{signature}", now=NOW)
    assert_error(result, "RS256 signature does not verify")


def test_rs256_signature_matches_cryptography(rsa_key: rsa.RSAPrivateKey) -> None:
    """RS256 is RSASSA-PKCS1-v1_5 with SHA-256 over the ASCII signing input (RFC 7518 §3.3)."""
    token = sign_jwt(credential(), rsa_key, kid=KID)
    decoded = decode_jwt(token)
    rsa_key.public_key().verify(
        decoded.signature, decoded.signing_input, padding.PKCS1v15(), SHA256()
    )
