"""Legacy ``Ed25519Signature2020`` (W3C CCG; VC-DI-EdDSA Appendix), verify-mostly.

Older wallets and the VC 1.1 generation of OB 3.0 credentials carry it. It hashes like
eddsa-rdfc-2022; the proof's canonical form uses the document's ``@context`` with the suite's
context added when the document lacks it, as jsonld-signatures does.
"""

from __future__ import annotations

from typing import Any

from credstack.vc.contexts import ED25519_2020_V1
from credstack.vc.data_integrity import register_suite
from credstack.vc.eddsa import EdDSASuite
from credstack.vc.eddsa_rdfc_2022 import transform_rdfc

__all__ = ["SUITE"]


def _with_suite_context(context: Any) -> Any:
    contexts = list(context) if isinstance(context, list) else [context]
    return contexts if ED25519_2020_V1 in contexts else [*contexts, ED25519_2020_V1]


SUITE = register_suite(
    EdDSASuite("Ed25519Signature2020", "Ed25519Signature2020", transform_rdfc, _with_suite_context)
)
