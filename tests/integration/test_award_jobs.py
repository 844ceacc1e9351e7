"""Bulk awards through the issuer API: a cohort as a background job, its progress and report.

The web tests run in process (TestClient); the runner is either the application's own
(started by its lifespan, ``live``) or driven by the test (``run_once``), so that a test can
stop at a known point: after the first committed batch, with a runner that died, with two
runners at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.domain.award_jobs import AwardJob, JobStatus, Outcome, ReportLine
from credstack.services.award_csv import award_requests, read_award_rows
from credstack.services.award_job_runner import JobRunner
from credstack.services.award_jobs import cancel_job, report_lines
from credstack.services.bulk_awards import issue_awards
from credstack.vc import Verdict, verify
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.integration.test_issuer_api import ORG, PROBLEM, World

JOBS = f"{ORG}/award-jobs"


@pytest.fixture
def world(deps: Any) -> World:
    made = World(deps)
    cancel_job(deps, "acme", made.job.id)  # so that the jobs run here are the tests' own
    return made


def _client(world: World, clock: FixedClock, **options: Any) -> Iterator[TestClient]:
    app = create_app(world.deps, clock=lambda: clock.now() + dt.timedelta(minutes=1), **options)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["authorization"] = f"Bearer {world.tokens['owner']}"
        yield test_client


@pytest.fixture
def live(world: World, clock: FixedClock) -> Iterator[TestClient]:
    """The application with its own runner, as ``credstack serve`` runs it."""
    yield from _client(world, clock, job_runner=JobRunner(world.deps, poll_seconds=0.02))


@pytest.fixture
def client(world: World, clock: FixedClock) -> Iterator[TestClient]:
    """The application without a runner: the test runs the jobs."""
    yield from _client(world, clock, run_jobs=False, max_job_body=200_000)


def cohort(rows: int, *, start: int = 0) -> str:
    lines = ["email,name,id"]
    lines += [f"l{n}@acme.example,Learner {n},sis-{n}" for n in range(start, start + rows)]
    return "\n".join(lines) + "\n"


def submit_csv(client: TestClient, text: str, achievement: str = "acme-101") -> httpx.Response:
    return client.post(
        f"{JOBS}?achievement={achievement}",
        content=text.encode(),
        headers={"content-type": "text/csv"},
    )


def wait_for(client: TestClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(location).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job did not finish: {job}")


def awards_of(world: World, achievement: str = "acme-101") -> list[str]:
    with world.deps.uow() as uow:
        return [a.id for a in uow.awards.list(achievement_id=achievement)]


def test_a_csv_cohort_is_issued_in_the_background_with_a_report(
    live: TestClient, world: World, clock: FixedClock
) -> None:
    text = (
        "email,name,id\n"
        "ada@acme.example,Ada,sis-1\n"
        "not-an-address,Bob,sis-2\n"
        "cy@acme.example,Cy,\n"
        "\n"
        "cy@acme.example,Cy again,\n"
        "learner@acme.example,Already,\n"
    )
    submitted = submit_csv(live, text)
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert submitted.headers["location"] == f"{JOBS}/{job['id']}"
    assert (job["status"], job["total"], job["achievement"]) == ("queued", 5, "acme-101")
    done = wait_for(live, submitted.headers["location"])
    assert done["status"] == "succeeded", done
    assert (done["done"], done["percent"], done["issued"]) == (5, 100.0, 2)
    assert (done["alreadyIssued"], done["errors"]) == (1, 2)
    assert None not in (done["startedAt"], done["finishedAt"])

    report = live.get(done["links"]["report"]).json()
    assert [(line["row"], line["outcome"]) for line in report] == [
        (2, "issued"),
        (3, "error"),
        (4, "issued"),
        (6, "error"),
        (7, "already issued"),
    ]
    assert report[0]["id"] == "sis-1"
    assert "not an e-mail address" in report[1]["message"]
    assert "duplicates line 4" in report[3]["message"]
    assert report[4]["awardId"] == world.awards["acme"].id
    for line in (report[0], report[2]):
        assert line["credentialUrl"].endswith(f"/credentials/{line['awardId']}")
        award = live.get(f"{ORG}/awards/{line['awardId']}").json()
        checked = verify(award["credential"], now=clock.now() + dt.timedelta(minutes=1))
        assert checked.verdict is Verdict.VALID, checked.to_dict()

    as_csv = live.get(done["links"]["report"], headers={"accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["outcome"] for r in rows] == [line["outcome"] for line in report]
    assert rows[0]["award_id"] == report[0]["awardId"]
    assert rows[0]["credential_url"] == report[0]["credentialUrl"]

    # the same file again issues nothing new: each row names the award it already has
    again = wait_for(live, submit_csv(live, text).headers["location"])
    assert (again["issued"], again["alreadyIssued"], again["errors"]) == (0, 3, 2)
    second = live.get(again["links"]["report"]).json()
    assert second[0]["awardId"] == report[0]["awardId"]


def test_json_awards_are_issued_and_rows_that_cannot_be_are_in_the_report(
    live: TestClient, world: World
) -> None:
    awards = [
        {"achievement": "acme-101", "recipient": {"email": "j1@acme.example"}, "id": "j-1"},
        {"achievement": "globex-101", "recipient": {"email": "j2@acme.example"}, "id": "j-2"},
        {"achievement": "acme-101", "id": "j-3"},
        {"achievement": "acme-draft", "recipient": {"email": "j3@acme.example"}},
        {"achievement": "acme-101", "recipient": {"email": "bad"}},
        {"achievement": "acme-101", "recipient": {"did": "did:example:j4"}, "result": "A"},
    ]
    for body in (awards, {"awards": awards}):
        submitted = live.post(JOBS, json=body)
        assert submitted.status_code == 202, submitted.text
        done = wait_for(live, submitted.headers["location"])
        assert done["status"] == "succeeded", done
        report = {line["row"]: line for line in live.get(done["links"]["report"]).json()}
        assert len(report) == done["total"] == done["done"] == 6
        assert report[1]["id"] == "j-1"
        assert report[2]["message"] == "no achievement 'globex-101'"  # not told it exists
        assert report[2]["id"] == "j-2"
        assert report[3]["message"].startswith("recipient")
        assert report[3]["id"] == "j-3"  # an item in error is still named by its own id
        assert "no published version" in report[4]["message"]
        assert report[5]["outcome"] == "error"
        assert "globex" not in str(report[1])
    assert (done["issued"], done["alreadyIssued"]) == (0, 2)  # the second time
    assert report[1]["outcome"] == report[6]["outcome"] == "already issued"
    assert len(awards_of(world, "globex-101")) == 1  # theirs, untouched


def test_progress_is_committed_as_batches_finish(client: TestClient, world: World) -> None:
    location = submit_csv(client, cohort(1200)).headers["location"]
    seen: list[tuple[int, float, str]] = []

    def watch(_: AwardJob) -> None:
        job = client.get(location).json()  # what the API tells meanwhile
        seen.append((job["done"], job["percent"], job["status"]))

    finished = JobRunner(world.deps, on_progress=watch).run_once()
    assert finished is not None
    assert finished.status is JobStatus.SUCCEEDED
    assert seen[0][2] == "running"
    assert any(0 < done < 1200 for done, _, _ in seen), seen
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][:2] == (1200, 100.0)
    assert len(awards_of(world)) == 1201


def test_a_cancelled_job_stops_after_its_batch_and_keeps_what_it_issued(
    client: TestClient, world: World
) -> None:
    location = submit_csv(client, cohort(2000)).headers["location"]

    def cancel_once(job: AwardJob) -> None:
        if not job.cancel_requested:
            cancelled = client.post(f"{location}/cancel")
            assert cancelled.status_code == 200
            assert cancelled.json()["cancelRequested"] is True

    runner = JobRunner(world.deps, on_progress=cancel_once)
    finished = runner.run_once()
    assert finished is not None
    assert finished.status is JobStatus.CANCELLED
    assert 0 < finished.done < 2000
    issued = [line.award_id for line in report_lines(world.deps, "acme", finished.id)]
    assert len(issued) == finished.done == finished.issued
    assert sorted(awards_of(world)) == sorted([*issued, world.awards["acme"].id])
    assert client.post(f"{location}/cancel").status_code == 409  # it has finished
    assert runner.run_once() is None  # nothing more to run
    # a queued job is cancelled at once, and never runs
    queued = submit_csv(client, cohort(3, start=5000)).json()
    now = client.post(f"{JOBS}/{queued['id']}/cancel").json()
    assert (now["status"], now["finishedAt"] is not None) == ("cancelled", True)
    assert runner.run_once() is None


def test_a_job_whose_runner_died_is_resumed_and_issues_nothing_twice(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    text = cohort(30)
    job_id = submit_csv(client, text).json()["id"]
    runner = JobRunner(world.deps, stale_after=dt.timedelta(seconds=60))
    dead = runner.claim()  # a runner claims the job...
    assert dead is not None
    assert dead.id == job_id
    # ...issues its first 10 rows, reports 5 of them, and dies
    rows = award_requests("acme-101", read_award_rows(io.StringIO(text, newline="")))
    first = [row for row in rows if row[0] <= 11]
    outcomes = list(issue_awards(world.deps, "acme-101", first))
    before = {o.line: o.award_id for o in outcomes}
    with world.deps.uow() as uow:
        lines = [ReportLine(line, Outcome.ISSUED, None, before[line]) for line in range(2, 7)]
        assert uow.award_jobs.record(job_id, dead.claim, lines, clock.now()) is not None
        uow.commit()
    assert runner.run_once() is None  # its heartbeat is fresh: nobody takes it over
    clock.advance(seconds=61)
    resumed = runner.run_once()
    assert resumed is not None
    assert (resumed.status, resumed.claim, resumed.done) == (JobStatus.SUCCEEDED, 2, 30)
    assert (resumed.issued, resumed.already_issued, resumed.errors) == (25, 5, 0)
    report = list(report_lines(world.deps, "acme", job_id))
    assert [line.row for line in report] == list(range(2, 32))
    assert {line.row: line.award_id for line in report if line.row <= 11} == before
    assert [line.outcome for line in report[5:10]] == [Outcome.ALREADY_ISSUED] * 5
    assert len(awards_of(world)) == len(set(awards_of(world))) == 31
    with world.deps.uow() as uow:  # the dead runner, if it woke up, can write nothing
        assert uow.award_jobs.record(job_id, dead.claim, [], clock.now()) is None


def test_two_runners_never_run_one_job(client: TestClient, world: World) -> None:
    for start in (0, 1000):
        assert submit_csv(client, cohort(40, start=start)).status_code == 202
    runners = [JobRunner(world.deps) for _ in range(4)]
    ran: list[AwardJob | None] = []
    barrier = threading.Barrier(len(runners))

    def race(runner: JobRunner) -> None:
        barrier.wait()
        ran.append(runner.run_once())

    threads = [threading.Thread(target=race, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    finished = [job for job in ran if job is not None]
    assert sorted(job.claim for job in finished) == [1] * len(finished)
    assert len({job.id for job in finished}) == len(finished)
    while JobRunner(world.deps).run_once() is not None:
        pass
    issued = awards_of(world)
    assert len(issued) == len(set(issued)) == 81
    listed = client.get(JOBS).json()
    outcomes = sorted((job["status"], job["issued"]) for job in listed)
    assert outcomes == [("cancelled", 0), ("succeeded", 40), ("succeeded", 40)]


def test_another_organisations_jobs_and_achievements_are_not_found(
    client: TestClient, world: World
) -> None:
    theirs = world.tokens["other organisation"]
    other = client.post(
        "/api/v1/organisations/globex/award-jobs",
        json=[{"achievement": "globex-101", "recipient": {"email": "g@globex.example"}}],
        headers={"authorization": f"Bearer {theirs}"},
    ).json()
    for path in (f"{JOBS}/{other['id']}", f"{JOBS}/{other['id']}/report"):
        response = client.get(path)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
    assert client.post(f"{JOBS}/{other['id']}/cancel").status_code == 404
    refused = submit_csv(client, cohort(2), achievement="globex-101")
    assert refused.status_code == 404
    assert "globex.example" not in refused.text
    assert client.get(f"/api/v1/organisations/globex/award-jobs/{other['id']}").status_code == 403
    assert [job["id"] for job in client.get(JOBS).json()] == [world.job.id]


def _stored_jobs(world: World) -> int:
    with world.deps.uow() as uow:
        return uow.award_jobs.count("acme")


def test_a_job_over_its_size_limit_is_refused_and_nothing_is_stored(
    client: TestClient, world: World
) -> None:
    big = cohort(8000)
    assert 200_000 < len(big) < 1_000_000
    declared = submit_csv(client, big)
    assert declared.status_code == 413
    assert declared.headers["content-type"].startswith(PROBLEM)

    def chunks() -> Iterator[bytes]:
        data = big.encode()
        for start in range(0, len(data), 16384):
            yield data[start : start + 16384]

    streamed = client.post(
        f"{JOBS}?achievement=acme-101", content=chunks(), headers={"content-type": "text/csv"}
    )
    assert streamed.status_code == 413
    assert _stored_jobs(world) == 1  # the World's own
    # the rest of the API keeps its own, smaller limit
    assert client.post(f"{ORG}/awards", content=b"x" * 1_100_000).status_code == 413
    assert submit_csv(client, cohort(1000)).status_code == 202  # ~40 KB: within the limit


@pytest.mark.parametrize(
    ("content", "media", "query", "status", "detail"),
    [
        ("mail,name\nx@acme.example,X\n", "text/csv", "?achievement=acme-101", 400, "header"),
        ("", "text/csv", "?achievement=acme-101", 400, "empty"),
        (b"email\n\xffx@acme.example\n", "text/csv", "?achievement=acme-101", 400, "UTF-8"),
        ("email\nx@acme.example\n", "text/csv", "", 400, "achievement"),
        ("email\nx@acme.example\n", "text/csv", "?achievement=acme-draft", 400, "published"),
        ("email\nx@acme.example\n", "text/csv", "?achievement=nope", 404, "no achievement"),
        ("[{", "application/json", "", 400, "not JSON"),
        ('{"items": []}', "application/json", "", 400, "list of awards"),
        ("[]", "application/json", "", 400, "empty"),
        ("email\nx@acme.example\n", "text/plain", "", 415, "text/csv"),
    ],
)
def test_a_job_that_cannot_be_read_is_refused_at_once(
    client: TestClient,
    world: World,
    content: str | bytes,
    media: str,
    query: str,
    status: int,
    detail: str,
) -> None:
    response = client.post(
        f"{JOBS}{query}",
        content=content if isinstance(content, bytes) else content.encode(),
        headers={"content-type": media},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert detail in response.json()["detail"]
    assert _stored_jobs(world) == 1


def test_jobs_are_listed_newest_first_in_pages(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    ids = [world.job.id]
    for n in range(2):
        clock.advance(seconds=1)
        ids.append(submit_csv(client, cohort(1, start=n)).json()["id"])
    first = client.get(f"{JOBS}?limit=2")
    assert first.headers["x-total-count"] == "3"
    assert [job["id"] for job in first.json()] == ids[::-1][:2]
    assert 'rel="next"' in first.headers["link"]
    last = client.get(f"{JOBS}?limit=2&offset=2")
    assert [job["id"] for job in last.json()] == [ids[0]]
    assert 'rel="prev"' in last.headers["link"]
    assert client.get(f"{JOBS}?limit=0").status_code == 400


def test_a_runner_stopped_mid_job_gives_it_back_and_the_next_one_finishes_it(
    client: TestClient, world: World
) -> None:
    location = submit_csv(client, cohort(1500)).headers["location"]
    runner = JobRunner(world.deps)
    runner.on_progress = lambda _: runner.stop()  # the server shuts down meanwhile
    given_back = runner.run_once()
    assert given_back is not None
    assert given_back.status is JobStatus.QUEUED
    assert 0 < given_back.done < 1500
    finished = JobRunner(world.deps).run_once()
    assert finished is not None
    assert (finished.status, finished.done, finished.issued) == (JobStatus.SUCCEEDED, 1500, 1500)
    assert client.get(location).json()["status"] == "succeeded"
    assert len(awards_of(world)) == 1501


def test_text_that_is_not_unicode_is_a_row_error_not_a_server_error(
    client: TestClient, world: World
) -> None:
    body = (
        '[{"achievement": "acme-101", "recipient": {"email": "\\ud800@acme.example"}},'
        ' {"achievement": "acme-101", "recipient": {"email": "fine@acme.example"}}]'
    )
    submitted = client.post(JOBS, content=body, headers={"content-type": "application/json"})
    assert submitted.status_code == 202, submitted.text
    finished = JobRunner(world.deps).run_once()
    assert finished is not None
    assert (finished.status, finished.issued, finished.errors) == (JobStatus.SUCCEEDED, 1, 1)
    [bad, good] = report_lines(world.deps, "acme", finished.id)
    assert bad.message is not None
    assert "unicode" in bad.message.lower()
    assert good.outcome is Outcome.ISSUED


def test_the_cli_lists_shows_and_reports_jobs(
    client: TestClient, world: World, database_url: str, tmp_path: Any, monkeypatch: Any
) -> None:
    from tests.integration.test_cli_support import Cli, one_line_error

    job_id = submit_csv(client, "email,id\nz@acme.example,z-1\nbad,z-2\n").json()["id"]
    JobRunner(world.deps).run_once()
    cli = Cli(database_url, tmp_path / "data", monkeypatch)
    listed = cli.ok("award-job", "list", "--issuer", "acme", "--json").json()
    assert job_id in [job["id"] for job in listed]
    shown = cli.ok("award-job", "show", job_id, "--json").json()
    assert (shown["status"], shown["issued"], shown["errors"]) == ("succeeded", 1, 1)
    assert (
        "2 of 2 rows: issued 1, already issued 0, errors 1"
        in cli.ok("award-job", "show", job_id).stdout
    )
    rows = list(csv.DictReader(io.StringIO(cli.ok("award-job", "report", job_id).stdout)))
    assert [(r["row"], r["id"], r["outcome"]) for r in rows] == [
        ("2", "z-1", "issued"),
        ("3", "z-2", "error"),
    ]
    one_line_error(cli("award-job", "show", "nope"), "no award job 'nope'")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ('  [ {"achievement": "acme-101", "recipient": {"email": "a@acme.example"}} ]\n', 202, ""),
        ('{"awards": [1, "x", {"achievement": "acme-101"}]}', 202, ""),
        ("[1, 2", 400, "not JSON"),
        ("[1 2]", 400, "list of awards"),
        ('[1] {"more": 1}', 400, "extra data"),
        ('{"awards": [1], "else": 2}', 400, "list of awards"),
        ('{"other": [1]}', 400, "list of awards"),
        ('"awards"', 400, "list of awards"),
        ("[" * 100_000, 400, "not JSON"),
        ("{}", 400, "list of awards"),
        ("[ ]", 400, "empty"),
    ],
)
def test_json_bodies_are_read_award_by_award(
    client: TestClient, world: World, body: str, status: int, detail: str
) -> None:
    response = client.post(JOBS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    if status == 202:
        assert response.json()["total"] in (1, 3)
    else:
        assert detail in response.json()["detail"]


def test_a_long_json_list_is_read_across_pieces() -> None:
    from credstack.web.award_jobs_api import _json_awards

    numbers = list(range(100_000))  # numbers end pieces now and then: read on, not cut
    text = json.dumps(numbers)
    assert len(text) > 8 * 65536
    assert list(_json_awards(io.BytesIO(text.encode()))) == numbers
    awards = [{"achievement": "acme-101", "narrative": "x" * 70_000, "n": n} for n in range(3)]
    wrapped = json.dumps({"awards": awards}, indent=1).encode()
    assert list(_json_awards(io.BytesIO(b"\xef\xbb\xbf" + wrapped))) == awards
