"""ECDSA suites: ecdsa-sd-2023 derived proofs, ecdsa-rdfc-2019, and the bounded CBOR decoder.

The only published ecdsa-sd-2023 input in ``../shared`` is the 1EdTech validator's derived
credential (no mandatory statements). To cover mandatory statements, label maps and every
malformed component, other derived proofs are made here by following the spec's issuer and
holder steps with ``cryptography`` directly. There are no ecdsa-rdfc-2019 vectors in
``../shared``; its proofs are likewise signed here, hashing as VC-DI-ECDSA §3.2.4 says.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from credstack.vc import cbor
from credstack.vc.contexts import default_registry
from credstack.vc.data_integrity import SUITES, verify_proofs
from credstack.vc.dids import ResolvedMethod
from credstack.vc.ecdsa_rdfc_2019 import SUITE as RDFC_SUITE
from credstack.vc.ecdsa_sd_2023 import SUITE as SD_SUITE
from credstack.vc.ecdsa_sd_2023 import (
    label_replacement_canonicalize,
    parse_derived_proof_value,
)
from credstack.vc.errors import ProofError
from credstack.vc.jsonld import canonicalize
from credstack.vc.keys import Ed25519KeyPair
from credstack.vc.multibase import P256_PUB, b58encode, b64url_decode, b64url_encode
from tests.conftest import load_json

SAMPLE = ("conformance", "ob30-validator-samples", "ob30", "sd", "derivedcredential.json")
VC_V2 = "https://www.w3.org/ns/credentials/v2"
REGISTRY = default_registry()


# --- helpers: a test-only CBOR encoder and the issuer/holder side of ecdsa-sd-2023 ---------


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError(argument)


def cbor_encode(value: Any) -> bytes:
    """RFC 8949 encoding of ints, bytes, lists and int-keyed dicts (the decoder's subset)."""
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        items = b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
        return _cbor_head(5, len(value)) + items
    raise TypeError(value)


def derived_value(components: list[Any], header: bytes = b"\xd9\x5d\x01") -> str:
    return "u" + b64url_encode(header + cbor_encode(components))


def components_of(proof_value: str) -> list[Any]:
    decoded = cbor.decode(b64url_decode(proof_value[1:])[3:])
    assert isinstance(decoded, list)
    return decoded


def p1363(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    size = (private_key.curve.key_size + 7) // 8
    algorithm = hashes.SHA256() if size == 32 else hashes.SHA384()
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(algorithm)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def p256_multikey(public_key: ec.EllipticCurvePublicKey) -> bytes:
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return P256_PUB + point


def method_url(public_key: ec.EllipticCurvePublicKey) -> str:
    """An https verification method whose fragment is the Multikey (resolvable offline)."""
    return "https://issuer.example/keys#z" + b58encode(p256_multikey(public_key))


def sd_document() -> dict[str, Any]:
    """A credential with blank nodes (itself, its subject, a nested object)."""
    return {
        "@context": [VC_V2, {"@vocab": "https://vocab.example/#"}],
        "type": ["VerifiableCredential"],
        "issuer": "https://issuer.example",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "name": "Ada",
            "note": "_:c14n0 looks like a label but is a literal",
            "skill": {"title": "Teamwork", "level": 3},
        },
    }


def derive(
    document: dict[str, Any],
    issuer: ec.EllipticCurvePrivateKey,
    mandatory_predicate: str = "issuer",
) -> dict[str, Any]:
    """An ecdsa-sd-2023 derived proof of all of ``document``, statements naming
    ``mandatory_predicate`` mandatory, made the way an issuer and holder would."""
    scoped = ec.generate_private_key(ec.SECP256R1())
    canonical = canonicalize(document, REGISTRY)
    labels = sorted(set(re.findall(r"_:(c14n\d+)", canonical)))
    label_map = {
        label: "u" + b64url_encode(hashlib.sha256(label.encode()).digest()) for label in labels
    }
    nquads = label_replacement_canonicalize(document, label_map, REGISTRY)
    mandatory_indexes = [
        i for i, nq in enumerate(nquads) if mandatory_predicate in nq.split(" ")[1]
    ]
    mandatory = [nquads[i] for i in mandatory_indexes]
    non_mandatory = [nq for i, nq in enumerate(nquads) if i not in mandatory_indexes]
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-sd-2023",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": method_url(issuer.public_key()),
        "proofPurpose": "assertionMethod",
    }
    proof_hash = hashlib.sha256(
        canonicalize({**proof, "@context": document["@context"]}, REGISTRY).encode()
    ).digest()
    multikey = p256_multikey(scoped.public_key())
    mandatory_hash = hashlib.sha256("".join(mandatory).encode()).digest()
    components = [
        p1363(issuer, proof_hash + multikey + mandatory_hash),
        multikey,
        [p1363(scoped, nq.encode()) for nq in non_mandatory],
        {int(k[4:]): b64url_decode(v[1:]) for k, v in label_map.items()},
        mandatory_indexes,
    ]
    return {**copy.deepcopy(document), "proof": {**proof, "proofValue": derived_value(components)}}


def sd_verify(document: dict[str, Any], public_key: ec.EllipticCurvePublicKey) -> None:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    SD_SUITE.verify(unsecured, document["proof"], public_key, REGISTRY)


def with_components(document: dict[str, Any], components: list[Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["proof"]["proofValue"] = derived_value(components)
    return changed


@pytest.fixture(scope="module")
def issuer() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def derived(issuer: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    return derive(sd_document(), issuer)


# --- the 1EdTech derived credential ----------------------------------------------------------


def _sample() -> dict[str, Any]:
    document: dict[str, Any] = load_json(*SAMPLE)
    return document


def _sample_proof_value(document: dict[str, Any]) -> str:
    value: str = document["proof"][0]["proofValue"]
    return value


def test_suites_are_registered() -> None:
    assert SUITES["ecdsa-sd-2023"] is SD_SUITE
    assert SUITES["ecdsa-rdfc-2019"] is RDFC_SUITE


def test_1edtech_derived_credential_verifies() -> None:
    [result] = verify_proofs(_sample())
    assert result.verified, result.message
    assert result.suite == "ecdsa-sd-2023"


def test_1edtech_derived_proof_value_parses() -> None:
    parsed = parse_derived_proof_value(_sample_proof_value(_sample()))
    assert len(parsed.base_signature) == 64
    assert parsed.public_key.startswith(P256_PUB)
    assert len(parsed.signatures) == 15
    assert list(parsed.label_map) == ["c14n0"]
    assert parsed.mandatory_indexes == ()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "achievement", "name"), "Leadership"),
        (("credentialSubject", "achievement", "criteria", "narrative"), "Anyone."),
        (("issuer", "name"), "Someone Else"),
        (("validFrom",), "2011-01-01T00:00:00Z"),
    ],
)
def test_1edtech_tampered_disclosed_value_fails(path: tuple[str, ...], value: str) -> None:
    document = _sample()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    [result] = verify_proofs(document)
    assert not result.verified
    assert "disclosed statement" in result.message


def test_1edtech_tampered_proof_options_fail() -> None:
    document = _sample()
    document["proof"][0]["created"] = "2011-01-01T19:23:24Z"
    [result] = verify_proofs(document)
    assert not result.verified
    assert "base signature" in result.message


def test_1edtech_undisclosed_statement_added_fails() -> None:
    document = _sample()
    document["credentialSubject"]["achievement"]["image"] = {
        "id": "https://example.com/badge.png",
        "type": "Image",
    }
    [result] = verify_proofs(document)
    assert not result.verified
    assert "statement signatures" in result.message


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"\xd9\x5d\x00", "base proof"),
        (b"\xd9\x5d\x02", "header is d95d02"),
        (b"\xd9\x5e\x01", "header is d95e01"),
        (b"", "header is"),
    ],
)
def test_wrong_proof_header_fails(header: bytes, message: str) -> None:
    document = _sample()
    body = b64url_decode(_sample_proof_value(document)[1:])[3:]
    document["proof"][0]["proofValue"] = "u" + b64url_encode(header + body)
    with pytest.raises(ProofError, match=message):
        sd_verify_sample(document)


def sd_verify_sample(document: dict[str, Any]) -> None:
    proof = document["proof"][0]
    [result] = verify_proofs(document)
    assert not result.verified
    key = _sample_key(proof["verificationMethod"])
    SD_SUITE.verify({k: v for k, v in document.items() if k != "proof"}, proof, key, REGISTRY)


def _sample_key(vm: str) -> ec.EllipticCurvePublicKey:
    from credstack.vc.dids import resolve_verification_method

    key = resolve_verification_method(vm, None).public_key
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


@pytest.mark.parametrize(
    "proof_value",
    [
        "z2V0BhVhA",  # base58btc, not base64url
        "u2V0B",  # header only, no CBOR
        "u2V0B_w",  # header + 0xff (a "break" outside an indefinite item)
        "u2V0BhQ",  # header + array(5) with no items
        "u2V0BYQ",  # header + text string
        "u!!!",  # not base64url
        "",
    ],
)
def test_garbage_proof_value_fails_cleanly(proof_value: str) -> None:
    document = _sample()
    document["proof"][0]["proofValue"] = proof_value
    with pytest.raises(ProofError):
        sd_verify_sample(document)


def test_proof_value_of_wrong_type_fails() -> None:
    with pytest.raises(ProofError):
        parse_derived_proof_value(12)


# --- self-made derived proofs: mandatory statements and malformed components ---------------


def test_self_made_derived_proof_verifies(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    parsed = parse_derived_proof_value(derived["proof"]["proofValue"])
    assert parsed.mandatory_indexes, "the issuer statement should be mandatory"
    assert len(parsed.label_map) == 3  # the credential, its subject, the skill
    sd_verify(derived, issuer.public_key())
    [result] = verify_proofs(derived)
    assert result.verified, result.message


def test_changed_mandatory_statement_fails_base_signature(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    changed = copy.deepcopy(derived)
    changed["issuer"] = "https://other.example"
    with pytest.raises(ProofError, match="base signature"):
        sd_verify(changed, issuer.public_key())


def test_changed_selective_statement_fails(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    changed = copy.deepcopy(derived)
    changed["credentialSubject"]["skill"]["level"] = 4
    with pytest.raises(ProofError, match="disclosed statement"):
        sd_verify(changed, issuer.public_key())


def test_other_issuer_key_fails(derived: dict[str, Any]) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(ProofError, match="base signature"):
        sd_verify(derived, other)


def test_non_p256_issuer_key_is_refused(derived: dict[str, Any]) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(ProofError, match="P-256"):
        sd_verify(derived, p384)
    ed25519 = Ed25519KeyPair.generate().public_key
    with pytest.raises(ProofError, match="P-256"):
        SD_SUITE.verify({}, derived["proof"], ed25519, REGISTRY)


def test_swapped_statement_signatures_fail(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    components = components_of(derived["proof"]["proofValue"])
    components[2] = components[2][::-1]
    with pytest.raises(ProofError, match="disclosed statement 0"):
        sd_verify(with_components(derived, components), issuer.public_key())


def test_missing_statement_signature_fails(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    components = components_of(derived["proof"]["proofValue"])
    components[2] = components[2][1:]
    with pytest.raises(ProofError, match="statement signatures for"):
        sd_verify(with_components(derived, components), issuer.public_key())


def test_label_map_without_a_blank_node_fails(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    components = components_of(derived["proof"]["proofValue"])
    components[3] = {0: components[3][0]}
    with pytest.raises(ProofError, match=r"no entry for blank node _:c14n[12]"):
        sd_verify(with_components(derived, components), issuer.public_key())


def test_swapped_labels_fail(derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey) -> None:
    components = components_of(derived["proof"]["proofValue"])
    labels = components[3]
    components[3] = {**labels, 0: labels[1], 1: labels[0]}
    with pytest.raises(ProofError):
        sd_verify(with_components(derived, components), issuer.public_key())


@pytest.mark.parametrize(
    ("index", "replacement", "message"),
    [
        (0, b"\0" * 63, "base signature must be a 64-byte"),
        (1, b"\0" * 35, "not a P-256 Multikey"),
        (1, b"\xed\x01" + b"\0" * 33, "not a P-256 Multikey"),
        (1, b"\0" * 36, "proof-scoped public key must be a 35-byte"),
        (2, [b"\0" * 65], "statement signature must be a 64-byte"),
        (2, b"\0" * 64, "signatures must be an array"),
        (3, {0: b"\0" * 31}, "32-byte digest"),
        (3, [b"\0" * 32], "label map must be a map"),
        (4, [0, 0], "repeat an index"),
        (4, [10_000], "past the disclosed statements"),
        (4, [b"\0"], "must be an array of integers"),
    ],
)
def test_malformed_component_fails(
    derived: dict[str, Any],
    issuer: ec.EllipticCurvePrivateKey,
    index: int,
    replacement: Any,
    message: str,
) -> None:
    components = components_of(derived["proof"]["proofValue"])
    components[index] = replacement
    with pytest.raises(ProofError, match=message):
        sd_verify(with_components(derived, components), issuer.public_key())


@pytest.mark.parametrize("count", [4, 6])
def test_wrong_component_count_fails(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey, count: int
) -> None:
    components = [*components_of(derived["proof"]["proofValue"]), 0][:count]
    with pytest.raises(ProofError, match="five items"):
        sd_verify(with_components(derived, components), issuer.public_key())


def test_wrong_cryptosuite_name_fails(
    derived: dict[str, Any], issuer: ec.EllipticCurvePrivateKey
) -> None:
    changed = copy.deepcopy(derived)
    changed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(ProofError, match="cryptosuite ecdsa-sd-2023"):
        sd_verify(changed, issuer.public_key())


def test_sd_create_is_refused() -> None:
    key = Ed25519KeyPair.generate()
    with pytest.raises(ProofError, match="verification only"):
        SD_SUITE.create(sd_document(), {}, key, REGISTRY)


# --- ecdsa-rdfc-2019 -----------------------------------------------------------------------


def rdfc_document() -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": "urn:uuid:5b6d3a3e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "https://issuer.example",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Ada"},
    }


def rdfc_sign(
    document: dict[str, Any], private_key: ec.EllipticCurvePrivateKey, vm: str
) -> dict[str, Any]:
    """VC-DI-ECDSA §3.2: hash(canonical config) ‖ hash(canonical document), ECDSA, base58btc."""
    digest = hashlib.sha256 if private_key.curve.key_size == 256 else hashlib.sha384
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": "2024-01-01T00:00:00Z",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    config = {**proof, "@context": document["@context"]}
    hash_data = (
        digest(canonicalize(config, REGISTRY).encode()).digest()
        + digest(canonicalize(document, REGISTRY).encode()).digest()
    )
    proof["proofValue"] = "z" + b58encode(p1363(private_key, hash_data))
    return {**document, "proof": proof}


def test_rdfc_2019_p256_verifies_offline() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), key, method_url(key.public_key()))
    [result] = verify_proofs(signed)
    assert result.verified, result.message
    assert result.suite == "ecdsa-rdfc-2019"


def test_rdfc_2019_p384_verifies() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    vm = "https://issuer.example/keys#p384"
    signed = rdfc_sign(rdfc_document(), key, vm)

    def resolve(method: str) -> ResolvedMethod:
        return ResolvedMethod(method, "https://issuer.example", key.public_key(), True, "")

    [result] = verify_proofs(signed, resolve_method=resolve)
    assert result.verified, result.message


def test_rdfc_2019_tampered_document_fails() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), key, method_url(key.public_key()))
    signed["credentialSubject"]["name"] = "Eve"
    [result] = verify_proofs(signed)
    assert not result.verified
    assert "signature does not match" in result.message


def test_rdfc_2019_other_key_fails() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), key, method_url(other.public_key()))
    [result] = verify_proofs(signed)
    assert not result.verified


def test_rdfc_2019_proof_context_must_prefix_document_context() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), key, method_url(key.public_key()))
    signed["proof"]["@context"] = [VC_V2]
    assert verify_proofs(signed)[0].verified
    signed["proof"]["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    [result] = verify_proofs(signed)
    assert not result.verified
    assert "@context" in result.message


@pytest.mark.parametrize(
    ("proof_value", "message"),
    [
        ("u" + b64url_encode(b"\0" * 64), "not multibase base58btc"),
        ("z0OIl", "not base58btc"),
        ("z" + b58encode(b"\1" * 63), "63 bytes"),
    ],
)
def test_rdfc_2019_malformed_proof_value_fails(proof_value: str, message: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), key, method_url(key.public_key()))
    proof = {**signed["proof"], "proofValue": proof_value}
    with pytest.raises(ProofError, match=message):
        RDFC_SUITE.verify(rdfc_document(), proof, key.public_key(), REGISTRY)


def test_rdfc_2019_refuses_ed25519_keys_and_signing() -> None:
    key = Ed25519KeyPair.generate()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    signed = rdfc_sign(rdfc_document(), ec_key, method_url(ec_key.public_key()))
    with pytest.raises(ProofError, match="P-256 or P-384"):
        RDFC_SUITE.verify(rdfc_document(), signed["proof"], key.public_key, REGISTRY)
    with pytest.raises(ProofError, match="verification only"):
        RDFC_SUITE.create(rdfc_document(), {}, key, REGISTRY)


# --- the CBOR decoder ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("00", 0),
        ("17", 23),
        ("1818", 24),
        ("190100", 256),
        ("1a00010000", 65536),
        ("1b0000000100000000", 1 << 32),
        ("43010203", b"\1\2\3"),
        ("80", []),
        ("830182020380", [1, [2, 3], []]),
        ("a201410a0240", {1: b"\n", 2: b""}),
    ],
)
def test_cbor_decodes_the_subset(data: str, expected: Any) -> None:
    assert cbor.decode(bytes.fromhex(data)) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "ends in the middle"),
        ("18", "ends in the middle"),
        ("4301", "ends in the middle"),
        ("0000", "1 bytes follow"),
        ("5f", "indefinite-length"),
        ("9f", "indefinite-length"),
        ("1c", "reserved"),
        ("20", "negative integer"),
        ("6161", "text string"),
        ("c240", "tag"),
        ("f6", "simple value or float"),
        ("9a7fffffff", "declares 2147483647 items"),
        ("ba7fffffff", "declares 2147483647 items"),
        ("a201000100", "repeats the key 1"),
        ("a14000", "keys must be unsigned integers"),
        ("8181818181818100", "nesting deeper"),
    ],
)
def test_cbor_refuses_malformed_or_unsupported(data: str, message: str) -> None:
    with pytest.raises(cbor.CBORError, match=message):
        cbor.decode(bytes.fromhex(data.replace(" ", "")))


def test_cbor_refuses_oversized_input() -> None:
    data = _cbor_head(2, cbor.MAX_INPUT) + b"\0" * cbor.MAX_INPUT
    with pytest.raises(cbor.CBORError, match="larger than"):
        cbor.decode(data)


def test_cbor_error_is_a_proof_error() -> None:
    assert issubclass(cbor.CBORError, ProofError)


@given(st.binary(max_size=256))
def test_cbor_decoder_on_random_bytes_raises_only_cbor_errors(data: bytes) -> None:
    with contextlib.suppress(cbor.CBORError):
        cbor.decode(data)


@given(st.binary(max_size=256))
def test_derived_proof_parser_on_random_cbor_raises_only_proof_errors(data: bytes) -> None:
    with contextlib.suppress(ProofError):
        parse_derived_proof_value("u" + b64url_encode(b"\xd9\x5d\x01" + data))


_cbor_values = st.recursive(
    st.integers(min_value=0, max_value=(1 << 64) - 1) | st.binary(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(min_value=0, max_value=1000), children, max_size=4)
    ),
    max_leaves=12,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(_cbor_values)
def test_cbor_round_trips_the_subset(value: Any) -> None:
    encoded = cbor_encode(value)
    if _depth(value) > cbor.MAX_DEPTH:
        with pytest.raises(cbor.CBORError, match="nesting"):
            cbor.decode(encoded)
    else:
        assert cbor.decode(encoded) == value
