"""Issue 8: every learner on a pathway re-evaluated after a change, against a real database.

Sets up an installation in a temporary folder (SQLite, or ``--database-url``): an issuer,
three component micro-credentials and a target, a pathway of all three, ``--learners``
learners on it each holding two of the three components (so nobody completes it), then
times ``reevaluate_pathway`` (what a definition change triggers: every learner marked due and
settled, i.e. their holdings read, the pathway evaluated, the mark cleared). Then one learner
in ten gets the third component by a cohort run, which completes their pathway: the stacked
credentials are issued in that run, and timed too. Target: 10,000 learners re-evaluated in
under a minute.

    .venv/bin/python bench/bench_pathways.py [--learners 10000] [--database-url URL]

One run on a shared machine: compare figures of the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from credstack.bootstrap import build_services
from credstack.domain.accounts import User
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.pathway_records import PathwayLearner
from credstack.domain.pathways import parse_pathway_data
from credstack.services import achievements, issuers
from credstack.services.bulk_awards import issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.pathways import reevaluate_pathway, save_pathway
from credstack.settings import Settings

COMPONENTS = ("foundations", "charts", "ethics")


def _setup(deps: ServiceDeps, learners: int) -> list[str]:
    issuers.create_issuer(deps, id="acme", name="Acme Academy", country_code="NL")
    for achievement_id in (*COMPONENTS, "certificate"):
        spec = AchievementSpec(
            id=achievement_id, name=achievement_id.title(), description="A course.",
            criteria="Pass.",
        )  # fmt: skip
        achievements.save_achievement(deps, "acme", spec)
        achievements.publish_achievement(deps, achievement_id)
    pathway = {
        "id": "data-certificate",
        "name": "Data certificate",
        "target": "certificate",
        "requirements": {
            "id": "all",
            "all_of": [{"id": c, "credential": c} for c in COMPONENTS],
        },
    }
    save_pathway(deps, "acme", parse_pathway_data(pathway), actor="bench")
    now = deps.clock.now()
    emails = [f"learner{n}@example.org" for n in range(learners)]
    with deps.uow() as uow:
        for email in emails:
            user = User(str(uuid.uuid4()), email, email, None, False, now, email_confirmed_at=now)
            uow.accounts.add_user(user)
            uow.pathways.add_learner(
                PathwayLearner(str(uuid.uuid4()), "data-certificate", user.id, 1, now)
            )
        uow.commit()
    for component in COMPONENTS[:2]:
        rows = [(n, AwardRequest(component, Recipient(email=e))) for n, e in enumerate(emails)]
        for _ in issue_awards(deps, component, rows):
            pass
    return emails


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=args.database_url)
        deps = build_services(settings)
        started = time.perf_counter()
        emails = _setup(deps, args.learners)
        print(f"set-up: {args.learners:,} learners holding 2 of 3 components each "
              f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

        started = time.perf_counter()
        looked_at = reevaluate_pathway(deps, "acme", "data-certificate")
        took = time.perf_counter() - started
        print(f"re-evaluated {looked_at:,} learners in {took:.1f} s "
              f"({looked_at / took:,.0f} a second; target: {args.learners:,} in 60 s, "
              f"{60 / took:.2f}x)")  # fmt: skip

        finishers = emails[::10]
        rows = [(n, AwardRequest("ethics", Recipient(email=e))) for n, e in enumerate(finishers)]
        started = time.perf_counter()
        for _ in issue_awards(deps, "ethics", rows):
            pass
        took = time.perf_counter() - started
        with deps.uow() as uow:
            stacked = len(list(uow.awards.list(achievement_id="certificate")))
        print(f"a cohort of {len(finishers):,} last components: {stacked:,} stacked "
              f"credentials issued in the same run, {took:.1f} s in all "
              f"({took / max(stacked, 1) * 1000:.1f} ms a learner)")  # fmt: skip


if __name__ == "__main__":
    main()
