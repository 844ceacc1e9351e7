"""The standards core end to end: issue an Open Badge 3.0, bake it, verify it, catch a forgery.

Run with ``./dev demo``. Everything happens offline: the issuer is a ``did:key``, so anyone
can verify the credential from the credential alone. The baked badge is written to
``badge.svg`` in the current directory (or the path given as the first argument).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from credstack.vc import Ed25519KeyPair, bake, did_key_for, sign_credential, verify

BADGE_ART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
    '<circle cx="60" cy="60" r="56" fill="#1d4ed8"/>'
    '<text x="60" y="68" font-size="20" text-anchor="middle" fill="#fff">DA 101</text></svg>'
)


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
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    signed = sign_credential(badge(key.controller), key, created=now)
    print(json.dumps(signed, indent=2))

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "badge.svg")
    out.write_bytes(bake(BADGE_ART.encode(), signed))
    print(f"\nbaked into {out}")

    report = verify(out.read_bytes(), now=now)
    for check in report.checks:
        print(f"  {check.name:12} {check.outcome.value:12} {check.message}")
    print(f"verify: {report.verdict.value.upper()}")

    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"
    forged_report = verify(forged, now=now)
    reasons = "; ".join(c.message for c in forged_report.errors)
    print(f"forged: {forged_report.verdict.value.upper()} ({reasons})")


if __name__ == "__main__":
    main()
