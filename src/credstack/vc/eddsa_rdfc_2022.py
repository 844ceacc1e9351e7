"""The ``eddsa-rdfc-2022`` cryptosuite (VC-DI-EdDSA §3.3): RDFC-1.0 canonical N-Quads.

The OB 3.0 conformance suite signs with this one. The legacy name ``eddsa-2022`` (used
before the suite was split into rdfc and jcs variants) runs the same algorithm; credentials
that carry it verify, and the report warns that the name is outdated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import register_suite
from credstack.vc.eddsa import EdDSASuite
from credstack.vc.jsonld import canonicalize

__all__ = ["LEGACY_SUITE", "SUITE"]


def transform_rdfc(document: Mapping[str, Any], registry: ContextRegistry) -> bytes:
    """§3.3.3 "Transformation": RDFC-1.0 canonical N-Quads of the document, in safe mode."""
    return canonicalize(document, registry).encode("utf-8")


def _same_context(context: Any) -> Any:
    return context


SUITE = register_suite(
    EdDSASuite("eddsa-rdfc-2022", "DataIntegrityProof", transform_rdfc, _same_context)
)
LEGACY_SUITE = register_suite(
    EdDSASuite("eddsa-2022", "DataIntegrityProof", transform_rdfc, _same_context)
)
