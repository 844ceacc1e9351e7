"""What the EdDSA suites share: Ed25519 over SHA-256(proof config) ‖ SHA-256(document).

VC-DI-EdDSA §3.3 (eddsa-rdfc-2022), §3.4 (eddsa-jcs-2022) and the older Ed25519Signature2020
differ only in how the document and proof configuration are canonicalised and which
``@context`` the configuration gets; ``EdDSASuite`` does the rest once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import with_proof_context
from credstack.vc.dids import PublicKey
from credstack.vc.errors import KeyFormatError, ProofError
from credstack.vc.keys import Ed25519KeyPair, verify_ed25519
from credstack.vc.multibase import b58decode, b58encode

__all__ = ["EdDSASuite", "Transform"]

Transform = Callable[[Mapping[str, Any], ContextRegistry], bytes]


class EdDSASuite:
    """An Ed25519 suite parameterised by its canonicalisation (``transform``).

    ``context_for_config`` decides the ``@context`` of the proof configuration from the
    document's; ``check_proof_context`` applies the verifier's rule for ``proof.@context``.
    """

    def __init__(
        self,
        name: str,
        proof_type: str,
        transform: Transform,
        context_for_config: Callable[[Any], Any],
        *,
        proof_carries_context: bool = False,
    ) -> None:
        self.name = name
        self.proof_type = proof_type
        # eddsa-jcs-2022 writes the document's @context into the proof (VC-DI-EdDSA §3.4.1
        # step 2); verifiers rebuild the signed configuration from the proof as written.
        self.proof_carries_context = proof_carries_context
        self._transform = transform
        self._context_for_config = context_for_config

    def hash_data(
        self,
        unsecured: Mapping[str, Any],
        config: Mapping[str, Any],
        registry: ContextRegistry,
    ) -> bytes:
        """§3.3.4 "Hashing": SHA-256 of the canonical config, then of the canonical document."""
        proof_hash = hashlib.sha256(self._transform(config, registry)).digest()
        document_hash = hashlib.sha256(self._transform(unsecured, registry)).digest()
        return proof_hash + document_hash

    def proof_config(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any]
    ) -> dict[str, Any]:
        """§3.3.5 "Proof Configuration": the options with the document's ``@context``."""
        config = {k: v for k, v in options.items() if k not in ("proofValue", "@context")}
        if config.get("type") != self.proof_type:
            raise ProofError(f"proof type must be {self.proof_type}")
        if self.proof_type == "DataIntegrityProof" and config.get("cryptosuite") != self.name:
            raise ProofError(f"cryptosuite must be {self.name}")
        if "@context" in unsecured:
            config["@context"] = self._context_for_config(unsecured["@context"])
        return config

    def create(
        self,
        unsecured: Mapping[str, Any],
        config: dict[str, Any],
        key: Ed25519KeyPair,
        registry: ContextRegistry,
    ) -> str:
        """§3.3.1 "Create Proof": sign the hash data; the value is multibase base58btc."""
        data = self.hash_data(unsecured, self.proof_config(unsecured, config), registry)
        return "z" + b58encode(key.sign(data))

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        registry: ContextRegistry,
    ) -> None:
        """§3.3.2 "Verify Proof"; raises ``ProofError`` with the reason it does not verify."""
        if not isinstance(public_key, Ed25519PublicKey):
            raise ProofError(f"{self.name} needs an Ed25519 key")
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise ProofError("proofValue is not multibase base58btc")
        try:
            signature = b58decode(value[1:])
        except KeyFormatError:
            raise ProofError("proofValue is not base58btc") from None
        options = dict(proof)
        unsecured = with_proof_context(unsecured, proof)
        data = self.hash_data(unsecured, self.proof_config(unsecured, options), registry)
        if not verify_ed25519(public_key, signature, data):
            raise ProofError(
                "signature does not match: the credential was changed or the key is wrong"
            )
