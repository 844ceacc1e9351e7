"""Signing a credential: the one call issuers need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from credstack.vc import proofs as _proofs  # noqa: F401  (registers the suites)
from credstack.vc.contexts import ContextRegistry
from credstack.vc.data_integrity import ProofOptions, add_proof
from credstack.vc.keys import Ed25519KeyPair

__all__ = ["sign_credential"]


def sign_credential(
    credential: Mapping[str, Any],
    key: Ed25519KeyPair,
    *,
    created: dt.datetime,
    cryptosuite: str = "eddsa-rdfc-2022",
    registry: ContextRegistry | None = None,
    proof_id: str | None = None,
) -> dict[str, Any]:
    """``credential`` with a Data Integrity proof by ``key`` (``eddsa-rdfc-2022`` by default).

    ``created`` is the proof time (time is a parameter). Raises ``SafeModeError`` when the
    credential uses a term its contexts do not define, ``ContextError`` for a context that is
    not bundled, ``ProofError`` for an unknown cryptosuite or a key without an id.
    """
    options = ProofOptions(created=created, cryptosuite=cryptosuite, id=proof_id)
    return add_proof(credential, key, options, registry=registry)
