"""The ``eddsa-jcs-2022`` cryptosuite (VC-DI-EdDSA §3.4): JSON Canonicalization (RFC 8785).

JCS signs the JSON as written, so it needs no contexts to sign; verifiers that process the
document as JSON-LD still need them to understand it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import register_suite
from credstack.vc.eddsa import EdDSASuite
from credstack.vc.jcs import canonicalize_jcs

__all__ = ["SUITE"]


def transform_jcs(document: Mapping[str, Any], registry: ContextRegistry) -> bytes:
    """§3.4.3 "Transformation": the RFC 8785 canonical bytes."""
    return canonicalize_jcs(document)


def _same_context(context: Any) -> Any:
    return context


SUITE = register_suite(
    EdDSASuite(
        "eddsa-jcs-2022",
        "DataIntegrityProof",
        transform_jcs,
        _same_context,
        proof_carries_context=True,
    )
)
