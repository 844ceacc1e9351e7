"""The public API of ``credstack.vc`` is a contract: changing it must be deliberate."""

from __future__ import annotations

import credstack.vc as vc


def test_every_exported_name_exists() -> None:
    for name in vc.__all__:
        assert hasattr(vc, name), name


def test_core_names_are_exported() -> None:
    expected = {
        "ContextRegistry",
        "Ed25519KeyPair",
        "MappingFetcher",
        "ProofOptions",
        "add_proof",
        "canonicalize",
        "did_key_for",
        "did_web_document",
        "resolve_verification_method",
        "sign_credential",
        "verify_proofs",
    }
    assert expected <= set(vc.__all__)
