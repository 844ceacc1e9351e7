"""External completions: integrations and their signatures, a report by token or HMAC, the
rules (enrolled, an external requirement of that system, once per external id), the CSV
import (all rows or none), the credential earned, the CLI and the documented example."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.bootstrap import build_services
from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import EvidenceItem, ResultValue
from credstack.domain.offerings import Offering
from credstack.domain.requirements import parse_requirements
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.completions import completion_outcomes
from credstack.services.deps import ServiceDeps
from credstack.services.integrations import register_integration
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering, enrol
from credstack.settings import Settings
from credstack.web import create_app
from tests.fakes import FixedClock
from tests.integration.test_cli_support import Cli, one_line_error, write

ORG = "/api/v1/organisations/acme"
DOC = Path(__file__).parents[2] / "docs" / "completions.md"
REQUIREMENTS = {
    "id": "all",
    "all_of": [{"id": "lab-hours", "external": "moodle", "title": "Lab hours"}],
}


@dataclasses.dataclass
class Course:
    deps: ServiceDeps
    offering: Offering
    secret: str
    token: str
    reader: str
    enrolment_id: str


def setup_course(deps: ServiceDeps) -> Course:
    """acme's published ``acme-101`` offered with one requirement, ``lab-hours``, that the
    ``moodle`` integration reports; Lea enrolled; a staff token that may report."""
    create_issuer(deps, id="acme", name="Acme", country_code="NL")
    spec = AchievementSpec(id="acme-101", name="Lab course", description="Labs.", criteria="Do.")
    save_achievement(deps, "acme", spec)
    publish_achievement(deps, "acme-101")
    offering = create_offering(deps, "acme", "acme-101", OfferingChanges(title="Labs"))
    offering = dataclasses.replace(offering, requirements=parse_requirements(REQUIREMENTS))
    with deps.uow() as uow:
        uow.offerings.update(offering)
        uow.commit()
    lea = create_user(deps, email="lea@learner.example", name="Lea")
    create_user(deps, email="bob@learner.example", name="Bob")  # not enrolled
    enrolment = enrol(deps, lea.id, offering.id)
    _, secret = register_integration(deps, "acme", "moodle", actor="test")
    create_user(deps, email="sam@acme.example", name="Sam")
    set_role(deps, email="sam@acme.example", issuer_id="acme", role=Role.STAFF)
    _, token = create_token(
        deps,
        email="sam@acme.example",
        issuer_id="acme",
        name="lms",
        scopes={"completions:write", "integrations:admin"},
    )
    _, reader = create_token(
        deps, email="sam@acme.example", issuer_id="acme", name="ro", scopes={"awards:read"}
    )
    return Course(deps, offering, secret, token, reader, enrolment.id)


@pytest.fixture
def course(deps: ServiceDeps) -> Course:
    return setup_course(deps)


@pytest.fixture
def client(course: Course) -> Iterator[TestClient]:
    app = create_app(course.deps, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def report(course: Course, **fields: Any) -> dict[str, Any]:
    return {
        "offering_id": course.offering.id,
        "requirement_id": "lab-hours",
        "learner": "lea@learner.example",
        "system": "moodle",
        "external_id": "moodle-completion-1",
        "score": 87.5,
        "url": "https://moodle.acme.example/completion/1",
        **fields,
    }


def signed(
    client: TestClient,
    body: dict[str, Any] | bytes,
    secret: str,
    *,
    name: str = "moodle",
    at: int,
    signed_body: bytes | None = None,
) -> httpx.Response:
    """POST a report signed as docs/completions.md says, computed here with ``hmac`` alone."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    mac = hmac.new(secret.encode(), f"{at}.".encode() + (signed_body or raw), hashlib.sha256)
    headers = {
        "content-type": "application/json",
        "x-credstack-integration": name,
        "x-credstack-timestamp": str(at),
        "x-credstack-signature": f"v1={mac.hexdigest()}",
    }
    return client.post(f"{ORG}/completions", content=raw, headers=headers)


def now_of(clock: FixedClock) -> int:
    return int(clock.now().timestamp())


def award_of(course: Course) -> str | None:
    with course.deps.uow() as uow:
        return uow.offerings.enrolment(course.enrolment_id).award_id


def recorded(course: Course) -> int:
    with course.deps.uow() as uow:
        return sum(e.action == "recorded" for e in uow.completions.events("acme"))


def test_a_signed_report_is_recorded_once_and_earns_the_credential(
    client: TestClient, course: Course, clock: FixedClock
) -> None:
    assert award_of(course) is None
    response = signed(client, report(course), course.secret, at=now_of(clock))
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["reportedBy"] == "integration:moodle"
    assert data["score"] == "87.5"
    award_id = award_of(course)
    assert award_id is not None
    with course.deps.uow() as uow:
        outcomes = completion_outcomes(uow, course.deps, course.offering, data["learnerId"])
    outcome = outcomes["lab-hours"]
    assert outcome.met
    assert outcome.results == (ResultValue("lab-hours", "87.5"),)
    (evidence,) = outcome.evidence
    date = clock.now().date().isoformat()
    assert evidence == EvidenceItem(
        name="Lab hours",
        description=f"Completion reported by moodle on {date}",
        url="https://moodle.acme.example/completion/1",
        genre="Completion",
    )
    assert outcome.summary == f"completed on {date} (reported by moodle)"
    # sent again: the same record, 200, no second row
    again = signed(client, report(course), course.secret, at=now_of(clock))
    assert again.status_code == 200, again.text
    assert again.json()["id"] == data["id"]
    assert recorded(course) == 1
    # the same external id with other content is refused
    changed = signed(client, report(course, score=50), course.secret, at=now_of(clock))
    assert changed.status_code == 409, changed.text
    assert "different content" in changed.json()["detail"]


@pytest.mark.parametrize("case", ["wrong secret", "stale", "future", "replayed", "unknown"])
def test_a_badly_signed_report_is_refused(
    client: TestClient, course: Course, clock: FixedClock, case: str
) -> None:
    at = now_of(clock)
    body = report(course)
    if case == "wrong secret":
        response = signed(client, body, course.secret + "x", at=at)
    elif case == "stale":
        response = signed(client, body, course.secret, at=at - 301)
    elif case == "future":
        response = signed(client, body, course.secret, at=at + 301)
    elif case == "replayed":  # a captured signature on another body
        original = json.dumps(body).encode()
        other = report(course, learner="bob@learner.example")
        response = signed(client, other, course.secret, at=at, signed_body=original)
    else:
        response = signed(client, body, course.secret, at=at, name="canvas")
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    if case in ("stale", "future"):
        assert "5 minutes" in detail
    else:  # one message: whether the name exists is not told
        assert detail == "the signature does not match an active integration of this organisation"
    assert recorded(course) == 0


def test_the_edge_of_the_window_is_accepted(
    client: TestClient, course: Course, clock: FixedClock
) -> None:
    response = signed(client, report(course), course.secret, at=now_of(clock) - 300)
    assert response.status_code == 201, response.text


def test_an_integration_reports_only_for_itself(
    client: TestClient, course: Course, clock: FixedClock
) -> None:
    _, canvas = register_integration(course.deps, "acme", "canvas", actor="test")
    response = signed(client, report(course), canvas, name="canvas", at=now_of(clock))
    assert response.status_code == 403, response.text
    assert "canvas" in response.json()["detail"]


def test_a_disabled_integration_and_a_rotated_secret(
    client: TestClient, course: Course, clock: FixedClock
) -> None:
    auth = {"authorization": f"Bearer {course.token}"}
    rotated = client.post(f"{ORG}/integrations/moodle/rotate", headers=auth)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("csi_")
    assert signed(client, report(course), course.secret, at=now_of(clock)).status_code == 401
    kept = client.post(f"{ORG}/integrations/moodle/rotate?keep_previous_hours=1", headers=auth)
    newest = kept.json()["secret"]
    first = signed(client, report(course, external_id="a"), new, at=now_of(clock))
    assert first.status_code == 201, first.text  # the previous secret, within its hour
    assert signed(client, report(course, external_id="b"), newest, at=now_of(clock)).is_success
    listed = client.get(f"{ORG}/integrations", headers=auth).json()
    assert [(i["name"], i["active"]) for i in listed] == [("moodle", True)]
    assert "secret" not in listed[0]
    assert client.delete(f"{ORG}/integrations/moodle", headers=auth).status_code == 204
    refused = signed(client, report(course, external_id="c"), newest, at=now_of(clock))
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("the signature does not match")
    again = client.post(f"{ORG}/integrations", json={"name": "moodle"}, headers=auth)
    assert again.status_code == 201  # registered again: enabled, with a new secret
    taken = client.post(f"{ORG}/integrations", json={"name": "moodle"}, headers=auth)
    assert taken.status_code == 409
    bad = client.post(f"{ORG}/integrations", json={"name": "Moodle LMS"}, headers=auth)
    assert bad.status_code == 400
    with course.deps.uow() as uow:
        actions = [e.action for e in uow.completions.events("acme") if e.system == "moodle"]
    assert actions[:4] == ["registered", "secret-rotated", "secret-rotated", "recorded"]
    assert "disabled" in actions


def test_a_report_by_token_needs_its_scope_and_follows_the_rules(
    client: TestClient, course: Course
) -> None:
    def post(body: dict[str, Any], token: str = course.token) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        return client.post(f"{ORG}/completions", json=body, headers=headers)

    assert post(report(course), course.reader).status_code == 403
    assert client.post(f"{ORG}/completions", json=report(course)).status_code == 401
    not_enrolled = post(report(course, learner="bob@learner.example"))
    assert not_enrolled.status_code == 409
    assert "bob@learner.example is not enrolled" in not_enrolled.json()["detail"]
    wrong = post(report(course, requirement_id="exam"))
    assert wrong.status_code == 422
    assert "not an external requirement" in wrong.json()["detail"]
    other_system = post(report(course, system="canvas"))
    assert other_system.status_code == 422
    assert "reported by 'moodle', not 'canvas'" in other_system.json()["detail"]
    no_offering = post(report(course, offering_id="nothing"))
    assert no_offering.status_code == 422
    future = post(report(course, completed_at="2099-01-01T00:00:00Z"))
    assert future.status_code == 400
    assert "completed_at: is in the future" in future.json()["detail"]
    assert post(report(course, url="ftp://x.example/1")).status_code == 400
    assert post(report(course, external_id=None)).status_code == 400
    assert recorded(course) == 0
    done = post(report(course, completed_at="2025-12-01T10:00:00Z", score=None, grade="B+"))
    assert done.status_code == 201, done.text
    assert done.json()["reportedBy"].startswith("token:")
    assert done.json()["completedAt"] == "2025-12-01T10:00:00+00:00"
    assert award_of(course) is not None


CSV_GOOD = (
    "learner,requirement_id,completed_at,external_id,score,grade,url\n"
    "lea@learner.example,lab-hours,2025-12-01T10:00:00Z,m-1,90,,https://moodle.acme.example/1\n"
)


def test_a_csv_is_imported_whole_or_not_at_all(client: TestClient, course: Course) -> None:
    headers = {"authorization": f"Bearer {course.token}", "content-type": "text/csv"}
    url = f"{ORG}/offerings/{course.offering.id}/completions"
    bad = CSV_GOOD + (
        "bob@learner.example,lab-hours,,m-2,,,\n"  # line 3: not enrolled
        "lea@learner.example,lab-hours,yesterday,m-3,,,\n"  # line 4: not a time
    )
    response = client.post(url, content=bad, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith("nothing imported: line 3, column learner:")
    assert [(e["line"], e["column"]) for e in problem["errors"]] == [
        (3, "learner"),
        (4, "completed_at"),
    ]
    assert recorded(course) == 0
    assert award_of(course) is None
    ok = client.post(url, content=CSV_GOOD, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"recorded": 1, "alreadyRecorded": 0, "credentialsIssued": 1}
    assert award_of(course) is not None
    again = client.post(url, content=CSV_GOOD, headers=headers)
    assert again.json() == {"recorded": 0, "alreadyRecorded": 1, "credentialsIssued": 0}
    header_only = client.post(url, content="learner,external_id\n", headers=headers)
    assert header_only.status_code == 422
    assert "missing column requirement_id" in header_only.json()["detail"]
    as_json = client.post(url, json={}, headers={"authorization": headers["authorization"]})
    assert as_json.status_code == 415


def test_the_documented_example_is_what_the_code_computes() -> None:
    """docs/completions.md's worked example, read from the page: its signature is the HMAC
    of its values (computed with ``hmac`` here) and what ``domain.completions`` makes."""
    from credstack.domain.completions import signature

    text = DOC.read_text(encoding="utf-8")

    def value(name: str) -> str:
        match = re.search(rf"<!-- {name} -->\s*```[a-z]*\n(.*?)\n```", text, re.DOTALL)
        assert match, name
        return match.group(1)

    secret, timestamp, body = value("secret"), int(value("timestamp")), value("body").encode()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert value("signature") == f"v1={expected.hexdigest()}"
    assert signature(secret, timestamp, body) == value("signature")


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_integrations_and_a_csv_import(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(database_url, tmp_path / "data", monkeypatch)
    deps = build_services(Settings(data_dir=tmp_path / "data", database_url=database_url))
    try:
        course = setup_course(deps)
    finally:
        deps.uow.engine.dispose()  # type: ignore[attr-defined]
    made = cli.ok("integrations", "create", "--issuer", "acme", "canvas").stdout
    assert made.strip().splitlines()[-1].startswith("csi_")
    listed = cli.ok("integrations", "list", "--issuer", "acme").stdout
    assert "canvas" in listed
    assert "moodle" in listed
    rotated = cli.ok("integrations", "rotate", "--issuer", "acme", "canvas").stdout
    assert rotated.strip().splitlines()[-1].startswith("csi_")
    one_line_error(cli("integrations", "create", "--issuer", "acme", "canvas"), "exists")
    one_line_error(cli("integrations", "rotate", "--issuer", "acme", "blackboard"), "blackboard")

    offering = ("--issuer", "acme", "--offering", course.offering.id)
    bad = write(tmp_path / "bad.csv", CSV_GOOD + "lea@learner.example,exam,,m-2,,,\n")
    one_line_error(
        cli("completions", "import", *offering, bad),
        "bad.csv: nothing imported: line 3, column requirement_id:",
    )
    good = write(tmp_path / "good.csv", CSV_GOOD)
    done = cli.ok("completions", "import", *offering, good).stdout
    assert "recorded 1, already recorded 0, credentials issued 1" in done
    again = cli.ok("completions", "import", *offering, good).stdout
    assert "recorded 0, already recorded 1" in again
    one_line_error(cli("completions", "import", *offering, tmp_path / "none.csv"), "cannot read")
