"""What the EdDSA suites share: Ed25519 over SHA-256(proof config) ‖ SHA-256(document).

VC-DI-EdDSA §3.3 (eddsa-rdfc-2022), §3.4 (eddsa-jcs-2022) and the older Ed25519Signature2020
differ only in how the document and proof configuration are canonicalised and which
``@context`` the configuration gets; ``EdDSASuite`` does the rest once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import with_proof_context
from credstack.vc.dids import PublicKey
from credstack.vc.errors import KeyFormatError, ProofError
from credstack.vc.frozen import FrozenDict, FrozenList
from credstack.vc.keys import Ed25519KeyPair, verify_ed25519
from credstack.vc.multibase import b58decode, b58encode

__all__ = ["EdDSASuite", "Transform"]

Transform = Callable[[Mapping[str, Any], ContextRegistry], bytes]


_MAX_CONFIG_HASHES = 1_024
_DUMPS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_DUMPS |= orjson.OPT_PASSTHROUGH_SUBCLASS


def _config_key(config: Mapping[str, Any], registry: ContextRegistry) -> tuple[Any, ...] | None:
    """What decides a proof configuration's canonical form, or ``None`` when it is not a
    plain one (any value but ``@context`` that is not a string). The registry is part of it:
    another registry may define the context's terms otherwise."""
    fields = []
    for name, value in config.items():
        if name == "@context":
            continue
        if not isinstance(value, str):
            return None
        fields.append((name, value))
    fields.sort()
    context = config.get("@context")
    if type(context) is FrozenList or type(context) is FrozenDict:
        # cannot change: its identity will do (the key holds it, so the id is not reused)
        return (registry, id(context), _Held(context), *fields)
    if isinstance(context, list) and all(type(item) is str for item in context):
        return (registry, "list", *context, "fields", *fields)  # the usual: URLs only
    try:
        text = orjson.dumps(context, option=_DUMPS)
    except TypeError:  # not plain JSON
        return None
    # orjson writes some values alike (NaN and null; a tuple and a list): the key also holds
    # the context itself, compared for equality on every hit
    return (registry, text, _Equal(context), *fields)


class _Held:
    """Keeps an object alive inside a dictionary key without taking part in equality."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Held)

    def __hash__(self) -> int:
        return 0


class _Equal:
    """A value inside a dictionary key that takes part in equality (deep ``==``) but not in
    the hash."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Equal)
            and type(other.value) is type(self.value)
            and (other.value == self.value)
        )

    def __hash__(self) -> int:
        return 0


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
        self._config_hashes: dict[tuple[Any, ...], bytes] = {}

    def hash_data(
        self,
        unsecured: Mapping[str, Any],
        config: Mapping[str, Any],
        registry: ContextRegistry,
    ) -> bytes:
        """§3.3.4 "Hashing": SHA-256 of the canonical config, then of the canonical document."""
        return (
            self.config_hash(config, registry)
            + hashlib.sha256(self._transform(unsecured, registry)).digest()
        )

    def config_hash(self, config: Mapping[str, Any], registry: ContextRegistry) -> bytes:
        """SHA-256 of the canonical proof configuration, remembered: a cohort signed in the
        same second shares one configuration (same key, time, purpose and context)."""
        key = _config_key(config, registry)
        if key is None:
            return hashlib.sha256(self._transform(config, registry)).digest()
        found = self._config_hashes.get(key)
        if found is None:
            if len(self._config_hashes) >= _MAX_CONFIG_HASHES:
                self._config_hashes.clear()
            found = hashlib.sha256(self._transform(config, registry)).digest()
            self._config_hashes[key] = found
        return found

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
