"""The standards core end to end: issue an Open Badge 3.0, verify it, catch a forgery.

Run with ``./dev demo``. Everything happens offline: the issuer is a ``did:key``, so anyone
can verify the credential from the credential alone.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from credstack.vc import Ed25519KeyPair, did_key_for, sign_credential, verify_proofs


def issuer_key() -> Ed25519KeyPair:
    """A new issuer identity: an Ed25519 key and the did:key that names it."""
    key = Ed25519KeyPair.generate()
    did = did_key_for(key.public_key)
    return key.with_id(f"{did}#{key.public_multibase}", did)


def badge(issuer: str) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential for one learner."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6a4e6a52-3d3f-4c1e-9a43-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Training Institute"},
        "validFrom": "2026-11-24T09:00:00Z",
        "name": "Introduction to Data Analysis",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": False,
                    "identityHash": "ada@example.org",
                }
            ],
            "achievement": {
                "id": "https://training.example/achievements/data-analysis-101",
                "type": ["Achievement"],
                "name": "Introduction to Data Analysis",
                "description": "Cleans, explores and summarises tabular data.",
                "criteria": {"narrative": "Passed the final assessment (70% or more)."},
            },
        },
    }


def main() -> None:
    key = issuer_key()
    signed = sign_credential(
        badge(key.controller), key, created=dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    print(json.dumps(signed, indent=2))

    [result] = verify_proofs(signed)
    print(f"\nverify: {'VALID' if result.verified else 'INVALID'} ({result.message})")

    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"
    [forged_result] = verify_proofs(forged)
    print(f"forged: {'VALID' if forged_result.verified else 'INVALID'} ({forged_result.message})")


if __name__ == "__main__":
    main()
