"""credstack's standards core: sign, verify and bake Open Badges 3.0 / VC 2.0 credentials.

No database, no web framework, no network: anything remote is read through a ``Fetcher`` the
caller passes in. The names below are the supported public API; modules whose names are not
re-exported here may change.
"""

from __future__ import annotations

from credstack.vc import proofs as _proofs  # noqa: F401  (registers the suites)
from credstack.vc.baking import bake, sniff_format, unbake
from credstack.vc.contexts import ContextRegistry, bundled_contexts, default_registry
from credstack.vc.data_integrity import ProofOptions, ProofResult, add_proof, verify_proofs
from credstack.vc.dids import (
    ResolvedMethod,
    did_key_document,
    did_key_for,
    did_web_document,
    did_web_for,
    did_web_url,
    resolve_verification_method,
)
from credstack.vc.errors import (
    BakingError,
    CanonicalizationError,
    ContextError,
    DIDResolutionError,
    FetchError,
    KeyFormatError,
    ProofError,
    SafeModeError,
    VCError,
)
from credstack.vc.fetching import Fetcher, MappingFetcher
from credstack.vc.jcs import canonicalize_jcs
from credstack.vc.jose import JwtVerification, decode_jwt, sign_jwt, verify_jwt
from credstack.vc.jsonld import canonicalize, expand
from credstack.vc.keys import Ed25519KeyPair
from credstack.vc.presentations import PresentationReport, verify_presentation
from credstack.vc.signing import sign_credential
from credstack.vc.status_list import check_status
from credstack.vc.verification import Check, Outcome, Verdict, VerificationReport, verify

__all__ = [
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
    "PresentationReport",
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
    "verify_jwt",
    "verify_presentation",
    "verify_proofs",
]
