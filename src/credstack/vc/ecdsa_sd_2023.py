"""The ``ecdsa-sd-2023`` cryptosuite (VC-DI-ECDSA §3.4-3.6): verifying derived proofs.

Selective disclosure lets a holder show only some statements of a credential. The issuer signs
the mandatory statements together with a one-off P-256 key, and signs every other statement
with that key; the holder keeps the statements and signatures it chooses to reveal and sends a
*derived* proof. 1EdTech's validator accepts such Open Badges, so credstack must verify them.

Only derived proofs are verified: a *base* proof (header ``0xd9 0x5d 0x00``) is meant for the
holder alone and carries the HMAC key that hides blank node identifiers, so a verifier that
received one is told so. credstack neither signs nor derives with this suite; ``create``
refuses. Only P-256 issuer keys are accepted, the curve the suite's proof-scoped key uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from credstack.vc import cbor
from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import VerifyOnlySuite, register_suite
from credstack.vc.dids import PublicKey
from credstack.vc.ecdsa_rdfc_2019 import P256, proof_configuration, verify_p1363
from credstack.vc.errors import KeyFormatError, ProofError
from credstack.vc.jsonld import canonicalize
from credstack.vc.multibase import P256_PUB, b64url_decode, b64url_encode, multicodec_unwrap

__all__ = [
    "BASE_PROOF_HEADER",
    "DERIVED_PROOF_HEADER",
    "SUITE",
    "DerivedProofValue",
    "EcdsaSd2023Suite",
    "VerifyData",
    "create_verify_data",
    "decompress_label_map",
    "label_replacement_canonicalize",
    "parse_derived_proof_value",
]

NAME = "ecdsa-sd-2023"
BASE_PROOF_HEADER = b"\xd9\x5d\x00"
DERIVED_PROOF_HEADER = b"\xd9\x5d\x01"
_SIGNATURE_SIZE = 64  # P-256 r || s
_MULTIKEY_SIZE = len(P256_PUB) + 33  # multicodec prefix + compressed point
_HMAC_LABEL_SIZE = 32  # an HMAC-SHA-256 digest

_BNODE = r"_:[A-Za-z0-9_\-.]+"
_IRI = r"<[^>]*>"
_LITERAL = r'"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?'
_NQUAD = re.compile(
    rf"({_IRI}|{_BNODE}) ({_IRI}) ({_IRI}|{_BNODE}|{_LITERAL})(?: ({_IRI}|{_BNODE}))? \.",
    re.DOTALL,
)


@dataclass(frozen=True)
class DerivedProofValue:
    """The five components of a derived proof value, the label map decompressed."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: Mapping[str, str]
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True)
class VerifyData:
    """What "createVerifyData" yields: the signed hashes and the statements to check."""

    base_signature: bytes
    proof_hash: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    non_mandatory: tuple[str, ...]
    mandatory_hash: bytes


def decompress_label_map(compressed: Mapping[int, Any]) -> dict[str, str]:
    """The "decompressLabelMap" algorithm: ``{n: digest}`` to ``{"c14n<n>": "u<b64url>"}``.

    Raises ``ProofError`` unless every value is a 32-byte (HMAC-SHA-256) digest.
    """
    label_map = {}
    for index, digest in compressed.items():
        if not isinstance(digest, bytes) or len(digest) != _HMAC_LABEL_SIZE:
            raise ProofError(f"label map entry {index} is not a {_HMAC_LABEL_SIZE}-byte digest")
        label_map[f"c14n{index}"] = "u" + b64url_encode(digest)
    return label_map


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """The "parseDerivedProofValue" algorithm, with the component shapes checked.

    Raises ``ProofError``, or its subclass ``CBORError`` when the CBOR itself is malformed.
    """
    # Step 1: multibase base64url-no-pad.
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise ProofError("an ecdsa-sd-2023 proofValue must be multibase base64url ('u...')")
    # Step 2.
    try:
        decoded = b64url_decode(proof_value[1:])
    except KeyFormatError:
        raise ProofError("proofValue is not base64url") from None
    # Step 3: the disclosure (derived) proof header.
    header = decoded[: len(DERIVED_PROOF_HEADER)]
    if header == BASE_PROOF_HEADER:
        raise ProofError(
            "this is an ecdsa-sd-2023 base proof, meant for the holder only; "
            "a verifier needs a derived proof"
        )
    if header != DERIVED_PROOF_HEADER:
        raise ProofError(f"proofValue header is {header.hex()}, expected d95d01 (derived proof)")
    # Steps 4-5: five components of fixed shapes, then the label map decompressed.
    components = cbor.decode(decoded[len(DERIVED_PROOF_HEADER) :])
    if not isinstance(components, list) or len(components) != 5:
        raise ProofError("a derived proof value must be a CBOR array of five items")
    base_signature, public_key, signatures, label_map, indexes = components
    return DerivedProofValue(
        base_signature=_sized_bytes(base_signature, _SIGNATURE_SIZE, "base signature"),
        public_key=_sized_bytes(public_key, _MULTIKEY_SIZE, "proof-scoped public key"),
        signatures=tuple(_signature_list(signatures)),
        label_map=decompress_label_map(_int_map(label_map)),
        mandatory_indexes=tuple(_index_list(indexes)),
    )


def _sized_bytes(value: Any, size: int, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != size:
        raise ProofError(f"the {what} must be a {size}-byte string")
    return value


def _signature_list(value: Any) -> list[bytes]:
    if not isinstance(value, list):
        raise ProofError("the signatures must be an array of byte strings")
    return [_sized_bytes(item, _SIGNATURE_SIZE, "statement signature") for item in value]


def _int_map(value: Any) -> dict[int, Any]:
    if not isinstance(value, dict):
        raise ProofError("the label map must be a map of integers to byte strings")
    return value


def _index_list(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) for i in value):
        raise ProofError("the mandatory indexes must be an array of integers")
    if len(set(value)) != len(value):
        raise ProofError("the mandatory indexes repeat an index")
    return value


def _relabel(line: str, label_map: Mapping[str, str]) -> str:
    """One canonical N-Quad with each blank node ``_:c14nN`` renamed by the label map.

    Terms are matched whole, so text inside a literal that looks like a label stays as it is.
    Raises ``ProofError`` for a line that is not UTF-8 encodable or not an N-Quad.
    """
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A JSON "\ud800" escape yields a lone surrogate, which no signer could have hashed.
        raise ProofError("the credential contains text that is not valid Unicode") from None
    match = _NQUAD.fullmatch(line)
    if match is None:
        raise ProofError(f"unexpected canonical N-Quad: {line[:80]}")
    terms = []
    for term in match.groups():
        if term is None:
            continue
        if term.startswith("_:"):
            label = label_map.get(term[2:])
            if label is None:
                raise ProofError(f"the proof's label map has no entry for blank node {term}")
            term = "_:" + label
        terms.append(term)
    return " ".join(terms) + " .\n"


def label_replacement_canonicalize(
    document: Mapping[str, Any], label_map: Mapping[str, str], registry: ContextRegistry
) -> list[str]:
    """The "labelReplacementCanonicalizeJsonLd" algorithm, labels from the proof's map.

    The canonical N-Quads of ``document`` (safe mode), blank nodes renamed to the labels the
    issuer signed, sorted again. The sort is by UTF-16 code units, as the JavaScript reference
    implementation (``Array.prototype.sort``) orders them; it differs from code point order only
    between characters above U+E000 and those beyond the BMP.
    """
    lines = canonicalize(document, registry).split("\n")[:-1]
    relabeled = [_relabel(line, label_map) for line in lines]
    return sorted(relabeled, key=lambda quad: quad.encode("utf-16-be"))


def create_verify_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], registry: ContextRegistry
) -> VerifyData:
    """The "createVerifyData" algorithm for the unsecured ``document`` and its derived ``proof``."""
    # Step 2 first, so that a malformed proof value fails before any JSON-LD work.
    parsed = parse_derived_proof_value(proof.get("proofValue"))
    # Step 1: hash the canonical proof configuration (SHA-256: the suite is P-256 only).
    unsecured, config = proof_configuration(document, proof, NAME)
    params = P256
    proof_hash = params.digest(canonicalize(config, registry).encode("utf-8"))
    # Steps 3-4: canonicalise with the issuer's blank node labels.
    nquads = label_replacement_canonicalize(unsecured, parsed.label_map, registry)
    if any(index >= len(nquads) for index in parsed.mandatory_indexes):
        raise ProofError("a mandatory index points past the disclosed statements")
    # Steps 5-7: split mandatory from selectively disclosed statements.
    mandatory_set = set(parsed.mandatory_indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in mandatory_set]
    non_mandatory = tuple(nq for i, nq in enumerate(nquads) if i not in mandatory_set)
    # Step 8: "hashMandatoryNQuads".
    mandatory_hash = params.digest("".join(mandatory).encode("utf-8"))
    return VerifyData(
        base_signature=parsed.base_signature,
        proof_hash=proof_hash,
        public_key=parsed.public_key,
        signatures=parsed.signatures,
        non_mandatory=non_mandatory,
        mandatory_hash=mandatory_hash,
    )


def _proof_scoped_key(multikey: bytes) -> ec.EllipticCurvePublicKey:
    try:
        raw = multicodec_unwrap(multikey, P256_PUB, 33)
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (KeyFormatError, ValueError):
        raise ProofError("the proof-scoped public key is not a P-256 Multikey") from None


class EcdsaSd2023Suite(VerifyOnlySuite):
    """Verifier of ``ecdsa-sd-2023`` derived proofs."""

    name = NAME

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        registry: ContextRegistry,
    ) -> None:
        """The "Verify Derived Proof (ecdsa-sd-2023)" algorithm.

        Raises ``ProofError`` saying which check failed; JSON-LD failures surface as the
        ``VCError`` subclasses ``canonicalize`` raises.
        """
        if not (
            isinstance(public_key, ec.EllipticCurvePublicKey)
            and public_key.curve.name == ec.SECP256R1.name
        ):
            raise ProofError(f"{self.name} is supported with P-256 issuer keys only")
        params = P256
        # Steps 1-2.
        data = create_verify_data(unsecured, proof, registry)
        # Step 3.
        if len(data.signatures) != len(data.non_mandatory):
            raise ProofError(
                f"the proof has {len(data.signatures)} statement signatures for "
                f"{len(data.non_mandatory)} disclosed statements"
            )
        # Step 4.
        scoped_key = _proof_scoped_key(data.public_key)
        # Steps 5-7: the issuer's signature binds proof options, scoped key and mandatory data.
        to_verify = data.proof_hash + data.public_key + data.mandatory_hash
        if not verify_p1363(public_key, params, data.base_signature, to_verify):
            raise ProofError(
                "base signature does not match: the mandatory statements or proof options "
                "were changed, or the key is wrong"
            )
        # Step 8: every selectively disclosed statement under the proof-scoped key.
        for index, (signature, statement) in enumerate(
            zip(data.signatures, data.non_mandatory, strict=True)
        ):
            if not verify_p1363(scoped_key, params, signature, statement.encode("utf-8")):
                raise ProofError(
                    f"signature of disclosed statement {index} does not match: "
                    "the disclosed data was changed"
                )


SUITE = register_suite(EcdsaSd2023Suite())
