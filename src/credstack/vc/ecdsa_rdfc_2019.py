"""The ``ecdsa-rdfc-2019`` cryptosuite (VC-DI-ECDSA §3.2), verification only.

Issuers outside credstack sign with NIST P-256 (and sometimes P-384) keys, so a verifier has to
accept those proofs even though credstack itself signs with Ed25519 only; ``create`` therefore
refuses. The algorithm is the RDFC one of eddsa-rdfc-2022 with ECDSA in place of Ed25519 and the
hash matched to the curve (SHA-256 for P-256, SHA-384 for P-384).

The ECDSA helpers here (curve to hash, IEEE P1363 ``r || s`` signatures, the proof
configuration) are shared with ``ecdsa_sd_2023``.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import VerifyOnlySuite, register_suite, with_proof_context
from credstack.vc.dids import PublicKey
from credstack.vc.errors import KeyFormatError, ProofError
from credstack.vc.jsonld import canonicalize
from credstack.vc.multibase import b58decode

__all__ = [
    "P256",
    "P384",
    "SUITE",
    "CurveParams",
    "EcdsaRdfc2019Suite",
    "curve_params",
    "proof_configuration",
    "verify_p1363",
]


@dataclass(frozen=True)
class CurveParams:
    """What a curve fixes for these suites: the digest and the size of ``r`` and ``s``."""

    name: str
    digest: Callable[[bytes], bytes]
    hash_algorithm: hashes.HashAlgorithm
    scalar_size: int

    @property
    def signature_size(self) -> int:
        """Length of an IEEE P1363 signature (``r || s``, each zero-padded)."""
        return 2 * self.scalar_size


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _sha384(data: bytes) -> bytes:
    return hashlib.sha384(data).digest()


P256 = CurveParams("P-256", _sha256, hashes.SHA256(), 32)
P384 = CurveParams("P-384", _sha384, hashes.SHA384(), 48)
_CURVES = {"secp256r1": P256, "secp384r1": P384}


def curve_params(
    public_key: PublicKey, suite: str
) -> tuple[ec.EllipticCurvePublicKey, CurveParams]:
    """The key as an EC key and its parameters; raises ``ProofError`` unless P-256 or P-384."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        params = _CURVES.get(public_key.curve.name)
        if params is not None:
            return public_key, params
    raise ProofError(f"{suite} needs a P-256 or P-384 key")


def verify_p1363(
    public_key: ec.EllipticCurvePublicKey, params: CurveParams, signature: bytes, data: bytes
) -> bool:
    """Whether ``signature`` (``r || s``, as Data Integrity encodes it) signs ``data``.

    ``data`` is hashed with the curve's digest as part of ECDSA verification.
    """
    if len(signature) != params.signature_size:
        return False
    r = int.from_bytes(signature[: params.scalar_size], "big")
    s = int.from_bytes(signature[params.scalar_size :], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(params.hash_algorithm))
    except InvalidSignature:
        return False
    return True


def proof_configuration(
    unsecured: Mapping[str, Any], proof: Mapping[str, Any], suite: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document to hash and the proof configuration, as a verifier rebuilds them.

    The configuration is the proof without ``proofValue`` and with the document's ``@context``
    (§3.2.5 "Proof Configuration"; "Base Proof Configuration (ecdsa-sd-2023)"). A proof that
    carries its own ``@context`` must match the start of the document's, and then stands in for
    it (VC Data Integrity §4.4 step). Raises ``ProofError`` for a wrong type or cryptosuite.
    """
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != suite:
        raise ProofError(f"proof must be a DataIntegrityProof with cryptosuite {suite}")
    # ``unsecured`` keeps a "proof" only when it is the previous proof of a chain, which is
    # signed over too.
    document = with_proof_context(unsecured, proof)
    config = {k: copy.deepcopy(v) for k, v in proof.items() if k not in ("proofValue", "@context")}
    if "@context" in document:
        config["@context"] = copy.deepcopy(document["@context"])
    return document, config


class EcdsaRdfc2019Suite(VerifyOnlySuite):
    """ECDSA over the RDFC-1.0 canonical proof configuration and document."""

    name = "ecdsa-rdfc-2019"

    def hash_data(
        self,
        document: Mapping[str, Any],
        config: Mapping[str, Any],
        params: CurveParams,
        registry: ContextRegistry,
    ) -> bytes:
        """§3.2.4 "Hashing": hash of the canonical configuration, then of the document."""
        proof_hash = params.digest(canonicalize(config, registry).encode("utf-8"))
        document_hash = params.digest(canonicalize(document, registry).encode("utf-8"))
        return proof_hash + document_hash

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        registry: ContextRegistry,
    ) -> None:
        """§3.2.2 "Verify Proof"; raises ``ProofError`` with the reason it does not verify.

        JSON-LD failures surface as the ``VCError`` subclasses ``canonicalize`` raises.
        """
        ec_key, params = curve_params(public_key, self.name)
        signature = _decode_proof_value(proof.get("proofValue"))
        if len(signature) != params.signature_size:
            raise ProofError(
                f"proofValue is {len(signature)} bytes; a {params.name} signature is "
                f"{params.signature_size}"
            )
        document, config = proof_configuration(unsecured, proof, self.name)
        data = self.hash_data(document, config, params, registry)
        if not verify_p1363(ec_key, params, signature, data):
            raise ProofError(
                "signature does not match: the credential was changed or the key is wrong"
            )


def _decode_proof_value(value: Any) -> bytes:
    """§3.2.2 step: the proofValue is a multibase base58btc (``z``) signature."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue is not multibase base58btc")
    try:
        return b58decode(value[1:])
    except KeyFormatError:
        raise ProofError("proofValue is not base58btc") from None


SUITE = register_suite(EcdsaRdfc2019Suite())
