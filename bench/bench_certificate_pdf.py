"""Decision 0021: how long one printable certificate takes to draw.

Renders the certificate of a credential shaped as credstack issues one (EU elements, skills,
a Greek issuer, a Polish name), a short one and one long enough to be cut, and prints the
median, the fastest and the slowest of N renders after the first (which reads the font),
and the median CPU time (less moved by other work on a shared machine than the wall clock).
The budget is 100 ms a render; above it, certificates would be cached per award. Run:

    .venv/bin/python bench/bench_certificate_pdf.py [--renders 20]

Figures are one run on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

from credstack.adapters.certificate_pdf import render_certificate
from credstack.domain.awards import Award, Recipient
from credstack.domain.badge_images import default_badge_png
from credstack.services.exports import PrintableCredential, Standing

URL = "https://badges.example.edu/credentials/0b0e5a43-7d1b-4c55-9b53-f1e5d5a0c001"


def _printable(outcomes: int) -> PrintableCredential:
    document: dict[str, Any] = {
        "id": URL,
        "issuer": {"id": "did:key:z6Mk", "name": "Πανεπιστήμιο Αθηνών"},
        "validFrom": "2026-03-01T10:00:00Z",
        "credentialSubject": {
            "identifier": [
                {"identityType": "name", "hashed": False, "identityHash": "Zoë Łukasiewicz"}
            ],
            "achievement": {
                "name": "Introduction to Data Science",
                "description": "Tidy data, plots and a first model. " * 4,
                "criteria": {"narrative": "Pass the final project."},
                "alignment": [{"targetName": "Data analysis"}, {"targetName": "Python"}],
                "microCredential": {
                    "learningOutcome": [f"Outcome {n}: do a thing well." for n in range(outcomes)],
                    "notionalWorkloadHours": 50,
                    "ectsCredits": 2,
                    "eqfLevel": 6,
                    "assessmentType": "Project, graded",
                    "qualityAssurance": "Faculty board",
                },
            },
        },
    }
    award = Award(
        id=URL.rsplit("/", 1)[1],
        credential_id=URL,
        issuer_id="uoa",
        achievement_id="data-101",
        achievement_version=1,
        recipient=Recipient(email="zoe@example.org", name="Zoë Łukasiewicz"),
        issued_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC),
        valid_until=None,
        source_key="zoe@example.org",
        signing_key_id="key-1",
        credential=json.dumps(document),
    )
    badge = default_badge_png("Introduction to Data Science", seed="data-101")
    return PrintableCredential(award, badge, URL, Standing.VALID, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()
    for label, outcomes in (("3 outcomes", 3), ("60 outcomes (cut)", 60)):
        parts = _printable(outcomes)
        started = time.perf_counter()
        size = len(render_certificate(parts))
        first = time.perf_counter() - started
        times, cpu = [], []
        for _ in range(args.renders):
            started, started_cpu = time.perf_counter(), time.process_time()
            render_certificate(parts)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"{label:>18}: {size:,} bytes; first {first * 1000:.0f} ms, then median "
            f"{statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f}, "
            f"max {max(times) * 1000:.1f}; CPU median {statistics.median(cpu) * 1000:.1f} ms) "
            f"over {args.renders}"
        )


if __name__ == "__main__":
    main()
