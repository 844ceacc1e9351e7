"""How fast the standards core signs and verifies, per suite, on one OB 3.0 credential.

Prints credentials per second for signing and verifying with eddsa-rdfc-2022 and
eddsa-jcs-2022, and the share of the time spent in RDF canonicalisation: the figure that
decides whether a cohort of thousands can be issued in one request. Run:
``.venv/bin/python bench/bench_sign_verify.py [n]``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

from credstack.vc import Ed25519KeyPair, canonicalize, did_key_for, sign_credential, verify_proofs

CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def credential(key: Ed25519KeyPair, n: int) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "Bench University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Data Analysis Fundamentals",
        "credentialSubject": {
            "id": f"did:example:learner{n}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://bench.example/achievements/1",
                "type": ["Achievement"],
                "name": "Data Analysis Fundamentals",
                "description": "Cleans, explores and summarises tabular data.",
                "criteria": {"narrative": "Pass the final assessment."},
            },
        },
    }


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.1f}/s"


def main(n: int) -> None:
    key = Ed25519KeyPair.from_seed(bytes(32))
    did = did_key_for(key.public_key)
    key = key.with_id(f"{did}#{key.public_multibase}", did)
    docs = [credential(key, i) for i in range(n)]
    print(f"{n} credentials, one run")
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        start = time.perf_counter()
        signed = [sign_credential(d, key, created=CREATED, cryptosuite=suite) for d in docs]
        sign_time = time.perf_counter() - start
        start = time.perf_counter()
        ok = all(r.verified for s in signed for r in verify_proofs(s))
        verify_time = time.perf_counter() - start
        assert ok
        print(f"{suite:18} sign {rate(n, sign_time)}  verify {rate(n, verify_time)}")
    start = time.perf_counter()
    for d in docs:
        canonicalize(d)
    canon_time = time.perf_counter() - start
    print(f"RDFC-1.0 canonicalisation alone {rate(n, canon_time)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
