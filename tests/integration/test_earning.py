"""Earning a credential: an offering's requirements set through the issuer API, a learner who
meets them gets the credential by itself, with the evidence and results that earned it and
how they were assessed, and is told by e-mail (a real SMTP server, aiosmtpd)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credstack.adapters.smtp_mailer import SmtpMailer
from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import Award
from credstack.domain.offerings import EnrolmentAction, EnrolmentStatus
from credstack.domain.quizzes import QuizSpec
from credstack.domain.requirements import LeafKind
from credstack.ob.awards_v3p0 import result_description_id
from credstack.ob.validation import schema_errors, validate_credential
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import renew_award
from credstack.services.deps import ServiceDeps
from credstack.services.earning import mark_progress, settle, settle_due, standing_of
from credstack.services.issuers import create_issuer
from credstack.services.offerings import enrol
from credstack.services.quizzes import create_quiz, start_attempt, submit_attempt
from credstack.vc import Verdict, verify
from credstack.web import create_app
from tests.conftest import load_json
from tests.fakes import FixedClock
from tests.smtp_server import Inbox, smtp_server

ORG = "/api/v1/organisations/acme"
QUIZ = {
    "id": "safety",
    "title": "Lab safety",
    "pass_mark": 50,
    "pools": [
        {
            "id": "core",
            "questions": [
                {"id": "boil", "kind": "numeric", "prompt": "Water boils at?", "value": 100},
                {"id": "alarm", "kind": "text", "prompt": "Alarm?", "accepted": ["crimson"]},
            ],
        }
    ],
}
REQUIREMENTS: dict[str, Any] = {
    "id": "all",
    "all_of": [{"id": "safety-quiz", "quiz": "safety", "title": "Lab safety quiz"}],
}
ASSESSMENT = {
    "supervision": "supervised-online-with-identity-verification",
    "identityVerification": "online-document",
}


@pytest.fixture
def inbox_and_port() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def earn(deps: ServiceDeps, inbox_and_port: tuple[Inbox, int]) -> ServiceDeps:
    """An organisation with a published micro-credential (a result description for the
    quiz's score) and a quiz; a confirmed learner; mail through the local server."""
    mailer = SmtpMailer("127.0.0.1", inbox_and_port[1], sender="no-reply@acme.example",
                        starttls=False)  # fmt: skip
    deps = dataclasses.replace(deps, mailer=mailer, base_url="https://badges.acme.example")
    create_issuer(deps, id="acme", name="Acme Academy", country_code="NL")
    spec = AchievementSpec.model_validate(
        {
            "id": "lab-safety",
            "name": "Lab safety",
            "description": "Working safely in a lab.",
            "criteria": "Pass the safety quiz.",
            "result_descriptions": [
                {"id": "safety-quiz", "name": "Quiz score", "result_type": "Percent"}
            ],
            "micro_credential": {
                "learning_outcomes": ["Works safely"],
                "workload_hours": 2,
                "assessment_type": "Online quiz",
                "participation_form": "online",
                "quality_assurance": "Internal review",
            },
        }
    )
    save_achievement(deps, "acme", spec)
    publish_achievement(deps, spec.id)
    create_quiz(deps, "acme", QuizSpec.model_validate(QUIZ), actor="test")
    create_user(deps, email="owner@acme.example", name="Olga", password="correct horse battery")
    set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    create_user(deps, email="lea@example.org", name="Lea", password="correct horse battery")
    return deps


@pytest.fixture
def client(earn: ServiceDeps) -> Iterator[TestClient]:
    app = create_app(earn, run_jobs=False, dispatch_webhooks=False)
    scopes = {"achievements:read", "achievements:write", "awards:read"}
    token = create_token(
        earn, email="owner@acme.example", issuer_id="acme", name="t", scopes=scopes
    )[1]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["authorization"] = f"Bearer {token}"
        yield test_client


def offer(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"achievement": "lab-safety", "requirements": REQUIREMENTS} | fields
    response = client.post(f"{ORG}/offerings", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def learner(deps: ServiceDeps) -> str:
    with deps.uow() as uow:
        return uow.accounts.user_by_email("lea@example.org").id  # type: ignore[union-attr]


def take_quiz(deps: ServiceDeps, user_id: str, *, right: bool) -> None:
    attempt = start_attempt(deps, "acme", "safety", user_id)
    answers = {}
    for position, question in enumerate(attempt.paper):
        if question.question_id == "boil":
            answers[position] = ["100" if right else "90"]
        else:
            answers[position] = ["crimson" if right else "blue"]
    submit_attempt(deps, "acme", "safety", attempt.id, user_id, answers)


def award_of(deps: ServiceDeps, enrolment_id: str) -> Award | None:
    with deps.uow() as uow:
        enrolment = uow.offerings.enrolment(enrolment_id)
        return None if enrolment.award_id is None else uow.awards.get(enrolment.award_id)


def test_passing_the_quiz_issues_the_credential_with_evidence_results_and_assessment(
    client: TestClient, earn: ServiceDeps, inbox_and_port: tuple[Inbox, int], clock: FixedClock
) -> None:
    offering = offer(client, assessment=ASSESSMENT)
    assert offering["requirements"]["all_of"][0] == {
        "id": "safety-quiz", "title": "Lab safety quiz", "quiz": "safety",
    }  # fmt: skip
    assert offering["assessment"] == ASSESSMENT
    user_id = learner(earn)
    enrolment = enrol(earn, user_id, offering["id"])

    take_quiz(earn, user_id, right=False)
    assert award_of(earn, enrolment.id) is None  # failed: nothing issued, nothing left due
    with earn.uow() as uow:
        assert uow.offerings.enrolment(enrolment.id).check_due_at is None
        standing = standing_of(uow, earn, uow.offerings.enrolment(enrolment.id))
    assert standing.progress is not None
    assert not standing.progress.met
    assert standing.outcomes["safety-quiz"].summary == "0 of 2 points (0%), not passed"

    take_quiz(earn, user_id, right=True)
    award = award_of(earn, enrolment.id)
    assert award is not None
    assert award.recipient.email == "lea@example.org"
    document = json.loads(award.credential)
    subject = document["credentialSubject"]
    uri = subject["achievement"]["id"]
    assert subject["result"] == [
        {
            "type": ["Result"],
            "value": "100%",
            "resultDescription": result_description_id(uri, "safety-quiz"),
        }
    ]
    assert [item["name"] for item in document["evidence"]] == ["Quiz: Lab safety"]
    assert "2 of 2 points (100%), passed" in document["evidence"][0]["description"]
    assert subject["assessmentRecord"] == {
        "type": "AssessmentRecord",
        "supervision": "supervised-online-with-identity-verification",
        "identityVerification": "online-document",
    }
    # a verifier that knows nothing of credstack accepts it: proof, model, contexts
    report = verify(award.credential, now=clock.now() + dt.timedelta(minutes=1))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert validate_credential(document) == []
    schema = load_json("schemas", "ob_v3p0_achievementcredential_schema.json")
    assert [
        e for e in schema_errors(document, schema) if not e.startswith("credentialStatus")
    ] == []

    (mail,) = inbox_and_port[0].wait(1)
    assert mail["to"] == "lea@example.org"
    text = inbox_and_port[0].text_of(mail)
    link = f"https://badges.acme.example/account#credential-{award.id}"
    assert link in text
    # the link leads to the learner's credentials, where "Add to my credentials" claims it
    page = TestClient(client.app)
    form = page.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    page.post(
        "/login",
        data={"email": "lea@example.org", "password": "correct horse battery", "csrf": csrf},
    )
    mine = page.get(link.removeprefix("https://badges.acme.example")).text
    assert f'<li id="credential-{award.id}">' in mine
    assert "Add to my credentials" in mine
    with earn.uow() as uow:
        events = uow.offerings.events(enrolment.id)
    assert (events[-1].action, events[-1].actor, events[-1].note) == (
        EnrolmentAction.COMPLETE, "earning", award.id,
    )  # fmt: skip

    shown = client.get(f"{ORG}/offerings/{offering['id']}").json()
    assert shown["counts"]["completed"] == 1
    assert shown["passRate"] == 1.0

    # renewed, the successor says the same of how it was earned
    renewed = renew_award(
        earn, award.id, valid_until=clock.now() + dt.timedelta(days=400), actor="test"
    )
    successor = json.loads(renewed.credential)
    assert successor["evidence"] == document["evidence"]
    assert successor["credentialSubject"]["result"] == subject["result"]
    assert successor["credentialSubject"]["assessmentRecord"] == subject["assessmentRecord"]


def test_a_crash_before_settling_is_finished_by_the_settler_once(
    client: TestClient, earn: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    offering = offer(client)
    user_id = learner(earn)
    enrolment = enrol(earn, user_id, offering["id"])
    take_quiz(earn, user_id, right=True)  # settled at once ...
    first = award_of(earn, enrolment.id)
    assert first is not None
    # ... and marking again (as a replayed change would) issues nothing twice
    with earn.uow() as uow:
        assert mark_progress(uow, user_id, earn.clock.now(), kind=LeafKind.QUIZ) == []
        uow.commit()
    assert settle_due(earn) == []

    # a second learner's process dies between the quiz's commit and settling
    create_user(earn, email="max@example.org", name="Max")
    with earn.uow() as uow:
        max_id = uow.accounts.user_by_email("max@example.org").id  # type: ignore[union-attr]
    second = enrol(earn, max_id, offering["id"])
    attempt = start_attempt(earn, "acme", "safety", max_id)
    answers = {
        n: ["100"] if q.question_id == "boil" else ["crimson"] for n, q in enumerate(attempt.paper)
    }
    settled: list[object] = []
    # the process "dies" after the commit: settling never runs
    monkeypatch.setattr("credstack.services.quizzes.settle", lambda _, ids: settled.append(ids))
    submit_attempt(earn, "acme", "safety", attempt.id, max_id, answers)
    monkeypatch.undo()
    assert settled == [[second.id]]
    assert award_of(earn, second.id) is None
    issued = settle_due(earn)  # the background settler's round
    assert [award.recipient.email for award in issued] == ["max@example.org"]
    assert settle_due(earn) == []
    assert settle(earn, [second.id]) == []


def test_changed_requirements_award_whoever_now_meets_them(
    client: TestClient, earn: ServiceDeps
) -> None:
    two = {
        "id": "all",
        "all_of": [
            {"id": "safety-quiz", "quiz": "safety"},
            {"id": "lab-hours", "external": "moodle"},
        ],
    }
    offering = offer(client, requirements=two)
    user_id = learner(earn)
    enrolment = enrol(earn, user_id, offering["id"])
    take_quiz(earn, user_id, right=True)
    assert award_of(earn, enrolment.id) is None  # the external completion is missing
    changed = client.patch(f"{ORG}/offerings/{offering['id']}", json={"requirements": REQUIREMENTS})
    assert changed.status_code == 200, changed.text
    assert award_of(earn, enrolment.id) is not None


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"requirements": {"id": "x", "quiz": "nope"}}, 400, "has no quiz 'nope'"),
        ({"requirements": {"id": "x", "evidence": "nope"}}, 400, "has no rubric 'nope'"),
        ({"requirements": {"id": "x", "all_of": []}}, 400, "non-empty list"),
        ({"requirements": {"id": "Bad Id", "quiz": "safety"}}, 400, "requirements.id"),
        (
            {
                "assessment": {
                    "supervision": "supervised-online-with-identity-verification",
                    "identityVerification": "email",
                }
            },
            400,
            "does not agree",
        ),
        (
            {"assessment": {"supervision": "maybe", "identityVerification": "none"}},
            400,
            "assessment.supervision: Input should be",
        ),
    ],
)
def test_bad_requirements_and_assessments_are_problems(
    client: TestClient, fields: dict[str, Any], status: int, words: str
) -> None:
    response = client.post(f"{ORG}/offerings", json={"achievement": "lab-safety"} | fields)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.text


def test_another_organisations_quiz_cannot_be_required(
    client: TestClient, earn: ServiceDeps
) -> None:
    create_issuer(earn, id="globex", name="Globex", country_code="NL")
    other = QuizSpec.model_validate(QUIZ | {"id": "globex-quiz"})
    create_quiz(earn, "globex", other, actor="test")
    response = client.post(
        f"{ORG}/offerings",
        json={"achievement": "lab-safety", "requirements": {"id": "q", "quiz": "globex-quiz"}},
    )
    assert response.status_code == 400
    assert "has no quiz 'globex-quiz'" in response.text


def test_a_pending_learner_earns_nothing(client: TestClient, earn: ServiceDeps) -> None:
    offering = offer(client, mode="approval")
    user_id = learner(earn)
    enrolment = enrol(earn, user_id, offering["id"])
    assert enrolment.status is EnrolmentStatus.PENDING
    take_quiz(earn, user_id, right=True)
    assert award_of(earn, enrolment.id) is None


def _due_without_settling(
    deps: ServiceDeps, offering_id: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A learner passes the quiz and the process "dies" right after the commit: the
    enrolment is left due. Returns its id."""
    user_id = learner(deps)
    enrolment = enrol(deps, user_id, offering_id)
    with monkeypatch.context() as patched:
        patched.setattr("credstack.services.quizzes.settle", lambda _, ids: [])
        take_quiz(deps, user_id, right=True)
    with deps.uow() as uow:
        assert uow.offerings.enrolment(enrolment.id).check_due_at is not None
    return enrolment.id


def test_the_servers_settler_finishes_an_award_within_seconds(
    client: TestClient, earn: ServiceDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrolment_id = _due_without_settling(earn, offer(client)["id"], monkeypatch)
    app = create_app(earn, run_jobs=False, dispatch_webhooks=False, settle_earnings=True)
    with TestClient(app):
        deadline = time.monotonic() + 15
        while award_of(earn, enrolment_id) is None and time.monotonic() < deadline:
            time.sleep(0.1)
    assert award_of(earn, enrolment_id) is not None


def test_settlers_racing_for_one_enrolment_issue_one_credential_and_one_mail(
    client: TestClient,
    earn: ServiceDeps,
    inbox_and_port: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrolment_id = _due_without_settling(earn, offer(client)["id"], monkeypatch)
    start = threading.Barrier(3)
    issued: list[int] = []

    def settler() -> None:
        start.wait()
        issued.append(len(settle(earn, [enrolment_id])))

    threads = [threading.Thread(target=settler) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(issued) == [0, 0, 1]
    with earn.uow() as uow:
        assert len(list(uow.awards.list(achievement_id="lab-safety"))) == 1
        completes = [
            e for e in uow.offerings.events(enrolment_id) if e.action is EnrolmentAction.COMPLETE
        ]
    assert len(completes) == 1
    inbox_and_port[0].wait(1)
    time.sleep(0.5)
    assert len(inbox_and_port[0].messages) == 1


def test_my_learning_lists_each_requirement_and_the_provider_sees_progress(
    earn: ServiceDeps, client: TestClient
) -> None:
    two = {
        "id": "all",
        "title": "Everything",
        "all_of": [
            {"id": "safety-quiz", "quiz": "safety", "title": "Lab safety quiz"},
            {"id": "lab-hours", "external": "moodle", "title": "Lab hours"},
        ],
    }
    offering = offer(client, requirements=two)
    user_id = learner(earn)
    enrol(earn, user_id, offering["id"])
    page = TestClient(client.app)
    form = page.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = page.post(
        "/login",
        data={"email": "lea@example.org", "password": "correct horse battery", "csrf": csrf},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    before = page.get("/learning").text
    assert "Requirements: 0 of 2 done" in before
    assert '<a href="/quizzes/acme/safety">Lab safety quiz</a>' in before
    assert "(reported by moodle)" in before

    take_quiz(earn, user_id, right=True)
    after = page.get("/learning").text
    assert "Requirements: 1 of 2 done" in after
    assert "2 of 2 points (100%), passed" in after
    assert '<a href="/quizzes/acme/safety">' not in after  # done: nothing to follow

    # the owner's view of the offering: one in progress, one of two met
    owner = TestClient(client.app)
    form = owner.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    owner.post(
        "/login",
        data={"email": "owner@acme.example", "password": "correct horse battery", "csrf": csrf},
    )
    view = owner.get(f"/account/acme/offerings/{offering['id']}").text
    assert "<dt>In progress</dt><dd>1</dd>" in view
    assert "1 of 2 requirements met" in view
