"""A second, Python cross-check: openbadgeslib (PyPI) signs and verifies eddsa-rdfc-2022.

openbadgeslib is an independent OB 3.0 implementation with its own proof code; agreeing with it
(and with Digital Bazaar's Node stack in ``tests/interop``) guards against a shared mistake.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from credstack.vc import Ed25519KeyPair, did_key_for, sign_credential, verify_proofs
from tests.conftest import ob_badge as credential

ldp = pytest.importorskip("openbadgeslib.ob3.ldp", reason="openbadgeslib is a dev dependency")

CREATED = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def issuer() -> Ed25519KeyPair:
    key = Ed25519KeyPair.from_seed(bytes(range(100, 132)))
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def pems(key: Ed25519KeyPair) -> tuple[bytes, bytes]:
    private = key.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public = key.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return private, public


def test_openbadgeslib_verifies_what_credstack_signs() -> None:
    key = issuer()
    signed = sign_credential(credential(key.controller), key, created=CREATED)
    _, public = pems(key)
    ldp.verify_data_integrity_proof(signed, public)

    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Underwater Welding"
    with pytest.raises(ldp.OB3VerificationError):
        ldp.verify_data_integrity_proof(tampered, public)


def test_credstack_verifies_what_openbadgeslib_signs_and_agrees_byte_for_byte() -> None:
    key = issuer()
    private, _ = pems(key)
    theirs = ldp.add_data_integrity_proof(
        credential(key.controller), private, key.id, created=CREATED
    )
    results = verify_proofs(theirs)
    assert [r.verified for r in results] == [True], [r.message for r in results]

    ours = sign_credential(credential(key.controller), key, created=CREATED)
    assert ours["proof"]["proofValue"] == theirs["proof"]["proofValue"]

    theirs["validFrom"] = "2020-01-01T00:00:00Z"
    assert not any(r.verified for r in verify_proofs(theirs))
