"""Issue 5: award a cohort from CSV end to end and verify it, fast path beside general path.

Award: read the CSV row by row, build each credential (status slot, salted e-mail hash, EU
extension), sign it with eddsa-rdfc-2022 and store it in SQLite, exactly as
``credstack award --csv`` does (``issue_awards``). Verify: stored credstack credentials, and
"foreign" ones (another issuer, other shapes, fresh JSON text each), with ``verify_proofs``
(what the signature needs) and the full ``verify`` report. Each is measured on the fast path
and on the general (pyld) path in the same run, and the ratio printed; the general path runs
on fewer rows (it is ~100x slower) and is reported per second like the rest.

Targets (issue 5): 5,000 awards/s and 5,000 verifications/s on one core, near-linear on more
cores, under 500 MB for a million rows. Run:

    .venv/bin/python bench/bench_bulk_award.py [--rows 20000] [--general-rows 300]
        [--workers N] [--memory-rows 1000000]

Figures are one run on a shared, noisy machine: compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from credstack.bootstrap import build_services
from credstack.domain.awards import AwardRequest, Recipient
from credstack.services import achievements, awards, issuers
from credstack.services.achievement_files import parse_definition
from credstack.services.award_csv import CsvAward, read_award_rows
from credstack.services.bulk_awards import issue_awards
from credstack.settings import Settings
from credstack.vc import (
    Ed25519KeyPair,
    Verdict,
    did_key_for,
    jsonld,
    sign_credential,
    verify,
    verify_proofs,
)

TARGET = 5_000
DEFINITION = (
    Path(__file__).resolve().parent.parent / "src/credstack/cli/demo_data/data-analysis.yaml"
)
NOW = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # after every credential's validFrom


def write_cohort(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "result", "id"])
        for n in range(rows):
            writer.writerow([f"learner{n}@example.org", f"Learner {n}", "A", f"row-{n}"])


def requests(path: Path, achievement: str) -> Iterator[tuple[int, AwardRequest | str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in read_award_rows(handle):
            if isinstance(row, CsvAward):
                recipient = Recipient(email=row.email, name=row.name)
                yield (
                    row.line,
                    AwardRequest(achievement, recipient, result=row.result, source_id=row.id),
                )
            else:
                yield row.line, row.message


def award_run(
    folder: Path, csv_path: Path, workers: int, *, keep: bool = True
) -> tuple[float, int, list[str]]:
    """Seconds and count of one award run into a fresh SQLite database, and the texts
    (none when ``keep`` is false: a long run must not hold them)."""
    deps = build_services(Settings(data_dir=folder))
    issuers.create_issuer(deps, id="demo-academy", name="Bench Academy", country_code="NL")
    _, spec = parse_definition(DEFINITION.read_text("utf-8"))
    achievements.save_achievement(deps, "demo-academy", spec)
    achievements.publish_achievement(deps, spec.id)
    started = time.perf_counter()
    outcomes = issue_awards(deps, spec.id, requests(csv_path, spec.id), workers=workers)
    issued = sum(outcome.status == "issued" for outcome in outcomes)
    seconds = time.perf_counter() - started
    if not keep:
        return seconds, issued, []
    texts = [award.credential for award in awards.list_awards(deps, achievement_id=spec.id)]
    return seconds, issued, texts


def foreign_credentials(count: int) -> list[str]:
    """Credentials another issuer made: its own key, a shape like the OB 3.0 spec example,
    no credstack extension, each with ids and names of its own."""
    key = Ed25519KeyPair.generate()
    did = did_key_for(key.public_key)
    key = key.with_id(f"{did}#{key.public_multibase}", did)
    texts = []
    for n in range(count):
        document: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"https://example.edu/credentials/{n}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": did, "type": ["Profile"], "name": "Example University"},
            "validFrom": "2026-01-01T00:00:00Z",
            "name": f"Teamwork badge {n}",
            "credentialSubject": {
                "id": f"did:example:learner{n}",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": f"https://example.edu/achievements/{n % 50}",
                    "type": ["Achievement"],
                    "name": f"Teamwork {n % 50}",
                    "description": "Works in a team of five on a real project.",
                    "criteria": {"narrative": "Completed the team project with a pass."},
                    "alignment": [
                        {
                            "type": ["Alignment"],
                            "targetName": "Collaborates",
                            "targetUrl": "https://example.edu/skills/collaborates",
                            "targetFramework": "Example skills",
                        }
                    ],
                },
                "result": [{"type": ["Result"], "value": "pass"}],
            },
        }
        texts.append(json.dumps(sign_credential(document, key, created=NOW)))
    return texts


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(texts: list[str], check: Callable[[str], bool]) -> tuple[float, int]:
    started = time.perf_counter()
    passed = sum(check(text) for text in texts)
    return time.perf_counter() - started, passed


def proofs_valid(text: str) -> bool:
    return all(result.verified for result in verify_proofs(json.loads(text), now=NOW))


def report_valid(text: str) -> bool:
    return verify(text, now=NOW).verdict is not Verdict.INVALID


def line(what: str, fast: float, general: float | None = None, per_core: bool = True) -> None:
    parts = [f"  {what:<34} fast {fast:9,.0f}/s"]
    if general is not None:
        parts.append(f"general {general:7,.1f}/s  fast/general {fast / general:6.1f}x")
    if per_core:
        parts.append(f"{fast / TARGET:5.2f}x of {TARGET:,}/s")
    print("  ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--general-rows", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--verify", type=int, default=5_000, help="credentials verified")
    parser.add_argument("--memory-rows", type=int, default=0, help="also award this many")
    parser.add_argument(
        "--only-memory", action="store_true", help="only the long run (its own peak RSS)"
    )
    args = parser.parse_args()
    if args.only_memory:
        args.rows = args.general_rows = args.verify = 0

    fast = jsonld.use_path()
    print(
        f"fast path: {fast} ({'mypyc' if fast == 'compiled' else 'plain Python'}); "
        f"{os.cpu_count()} cores; SQLite; one run on a shared machine"
    )
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        if not args.only_memory:
            measure_speed(args, root, fast)
        if args.memory_rows:
            measure_memory(args, root)


def measure_speed(args: argparse.Namespace, root: Path, fast: str) -> None:
    """Award on one process (fast and general path), on every core, then verify."""
    big, small = root / "cohort.csv", root / "small.csv"
    write_cohort(big, args.rows)
    write_cohort(small, args.general_rows)

    # 1. award from CSV, one core: fast path, then general path (same run)
    seconds, issued, texts = award_run(root / "fast1", big, workers=1)
    fast_award = rate(issued, seconds)
    os.environ["CREDSTACK_JSONLD_PATH"] = "general"
    jsonld.use_path("general")
    g_seconds, g_issued, _ = award_run(root / "general1", small, workers=1)
    jsonld.use_path(fast)
    del os.environ["CREDSTACK_JSONLD_PATH"]
    print(f"award from CSV ({args.rows:,} rows fast, {args.general_rows:,} general)")
    line("one process", fast_award, rate(g_issued, g_seconds))

    # 2. the same on every core
    if args.workers > 1:
        seconds, issued, _ = award_run(root / f"fast{args.workers}", big, args.workers)
        many = rate(issued, seconds)
        print(
            f"  {args.workers} worker processes{'':<17} fast {many:9,.0f}/s  "
            f"{many / fast_award:.2f}x one process ({many / fast_award / args.workers:.0%} "
            f"of linear)"
        )

    # 3. verification, one core
    own = texts[: args.verify]
    foreign = foreign_credentials(min(args.verify, len(own)))
    few = args.general_rows
    print(f"verify ({len(own):,} credstack + {len(foreign):,} foreign fast, {few} general)")
    for label, sample in (("credstack-issued", own), ("foreign", foreign)):
        for what, check in (("proofs", proofs_valid), ("full report", report_valid)):
            seconds, passed = timed(sample, check)
            assert passed == len(sample), f"{label} {what}: {len(sample) - passed} failed"
            jsonld.use_path("general")
            g_seconds, _ = timed(sample[:few], check)
            jsonld.use_path(fast)
            line(f"{label}, {what}", rate(len(sample), seconds), rate(few, g_seconds))


def measure_memory(args: argparse.Namespace, root: Path) -> None:
    """A long run from one CSV file, and the peak memory of this process and its workers."""
    huge = root / "huge.csv"
    write_cohort(huge, args.memory_rows)
    seconds, issued, _ = award_run(root / "huge", huge, args.workers, keep=False)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"memory: {issued:,} awarded from one CSV with {args.workers} workers in "
        f"{seconds:,.0f} s ({rate(issued, seconds):,.0f}/s); peak RSS: this process "
        f"{parent:,.0f} MB, largest worker {child:,.0f} MB, so at most "
        f"{parent + args.workers * child:,.0f} MB in all (target: 500 MB)"
    )


if __name__ == "__main__":
    main()
