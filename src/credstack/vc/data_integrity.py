"""Data Integrity proofs (W3C VC Data Integrity 1.0): add, verify, proof sets and chains.

The algorithms of §4 ("Add Proof", "Verify Proof", "Add/Verify Proof Set/Chain") are generic;
what differs between suites is how a document and a proof configuration become the bytes that
are signed. A ``Cryptosuite`` supplies that part, and ``SUITES`` maps the names found in
``proof.cryptosuite`` (or, for legacy suites, ``proof.type``) to implementations. Suites register
themselves when their module is imported (see ``credstack.vc.proofs``).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from credstack.vc.contexts import ContextRegistry, default_registry
from credstack.vc.dids import PublicKey, ResolvedMethod, resolve_verification_method
from credstack.vc.errors import DIDResolutionError, ProofError, VCError
from credstack.vc.fetching import Fetcher
from credstack.vc.keys import Ed25519KeyPair

__all__ = [
    "SUITES",
    "Cryptosuite",
    "ProofOptions",
    "ProofResult",
    "VerifyOnlySuite",
    "add_proof",
    "proofs_of",
    "register_suite",
    "suite_name",
    "verify_proofs",
    "with_proof_context",
]

_XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Cryptosuite(Protocol):
    """One proof suite: how to sign and verify one proof."""

    name: str
    proof_type: str

    def create(
        self,
        unsecured: Mapping[str, Any],
        config: dict[str, Any],
        key: Ed25519KeyPair,
        registry: ContextRegistry,
    ) -> str:
        """The proofValue for ``unsecured`` under the proof configuration ``config``."""
        ...

    def verify(
        self,
        unsecured: dict[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        registry: ContextRegistry,
    ) -> None:
        """Raise ``ProofError`` unless ``proof`` is a valid proof of ``unsecured`` by the key."""
        ...


SUITES: dict[str, Cryptosuite] = {}


def register_suite(suite: Cryptosuite) -> Cryptosuite:
    """Make ``suite`` available to ``add_proof`` and ``verify_proofs`` under its name."""
    SUITES[suite.name] = suite
    return suite


@dataclass(frozen=True)
class ProofOptions:
    """What a new proof says besides its value. ``created`` is a parameter: no hidden clock."""

    created: dt.datetime
    cryptosuite: str = "eddsa-rdfc-2022"
    proof_purpose: str = "assertionMethod"
    expires: dt.datetime | None = None
    id: str | None = None
    previous_proof: str | list[str] | None = None
    domain: str | None = None
    challenge: str | None = None


@dataclass(frozen=True)
class ProofResult:
    """The outcome of verifying one proof, with what a report needs to explain it."""

    index: int
    suite: str
    verified: bool
    message: str
    verification_method: str = ""
    method: ResolvedMethod | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


@functools.lru_cache(maxsize=64)  # a cohort's proofs share their creation time
def _datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ProofError("proof times must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The document's proofs as a list (a single proof object is a set of one)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def suite_name(proof: Any) -> str:
    """The name a proof's suite is registered under: its cryptosuite, else its type."""
    if not isinstance(proof, Mapping):
        return ""
    if proof.get("type") == "DataIntegrityProof":
        return str(proof.get("cryptosuite", ""))
    return str(proof.get("type", ""))


def with_proof_context(unsecured: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document a verifier hashes for ``proof`` (VC Data Integrity §4.4, "Verify Proof").

    A proof that carries its own ``@context`` must match the start of the document's, and then
    stands in for it; otherwise the document is taken as it is. Raises ``ProofError``.
    """
    document = dict(unsecured)  # shallow: nothing below changes the values it shares
    if "@context" in proof:
        proof_list = _as_list(proof["@context"])
        if _as_list(document.get("@context"))[: len(proof_list)] != proof_list:
            raise ProofError("the proof's @context does not match the document's")
        document["@context"] = proof["@context"]
    return document


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


class VerifyOnlySuite:
    """Base of suites credstack verifies but never signs with (other issuers' algorithms)."""

    name = ""
    proof_type = "DataIntegrityProof"

    def create(
        self,
        unsecured: Mapping[str, Any],
        config: dict[str, Any],
        key: Ed25519KeyPair,
        registry: ContextRegistry,
    ) -> str:
        """Refused: credstack issues with its Ed25519 suites only."""
        raise ProofError(f"{self.name} is supported for verification only")


def add_proof(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    options: ProofOptions,
    *,
    registry: ContextRegistry | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof (VC Data Integrity §4.2 "Add Proof").

    The copy is shallow: it shares the document's values, which are not changed.

    An existing proof is kept and the new one is added beside it (a proof set, §4.3), or
    after it when ``previous_proof`` names it (a proof chain). Raises ``VCError`` subclasses
    when the document cannot be secured, e.g. ``SafeModeError`` for an undefined term.
    """
    registry = registry or default_registry()
    suite = SUITES.get(options.cryptosuite)
    if suite is None:
        raise ProofError(f"unknown cryptosuite '{options.cryptosuite}'")
    if not key.id:
        raise ProofError("the signing key has no verification method id")
    existing = proofs_of(document)
    # Shallow copies throughout: signing reads the document and never changes it, and a
    # cohort's credentials share their frozen parts (credstack.vc.frozen) on purpose.
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    # §4.3 step: a chained proof signs over the proofs it names as previous.
    if options.previous_proof is not None:
        wanted = (
            [options.previous_proof]
            if isinstance(options.previous_proof, str)
            else list(options.previous_proof)
        )
        matching = [p for p in existing if isinstance(p, Mapping) and p.get("id") in wanted]
        if len(matching) != len(wanted):
            raise ProofError("previousProof names a proof the document does not have")
        unsecured["proof"] = matching if len(matching) > 1 else matching[0]
    config: dict[str, Any] = {"type": suite.proof_type}
    if options.id:
        config["id"] = options.id
    if suite.proof_type == "DataIntegrityProof":
        config["cryptosuite"] = suite.name
    config["created"] = _datetime(options.created)
    if options.expires:
        config["expires"] = _datetime(options.expires)
    config["verificationMethod"] = key.id
    config["proofPurpose"] = options.proof_purpose
    for name, value in (
        ("domain", options.domain),
        ("challenge", options.challenge),
        ("previousProof", options.previous_proof),
    ):
        if value is not None:
            config[name] = value
    proof_value = suite.create(unsecured, dict(config), key, registry)
    if getattr(suite, "proof_carries_context", False) and "@context" in document:
        config["@context"] = copy.deepcopy(document["@context"])
    proof = {**config, "proofValue": proof_value}
    secured = {k: v for k, v in document.items() if k != "proof"}
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def _check_proof_shape(proof: Any, expected_purpose: str, now: dt.datetime | None) -> None:
    if not isinstance(proof, Mapping):
        raise ProofError("proof is not an object")
    for name in ("type", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            raise ProofError(f"proof has no {name}")
    if proof["proofPurpose"] != expected_purpose:
        raise ProofError(
            f"proof purpose is '{proof['proofPurpose']}', expected '{expected_purpose}'"
        )
    for name in ("created", "expires"):
        if name in proof and not (
            isinstance(proof[name], str) and _XSD_DATETIME.match(proof[name])
        ):
            raise ProofError(f"proof {name} is not an XML Schema dateTime")
    if now is not None and isinstance(proof.get("expires"), str):
        expires = dt.datetime.fromisoformat(proof["expires"].replace("Z", "+00:00"))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)
        if expires < now:
            raise ProofError(f"proof expired at {proof['expires']}")


def _unsecured_for(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document as it was when ``proof`` was made (§4.4 step for chains)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    wanted = [previous] if isinstance(previous, str) else list(previous)
    matching = [p for p in proofs_of(document) if isinstance(p, Mapping) and p.get("id") in wanted]
    if len(matching) != len(wanted):
        raise ProofError("previousProof names a proof the document does not carry")
    unsecured["proof"] = matching if len(matching) > 1 else matching[0]
    return unsecured


ResolveMethod = Callable[[str], ResolvedMethod]


def verify_proofs(
    document: Mapping[str, Any],
    *,
    fetcher: Fetcher | None = None,
    registry: ContextRegistry | None = None,
    expected_purpose: str = "assertionMethod",
    now: dt.datetime | None = None,
    resolve_method: ResolveMethod | None = None,
) -> list[ProofResult]:
    """Verify every proof of ``document`` (§4.4 "Verify Proof Sets and Chains").

    Never raises for a bad proof: each proof gets a ``ProofResult`` saying why it failed.
    """
    registry = registry or default_registry()

    def default_resolve(vm: str) -> ResolvedMethod:
        return resolve_verification_method(vm, fetcher, purpose=expected_purpose)

    resolve = resolve_method or default_resolve
    results = []
    for index, proof in enumerate(proofs_of(document)):
        name = suite_name(proof)
        vm = str(proof.get("verificationMethod", "")) if isinstance(proof, Mapping) else ""
        try:
            suite = SUITES.get(name)
            if suite is None:
                raise ProofError(f"proof type '{name or 'none'}' is not supported")
            _check_proof_shape(proof, expected_purpose, now)
            method = resolve(vm)
            suite.verify(_unsecured_for(document, proof), proof, method.public_key, registry)
        except DIDResolutionError as error:
            results.append(ProofResult(index, name, False, f"key not found: {error}", vm))
        except VCError as error:
            results.append(ProofResult(index, name, False, str(error), vm))
        else:
            results.append(ProofResult(index, name, True, "signature is valid", vm, method))
    return results
