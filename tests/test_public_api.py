"""The public API of ``credstack.vc`` is a contract: changing it must be deliberate.

If this test fails, a name was added to or removed from ``credstack.vc.__all__``: update the
snapshot below in the same commit and say why in the commit message.
"""

from __future__ import annotations

import credstack.vc as vc

PUBLIC = {
    "BakingError",
    "CanonicalizationError",
    "Check",
    "ContextError",
    "ContextRegistry",
    "DIDResolutionError",
    "Ed25519KeyPair",
    "FetchError",
    "Fetcher",
    "JwtVerification",
    "KeyFormatError",
    "MappingFetcher",
    "Outcome",
    "ProofError",
    "ProofOptions",
    "ProofResult",
    "ResolvedMethod",
    "SafeModeError",
    "VCError",
    "Verdict",
    "VerificationReport",
    "add_proof",
    "bake",
    "bundled_contexts",
    "canonicalize",
    "canonicalize_jcs",
    "check_status",
    "decode_jwt",
    "default_registry",
    "did_key_document",
    "did_key_for",
    "did_web_document",
    "did_web_for",
    "did_web_url",
    "expand",
    "resolve_verification_method",
    "sign_credential",
    "sign_jwt",
    "sniff_format",
    "unbake",
    "verify",
    "verify_presentation",
    "PresentationReport",
    "verify_jwt",
    "verify_proofs",
}


def test_public_surface_is_the_snapshot() -> None:
    assert set(vc.__all__) == PUBLIC


def test_every_exported_name_exists() -> None:
    for name in vc.__all__:
        assert hasattr(vc, name), name
