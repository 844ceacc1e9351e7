"""End to end: award a cohort from a CSV file, then verify what was issued (issue 5's baseline).

Reads a generated CSV row by row, builds each credential (status slot, salted e-mail hash,
EU extension), signs it with eddsa-rdfc-2022 through the general (pyld) path and stores it in
SQLite, exactly as ``credstack award --csv`` does; then verifies the stored credentials with
``credstack.vc.verify``. Prints credentials per second for both, the peak memory, and the
target issue 5 sets (5,000 a second on one core for each). Run:
``.venv/bin/python bench/bench_bulk_award.py [rows]`` (default 1,000).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

from credstack.bootstrap import build_services
from credstack.domain.awards import AwardRequest, Recipient
from credstack.services import achievements, awards, issuers
from credstack.services.achievement_files import parse_definition
from credstack.services.award_csv import CsvAward, read_award_rows
from credstack.services.bulk_awards import issue_awards
from credstack.settings import Settings
from credstack.vc import Verdict, verify

TARGET_PER_SECOND = 5_000
DEFINITION = (
    Path(__file__).resolve().parent.parent / "src/credstack/cli/demo_data/data-analysis.yaml"
)


def cohort_csv(rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "result", "id"])
    for n in range(rows):
        writer.writerow([f"learner{n}@example.org", f"Learner {n}", "A", f"row-{n}"])
    return out.getvalue()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    with tempfile.TemporaryDirectory() as folder:
        deps = build_services(Settings(data_dir=Path(folder)))
        issuers.create_issuer(deps, id="demo-academy", name="Bench Academy", country_code="NL")
        _, spec = parse_definition(DEFINITION.read_text("utf-8"))
        achievements.save_achievement(deps, "demo-academy", spec)
        achievements.publish_achievement(deps, spec.id)

        text = cohort_csv(rows)
        started = time.perf_counter()
        requests = (
            (row.line, AwardRequest(spec.id, Recipient(email=row.email, name=row.name),
                                    result=row.result, source_id=row.id))
            if isinstance(row, CsvAward) else (row.line, row.message)
            for row in read_award_rows(io.StringIO(text))
        )  # fmt: skip
        outcomes = list(issue_awards(deps, spec.id, requests))
        issue_seconds = time.perf_counter() - started
        issued = sum(o.status == "issued" for o in outcomes)

        stored = awards.list_awards(deps, achievement_id=spec.id)
        now = dt.datetime.now(dt.UTC)
        started = time.perf_counter()
        verdicts = [verify(a.credential, now=now).verdict for a in stored]
        verify_seconds = time.perf_counter() - started
        valid = sum(v is not Verdict.INVALID for v in verdicts)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows:,} rows, one process, general path (pyld), SQLite; one run, noisy machine")
    print(_line("award from CSV", issued, "issued", issue_seconds))
    print(_line("verify", valid, "valid", verify_seconds))
    print(f"  peak RSS       : {peak_mb:,.0f} MB")


def _line(what: str, count: int, outcome: str, seconds: float) -> str:
    rate = count / seconds
    share = rate / TARGET_PER_SECOND
    return (
        f"  {what:<15}: {count:,} {outcome} in {seconds:6.1f} s = {rate:8.1f}/s "
        f"({share:.3f}x of the {TARGET_PER_SECOND:,}/s target)"
    )


if __name__ == "__main__":
    main()
