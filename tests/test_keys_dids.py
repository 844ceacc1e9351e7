"""Keys, Multikey, did:key and did:web, and resolving verification methods."""

from __future__ import annotations

import contextlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from credstack.vc import (
    DIDResolutionError,
    Ed25519KeyPair,
    FetchError,
    KeyFormatError,
    MappingFetcher,
    did_key_document,
    did_key_for,
    did_web_document,
    did_web_for,
    did_web_url,
    resolve_verification_method,
)
from credstack.vc.dids import public_key_from_method, public_key_from_multikey
from credstack.vc.fetching import fetch_json
from credstack.vc.multibase import b58decode, b58encode

SEED = bytes(range(32))


def test_multikey_round_trip_and_prefixes() -> None:
    key = Ed25519KeyPair.from_seed(SEED)
    assert key.public_multibase.startswith("z6Mk")
    assert key.secret_multibase.startswith("z3u2")
    again = Ed25519KeyPair.from_multikey(key.secret_multibase)
    assert again.public_multibase == key.public_multibase
    assert "z3u2" not in repr(key), "repr must not print the secret key"


def test_generated_keys_differ_and_sign() -> None:
    a, b = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    assert a.public_multibase != b.public_multibase
    a.public_key.verify(a.sign(b"data"), b"data")


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)])
def test_bad_seed_length(seed: bytes) -> None:
    with pytest.raises(KeyFormatError, match="32 bytes"):
        Ed25519KeyPair.from_seed(seed)


@pytest.mark.parametrize("value", ["", "z", "6MkhaXgBZD", "zzzz", "z6MkhaXgBZD0OIl"])
def test_malformed_multikeys_are_refused(value: str) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_multikey(value)


def test_did_key_document_and_offline_resolution() -> None:
    key = Ed25519KeyPair.from_seed(SEED)
    did = did_key_for(key.public_key)
    assert did == f"did:key:{key.public_multibase}"
    doc = did_key_document(did)
    vm = f"{did}#{key.public_multibase}"
    assert doc["assertionMethod"] == [vm]
    resolved = resolve_verification_method(vm)
    assert resolved.authorized is True
    assert resolved.public_key == key.public_key


def test_did_key_with_a_foreign_fragment_is_refused() -> None:
    a, b = Ed25519KeyPair.from_seed(SEED), Ed25519KeyPair.generate()
    with pytest.raises(DIDResolutionError, match="fragment"):
        resolve_verification_method(f"{did_key_for(a.public_key)}#{b.public_multibase}")


def test_p256_did_key_resolves() -> None:
    """P-256 Multikeys (zDn...) appear in ECDSA credentials from other issuers."""
    private = ec.generate_private_key(ec.SECP256R1())
    raw = private.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    multikey = "z" + b58encode(b"\x80\x24" + raw)
    assert multikey.startswith("zDn")
    resolved = resolve_verification_method(f"did:key:{multikey}#{multikey}")
    assert isinstance(resolved.public_key, ec.EllipticCurvePublicKey)


@pytest.mark.parametrize(
    ("domain", "path", "did", "url"),
    [
        ("example.com", (), "did:web:example.com", "https://example.com/.well-known/did.json"),
        (
            "Example.com:8443",
            ("issuers", "42"),
            "did:web:example.com%3A8443:issuers:42",
            "https://example.com:8443/issuers/42/did.json",
        ),
    ],
)
def test_did_web_names_and_urls(domain: str, path: tuple[str, ...], did: str, url: str) -> None:
    assert did_web_for(domain, path) == did
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:web:", "did:web:exa mple.com", "did:web:a.com:..:x"])
def test_bad_did_web(did: str) -> None:
    with pytest.raises(DIDResolutionError):
        did_web_url(did)


def _did_web_setup() -> tuple[Ed25519KeyPair, str, MappingFetcher]:
    did = did_web_for("issuer.example")
    key = Ed25519KeyPair.from_seed(SEED)
    key = key.with_id(f"{did}#key-1", did)
    fetcher = MappingFetcher({did_web_url(did): did_web_document(did, [key])})
    return key, did, fetcher


def test_did_web_resolves_through_the_fetcher() -> None:
    key, _, fetcher = _did_web_setup()
    resolved = resolve_verification_method(key.id, fetcher)
    assert resolved.authorized is True
    assert resolved.public_key == key.public_key
    assert fetcher.requests == ["https://issuer.example/.well-known/did.json"]


def test_did_web_key_not_listed_for_the_purpose() -> None:
    key, did, _ = _did_web_setup()
    document = did_web_document(did, [key])
    document["assertionMethod"] = []
    fetcher = MappingFetcher({did_web_url(did): document})
    resolved = resolve_verification_method(key.id, fetcher)
    assert resolved.authorized is False
    assert "does not list" in resolved.note


def test_did_web_unknown_key_id() -> None:
    _, did, fetcher = _did_web_setup()
    with pytest.raises(DIDResolutionError, match="does not list"):
        resolve_verification_method(f"{did}#key-9", fetcher)


def test_https_method_resolved_from_issuer_profile() -> None:
    key = Ed25519KeyPair.from_seed(SEED)
    issuer = "https://issuer.example/profile"
    vm = f"{issuer}#key-1"
    profile = {
        "id": issuer,
        "type": "Profile",
        "verificationMethod": [key.with_id(vm, issuer).verification_method()],
        "assertionMethod": [vm],
    }
    resolved = resolve_verification_method(vm, MappingFetcher({issuer: profile}))
    assert resolved.authorized is True


def test_https_method_404_is_an_error_and_offline_is_unconfirmed() -> None:
    key = Ed25519KeyPair.from_seed(SEED)
    vm = f"https://issuer.example/keys#{key.public_multibase}"
    with pytest.raises(DIDResolutionError, match="404"):
        resolve_verification_method(vm, MappingFetcher({}))
    offline = resolve_verification_method(vm)
    assert offline.authorized is None
    assert offline.public_key == key.public_key


@pytest.mark.parametrize(
    ("vm", "message"),
    [
        ("did:example:123#k", "DID method 'example' is not supported"),
        ("no-scheme-at-all", "no scheme"),
        ("ftp://x.example/key", "scheme 'ftp' is unknown"),
        ("", "names no verification method"),
    ],
)
def test_unresolvable_methods(vm: str, message: str) -> None:
    with pytest.raises(DIDResolutionError, match=message):
        resolve_verification_method(vm)


def test_jwk_and_base58_methods() -> None:
    key = Ed25519KeyPair.from_seed(SEED)
    raw = b58decode(key.public_multibase[1:])[2:]
    from credstack.vc.multibase import b64url_encode

    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    assert public_key_from_method({"type": "JsonWebKey2020", "publicKeyJwk": jwk}) == (
        key.public_key
    )
    legacy = {"type": "Ed25519VerificationKey2018", "publicKeyBase58": b58encode(raw)}
    assert public_key_from_method(legacy) == key.public_key
    assert isinstance(public_key_from_method(legacy), ed25519.Ed25519PublicKey)


def test_fetch_size_cap_and_non_json() -> None:
    fetcher = MappingFetcher({"https://a.example/big": "x" * 100, "https://a.example/t": "nope"})
    with pytest.raises(FetchError, match="larger than"):
        fetch_json(fetcher, "https://a.example/big", max_bytes=10)
    with pytest.raises(FetchError, match="did not return JSON"):
        fetch_json(fetcher, "https://a.example/t")


@given(st.text(max_size=200))
def test_resolution_of_arbitrary_text_raises_only_resolution_errors(text: str) -> None:
    with contextlib.suppress(DIDResolutionError):
        resolve_verification_method(text, MappingFetcher({}))


@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_did_documents_are_json() -> None:
    key, did, _ = _did_web_setup()
    json.dumps(did_web_document(did, [key]))
