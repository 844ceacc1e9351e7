"""1EdTech's signed OB 3.0 and CLR 2.0 worked examples: canonical forms, proof, verification.

These are what the OB 3.0 conformance suite is built on; reproducing them byte for byte shows
that credstack's canonicalisation matches 1EdTech's reference implementation.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib

import pytest

from credstack.vc import ContextRegistry, Ed25519KeyPair, sign_credential, verify_proofs
from credstack.vc.data_integrity import SUITES
from credstack.vc.dids import ResolvedMethod
from credstack.vc.eddsa import EdDSASuite
from tests.conftest import load_json, load_text

CASES = [("ob", "obv3p0"), ("clr", "clrv2p0")]


def published_key() -> Ed25519KeyPair:
    keys = load_json("vectors", "ob3-1edtech", "keys.json")
    seed = bytes.fromhex(keys["privateKeyHex"])[:32]
    key = Ed25519KeyPair.from_seed(seed).with_id(keys["id"], keys["controller"])
    assert key.public_multibase == keys["publicKeyMultibase"]
    return key


def resolver_for(key: Ed25519KeyPair):  # type: ignore[no-untyped-def]
    """The issuer's key as its profile would publish it (offline: no example.edu)."""

    def resolve(vm: str) -> ResolvedMethod:
        assert vm == key.id
        return ResolvedMethod(vm, key.controller, key.public_key, True, "")

    return resolve


@pytest.mark.parametrize(("name", "folder"), CASES)
def test_canonical_forms_and_hashes(name: str, folder: str) -> None:
    intermediates = load_json("vectors", "ob3-1edtech", f"{name}-intermediates.json")
    unsigned = load_json("vectors", "ob3-1edtech", f"{name}-unsigned-credential.json")
    expected_doc = load_text("vectors", "ob3-1edtech", "test-vectors", folder, "document-canon.txt")
    expected_proof = load_text("vectors", "ob3-1edtech", "test-vectors", folder, "proof-canon.txt")
    suite = SUITES["eddsa-rdfc-2022"]
    assert isinstance(suite, EdDSASuite)
    registry = ContextRegistry()
    config = suite.proof_config(unsigned, intermediates["proofConfig"])

    canonical_doc = suite._transform(unsigned, registry)
    canonical_proof = suite._transform(config, registry)

    assert canonical_doc.decode().strip() == expected_doc.strip()
    assert canonical_proof.decode().strip() == expected_proof.strip()
    assert hashlib.sha256(canonical_doc).hexdigest() == intermediates["documentHashHex"]
    assert hashlib.sha256(canonical_proof).hexdigest() == intermediates["proofConfigHashHex"]
    assert suite.hash_data(unsigned, config, registry).hex() == intermediates["hashDataHex"]


@pytest.mark.parametrize(("name", "folder"), CASES)
def test_signing_reproduces_the_published_credential(name: str, folder: str) -> None:
    intermediates = load_json("vectors", "ob3-1edtech", f"{name}-intermediates.json")
    unsigned = load_json("vectors", "ob3-1edtech", f"{name}-unsigned-credential.json")
    signed = load_json("vectors", "ob3-1edtech", f"{name}-signed-credential.json")
    created = dt.datetime.fromisoformat(
        intermediates["proofConfig"]["created"].replace("Z", "+00:00")
    )

    ours = sign_credential(unsigned, published_key(), created=created)

    theirs = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
    assert ours["proof"]["proofValue"] == intermediates["proofValue"] == theirs["proofValue"]
    assert {k: v for k, v in ours.items() if k != "proof"} == {
        k: v for k, v in signed.items() if k != "proof"
    }


@pytest.mark.parametrize(("name", "folder"), CASES)
def test_published_credential_verifies_and_tampering_is_caught(name: str, folder: str) -> None:
    signed = load_json("vectors", "ob3-1edtech", f"{name}-signed-credential.json")
    resolve = resolver_for(published_key())
    assert all(r.verified for r in verify_proofs(signed, resolve_method=resolve))

    tampered = copy.deepcopy(signed)
    tampered["name"] = tampered.get("name", "") + " (edited)"
    assert not any(r.verified for r in verify_proofs(tampered, resolve_method=resolve))


def test_offline_verification_uses_the_key_named_in_the_method_fragment() -> None:
    """With no fetcher, an HTTPS method's Multikey fragment still gives the key, unconfirmed."""
    signed = load_json("vectors", "ob3-1edtech", "ob-signed-credential.json")
    [result] = verify_proofs(signed)
    assert result.verified, result.message
    assert result.method is not None
    assert result.method.authorized is None


def test_nested_ob_credential_inside_the_clr_verifies() -> None:
    clr = load_json("vectors", "ob3-1edtech", "clr-signed-credential.json")
    nested = clr["credentialSubject"].get("verifiableCredential", [])
    assert nested, "CLR example carries no nested credentials"
    for credential in nested:
        results = verify_proofs(credential)
        assert results
        assert all(r.verified for r in results), [r.message for r in results]
