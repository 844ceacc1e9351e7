"""The issuer API: what it does, and who may do it (a table over every endpoint and every
kind of caller)."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.award_jobs import AwardItem
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.offerings import OfferingMode
from credstack.domain.pathways import parse_pathway_data
from credstack.domain.quizzes import QuizSpec
from credstack.domain.requirements import parse_requirements
from credstack.domain.rubrics import RubricSpec
from credstack.services.accounts import create_token, create_user, revoke_token, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.award_jobs import submit_json_job
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.evidence import submit_evidence
from credstack.services.integrations import register_integration
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering, enrol
from credstack.services.pathways import save_pathway
from credstack.services.quizzes import create_quiz
from credstack.services.recognition import add_equivalence, add_recognised_issuer
from credstack.services.rubrics import create_rubric
from credstack.services.webhooks import register_webhook
from credstack.vc import Verdict, verify
from credstack.web import create_app
from tests.fakes import FixedClock

PROBLEM = "application/problem+json"


def pathway(pathway_id: str, org: str = "acme") -> dict[str, Any]:
    return {
        "id": pathway_id,
        "name": "A certificate",
        "target": f"{org}-cert",
        "requirements": {"id": "one", "credential": f"{org}-101"},
    }


def spec(id: str) -> AchievementSpec:
    return AchievementSpec(
        id=id, name=f"Course {id}", description="A course.", criteria="Pass the exam."
    )


class World:
    """Two organisations (acme, globex), each with a credential, and tokens of every kind."""

    def __init__(self, deps: ServiceDeps) -> None:
        self.deps = deps
        for org in ("acme", "globex"):
            create_issuer(deps, id=org, name=org.title(), country_code="NL")
            save_achievement(deps, org, spec(f"{org}-101"))
            publish_achievement(deps, f"{org}-101")
            # a certificate stacked from it (a pathway's target)
            save_achievement(deps, org, spec(f"{org}-cert"))
            publish_achievement(deps, f"{org}-cert")
            save_pathway(deps, org, parse_pathway_data(pathway(f"{org}-path", org)), actor="test")
        self.awards = {
            org: issue_award(
                deps, AwardRequest(f"{org}-101", Recipient.parse(f"learner@{org}.example"))
            )
            for org in ("acme", "globex")
        }
        create_user(deps, email="owner@acme.example", name="Olga")
        set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
        create_user(deps, email="assessor@acme.example", name="Abe")
        set_role(deps, email="assessor@acme.example", issuer_id="acme", role=Role.ASSESSOR)
        create_user(deps, email="owner@globex.example", name="Gus")
        set_role(deps, email="owner@globex.example", issuer_id="globex", role=Role.OWNER)
        save_achievement(deps, "acme", spec("acme-draft"))  # not published
        everything = {
            "awards:read",
            "awards:write",
            "status:write",
            "achievements:read",
            "achievements:write",
            "organisation:admin",
            "completions:write",
            "integrations:admin",
            "evidence:review",
        }
        # https://localhost: accepted, and never reached (the sender refuses loopback)
        self.webhooks = {
            org: register_webhook(
                deps, org, url="https://localhost/hooks", events=["credential.revoked"]
            )[0]
            for org in ("acme", "globex")
        }
        self.tokens = {
            "owner": self._token("owner@acme.example", "acme", everything),
            "read only": self._token("owner@acme.example", "acme", {"awards:read"}),
            "assessor": self._token("assessor@acme.example", "acme", {"awards:read"}),
            "other organisation": self._token("owner@globex.example", "globex", everything),
        }
        revoked, self.tokens["revoked"] = self._token_with_id(
            "owner@acme.example", "acme", everything
        )
        revoke_token(deps, "acme", revoked)
        self.tokens["malformed"] = "cst_nonsense"
        create_quiz(deps, "acme", QuizSpec.model_validate(QUIZ), actor="test")
        create_quiz(
            deps, "globex", QuizSpec.model_validate({**QUIZ, "id": "globex-quiz"}), actor="test"
        )
        approval = OfferingChanges(mode=OfferingMode.APPROVAL)
        self.offerings = {
            org: create_offering(deps, org, f"{org}-101", approval) for org in ("acme", "globex")
        }
        learner = create_user(deps, email="lea@learner.example", name="Lea")
        self.enrolments = {
            org: enrol(deps, learner.id, self.offerings[org].id) for org in ("acme", "globex")
        }
        # an offering earned by an LMS's completion, and the integration that reports it
        earning = create_offering(deps, "acme", "acme-101", OfferingChanges(title="Earned"))
        with deps.uow() as uow:
            uow.offerings.update(dataclasses.replace(earning, requirements=EXTERNAL))
            uow.commit()
        self.earning = earning
        enrol(deps, learner.id, earning.id)
        register_integration(deps, "acme", "lms", actor="test")
        self.submission = self._submission(learner.id)
        self.recognised = {
            org: add_recognised_issuer(
                deps, org, issuer=f"did:web:uni.{org}.example", name="Uni", actor="test"
            ).id
            for org in ("acme", "globex")
        }
        self.equivalences = {
            org: add_equivalence(
                deps, org, achievement_id=f"{org}-101", alignment="https://esco.example/s",
                actor="test",
            ).id
            for org in ("acme", "globex")
        }  # fmt: skip
        self.job = submit_json_job(
            deps, "acme", "token", [AwardItem("acme-101", email="job@acme.example")]
        )

    def _submission(self, learner_id: str) -> str:
        """A submission waiting for review in acme: a rubric, an open offering whose
        requirement is evidence scored by it, the learner enrolled and submitting."""
        deps = self.deps
        create_rubric(deps, "acme", RubricSpec.model_validate(RUBRIC), actor="test")
        offering = create_offering(deps, "acme", "acme-101", OfferingChanges())
        tree = parse_requirements({"id": "work", "evidence": "acme-rubric"})
        with deps.uow() as uow:
            uow.offerings.update(dataclasses.replace(offering, requirements=tree))
            uow.commit()
        enrol(deps, learner_id, offering.id)
        return submit_evidence(deps, learner_id, offering.id, "work", text="My work.").id

    def _token(self, email: str, org: str, scopes: set[str]) -> str:
        return self._token_with_id(email, org, scopes)[1]

    def _token_with_id(self, email: str, org: str, scopes: set[str]) -> tuple[str, str]:
        token, text = create_token(self.deps, email=email, issuer_id=org, name="t", scopes=scopes)
        return token.id, text


@pytest.fixture
def world(deps: ServiceDeps) -> World:
    return World(deps)


@pytest.fixture
def client(world: World, clock: FixedClock) -> Iterator[TestClient]:
    # jobs are not run here: the table cancels a queued one (tests/integration/test_award_jobs)
    app = create_app(
        world.deps, clock=lambda: clock.now() + dt.timedelta(minutes=1), run_jobs=False
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def call(
    client: TestClient, world: World, caller: str | None, method: str, path: str, body: Any
) -> httpx.Response:
    headers = {} if caller is None else {"authorization": f"Bearer {world.tokens[caller]}"}
    ids = dict(
        acme_award=world.awards["acme"].id,
        globex_award=world.awards["globex"].id,
        acme_job=world.job.id,
        acme_webhook=world.webhooks["acme"].id,
        globex_webhook=world.webhooks["globex"].id,
        acme_offering=world.offerings["acme"].id,
        globex_offering=world.offerings["globex"].id,
        acme_enrolment=world.enrolments["acme"].id,
        globex_enrolment=world.enrolments["globex"].id,
        acme_earning=world.earning.id,
        acme_submission=world.submission,
        acme_recognised=world.recognised["acme"],
        acme_equivalence=world.equivalences["acme"],
        globex_recognised=world.recognised["globex"],
        globex_equivalence=world.equivalences["globex"],
    )
    path = path.format(**ids)
    if isinstance(body, str):  # a CSV
        headers["content-type"] = "text/csv"
        return client.request(method, path, content=body.format(**ids), headers=headers)
    if isinstance(body, dict):
        body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    return client.request(method, path, json=body, headers=headers)


ISSUE = {"achievement": "acme-101", "recipient": {"email": "new@acme.example"}}
REASON = {"reason": "checking"}
ORG = "/api/v1/organisations/acme"
RENEW = {"validUntil": "2031-01-01T00:00:00Z"}
QUIZ = {
    "id": "acme-quiz",
    "title": "A quiz",
    "pass_mark": 50,
    "questions": [{"id": "q", "kind": "text", "prompt": "Say yes", "accepted": ["yes"]}],
}
EXTERNAL = parse_requirements(
    {"id": "all", "all_of": [{"id": "lab-hours", "external": "lms", "title": "Lab hours"}]}
)
COMPLETION = {
    "offering_id": "{acme_earning}",
    "requirement_id": "lab-hours",
    "learner": "lea@learner.example",
    "system": "lms",
    "external_id": "c-1",
}
COMPLETIONS_CSV = "learner,requirement_id,external_id\nlea@learner.example,lab-hours,c-2\n"
RUBRIC = {
    "id": "acme-rubric",
    "title": "A rubric",
    "pass_points": 1,
    "criteria": [
        {
            "id": "work",
            "title": "Work",
            "levels": [
                {"id": "no", "title": "No", "points": 0},
                {"id": "ok", "title": "OK", "points": 1},
            ],
        }
    ],
}
REVIEW = {"levels": {"work": "no"}, "decision": "return", "feedback": "Say more."}
NEW_DEFINITION = {"id": "acme-new", "name": "New", "description": "A new one.", "criteria": "Pass."}
#: the scope of a route that any token of the organisation may call
MEMBER = None
#: every endpoint of the issuer API, what it needs, and what a right caller gets
ENDPOINTS = [
    ("GET", f"{ORG}/awards", None, "awards:read", 200),
    ("POST", f"{ORG}/awards", ISSUE, "awards:write", 201),
    ("GET", f"{ORG}/awards/{{acme_award}}", None, "awards:read", 200),
    ("POST", f"{ORG}/awards/{{acme_award}}/suspend", REASON, "status:write", 200),
    ("GET", f"{ORG}/achievements", None, "achievements:read", 200),
    (
        "POST",
        f"{ORG}/achievements",
        NEW_DEFINITION,
        "achievements:write",
        201,
    ),
    ("GET", f"{ORG}/achievements/acme-101", None, "achievements:read", 200),
    ("POST", f"{ORG}/achievements/acme-draft/publish", None, "achievements:write", 200),
    ("DELETE", f"{ORG}/achievements/acme-draft", None, "achievements:write", 204),
    ("POST", f"{ORG}/awards/{{acme_award}}/renew", RENEW, "awards:write", 201),
    ("GET", ORG, None, MEMBER, 200),
    ("PATCH", ORG, {"description": "Changed."}, "organisation:admin", 200),
    ("GET", f"{ORG}/keys", None, MEMBER, 200),
    ("POST", f"{ORG}/keys/rotate", None, "organisation:admin", 201),
    ("GET", f"{ORG}/status-lists", None, "awards:read", 200),
    ("POST", f"{ORG}/status-lists/refresh", {"force": True}, "status:write", 200),
    ("POST", f"{ORG}/award-jobs", [ISSUE], "awards:write", 202),
    ("GET", f"{ORG}/award-jobs", None, "awards:read", 200),
    ("GET", f"{ORG}/award-jobs/{{acme_job}}", None, "awards:read", 200),
    ("GET", f"{ORG}/award-jobs/{{acme_job}}/report", None, "awards:read", 200),
    ("POST", f"{ORG}/award-jobs/{{acme_job}}/cancel", None, "awards:write", 200),
    (
        "POST",
        f"{ORG}/webhooks",
        {"url": "https://hooks.acme.example/in", "events": ["credential.issued"]},
        "organisation:admin",
        201,
    ),
    ("GET", f"{ORG}/webhooks", None, "organisation:admin", 200),
    ("GET", f"{ORG}/webhooks/{{acme_webhook}}", None, "organisation:admin", 200),
    ("DELETE", f"{ORG}/webhooks/{{acme_webhook}}", None, "organisation:admin", 204),
    ("POST", f"{ORG}/webhooks/{{acme_webhook}}/rotate-secret", None, "organisation:admin", 200),
    ("GET", f"{ORG}/webhooks/{{acme_webhook}}/deliveries", None, "organisation:admin", 200),
    ("POST", f"{ORG}/webhooks/{{acme_webhook}}/test", None, "organisation:admin", 202),
    ("POST", f"{ORG}/quizzes", {**QUIZ, "id": "acme-quiz-2"}, "achievements:write", 201),
    ("GET", f"{ORG}/quizzes", None, "achievements:read", 200),
    ("GET", f"{ORG}/quizzes/acme-quiz", None, "achievements:read", 200),
    ("PUT", f"{ORG}/quizzes/acme-quiz", QUIZ, "achievements:write", 200),
    ("GET", f"{ORG}/quizzes/acme-quiz/events", None, "awards:read", 200),
    ("POST", f"{ORG}/pathways", pathway("acme-path-2"), "achievements:write", 201),
    ("GET", f"{ORG}/pathways", None, "achievements:read", 200),
    ("GET", f"{ORG}/pathways/acme-path", None, "achievements:read", 200),
    ("GET", f"{ORG}/pathways/acme-path/learners", None, "awards:read", 200),
    ("GET", f"{ORG}/pathways/acme-path/events", None, "awards:read", 200),
    ("POST", f"{ORG}/pathways/acme-path/reevaluate", None, "achievements:write", 200),
    ("POST", f"{ORG}/offerings", {"achievement": "acme-101"}, "achievements:write", 201),
    ("GET", f"{ORG}/offerings", None, "achievements:read", 200),
    ("GET", f"{ORG}/offerings/{{acme_offering}}", None, "achievements:read", 200),
    ("PATCH", f"{ORG}/offerings/{{acme_offering}}", {"capacity": 5}, "achievements:write", 200),
    ("POST", f"{ORG}/offerings/{{acme_offering}}/close", None, "achievements:write", 200),
    ("GET", f"{ORG}/offerings/{{acme_offering}}/enrolments", None, "achievements:read", 200),
    (
        "POST",
        f"{ORG}/offerings/{{acme_offering}}/enrolments/{{acme_enrolment}}/approve",
        None,
        "achievements:write",
        200,
    ),
    ("POST", f"{ORG}/integrations", {"name": "moodle"}, "integrations:admin", 201),
    ("GET", f"{ORG}/integrations", None, "integrations:admin", 200),
    ("POST", f"{ORG}/integrations/lms/rotate", None, "integrations:admin", 200),
    ("DELETE", f"{ORG}/integrations/lms", None, "integrations:admin", 204),
    ("POST", f"{ORG}/completions", COMPLETION, "completions:write", 201),
    (
        "POST",
        f"{ORG}/offerings/{{acme_earning}}/completions",
        COMPLETIONS_CSV,
        "completions:write",
        200,
    ),
    (
        "POST",
        f"{ORG}/offerings/{{acme_offering}}/enrolments/{{acme_enrolment}}/decline",
        None,
        "achievements:write",
        200,
    ),
    ("POST", f"{ORG}/rubrics", {**RUBRIC, "id": "acme-rubric-2"}, "achievements:write", 201),
    ("GET", f"{ORG}/rubrics", None, "achievements:read", 200),
    ("GET", f"{ORG}/rubrics/acme-rubric", None, "achievements:read", 200),
    ("PUT", f"{ORG}/rubrics/acme-rubric", RUBRIC, "achievements:write", 200),
    ("GET", f"{ORG}/submissions", None, "awards:read", 200),
    ("POST", f"{ORG}/submissions/{{acme_submission}}/review", REVIEW, "evidence:review", 200),
    ("GET", f"{ORG}/recognised-issuers", None, "achievements:read", 200),
    (
        "POST",
        f"{ORG}/recognised-issuers",
        {"issuer": "did:web:college.example", "name": "College"},
        "achievements:write",
        201,
    ),
    (
        "DELETE",
        f"{ORG}/recognised-issuers/{{acme_recognised}}",
        None,
        "achievements:write",
        204,
    ),
    ("GET", f"{ORG}/equivalences", None, "achievements:read", 200),
    (
        "POST",
        f"{ORG}/equivalences",
        {"achievement": "acme-101", "foreignAchievement": "https://uni.example/a/1"},
        "achievements:write",
        201,
    ),
    ("DELETE", f"{ORG}/equivalences/{{acme_equivalence}}", None, "achievements:write", 204),
]
#: callers and whether they hold each scope in acme
SCOPES_OF = {
    "owner": {
        "awards:read",
        "awards:write",
        "status:write",
        "achievements:read",
        "achievements:write",
        "organisation:admin",
        "completions:write",
        "integrations:admin",
        "evidence:review",
    },
    "read only": {"awards:read"},
    "assessor": {"awards:read"},
}


#: every kind of caller; the owner last: only the owner's call may change anything (every
#: changing route needs a scope only the owner's token has), so one world serves them all
CALLERS = [None, "malformed", "revoked", "other organisation", "read only", "assessor", "owner"]


@pytest.mark.parametrize(("method", "path", "body", "scope", "ok"), ENDPOINTS)
def test_who_may_call_each_endpoint(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    body: Any,
    scope: str | None,
    ok: int,
) -> None:
    for caller in CALLERS:
        response = call(client, world, caller, method, path, body)
        if caller in (None, "malformed", "revoked"):
            expected = 401
        elif caller == "other organisation" or (
            scope is not None and scope not in SCOPES_OF[caller]
        ):
            expected = 403
        else:
            expected = ok
        assert response.status_code == expected, (caller, method, path, response.text)
        if expected >= 400:
            assert response.headers["content-type"].startswith(PROBLEM)
        if expected == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
        if expected < 400 and method != "GET":
            assert caller == "owner", f"{caller} changed something before the owner's call"


def test_the_table_covers_every_organisation_route(client: TestClient) -> None:
    """A new route of an organisation must be added to ENDPOINTS (and so be tested for every
    kind of caller). The OpenAPI document lists every route."""
    prefix = "/api/v1/organisations/{issuer_id}"
    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path.replace(prefix, ORG))
        for path, operations in paths.items()
        if path.startswith(prefix)
        for method in operations
    }
    assert ("POST", f"{ORG}/awards") in routes  # the document is what it should be
    any_id = collections.defaultdict(lambda: "x")
    listed = [(m, p.format_map(any_id)) for m, p, *_ in ENDPOINTS]
    missing = sorted(
        (method, template)
        for method, template in routes
        if not any(
            method == m and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), p)
            for m, p in listed
        )
    )
    assert not missing, f"routes not in ENDPOINTS: {missing}"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{ORG}/awards/{{globex_award}}", None),
        ("POST", f"{ORG}/awards/{{globex_award}}/revoke", REASON),
        ("POST", f"{ORG}/awards", {**ISSUE, "achievement": "globex-101"}),
        ("GET", f"{ORG}/webhooks/{{globex_webhook}}", None),
        ("DELETE", f"{ORG}/webhooks/{{globex_webhook}}", None),
        ("POST", f"{ORG}/webhooks/{{globex_webhook}}/rotate-secret", None),
        ("GET", f"{ORG}/webhooks/{{globex_webhook}}/deliveries", None),
        ("POST", f"{ORG}/webhooks/{{globex_webhook}}/test", None),
        ("GET", f"{ORG}/quizzes/globex-quiz", None),
        ("PUT", f"{ORG}/quizzes/globex-quiz", {**QUIZ, "id": "globex-quiz"}),
        ("GET", f"{ORG}/quizzes/globex-quiz/events", None),
        ("GET", f"{ORG}/pathways/globex-path", None),
        ("GET", f"{ORG}/pathways/globex-path/learners", None),
        ("GET", f"{ORG}/pathways/globex-path/events", None),
        ("POST", f"{ORG}/pathways/globex-path/reevaluate", None),
        ("GET", f"{ORG}/offerings/{{globex_offering}}", None),
        ("PATCH", f"{ORG}/offerings/{{globex_offering}}", {"capacity": 5}),
        ("POST", f"{ORG}/offerings/{{globex_offering}}/close", None),
        ("GET", f"{ORG}/offerings/{{globex_offering}}/enrolments", None),
        (
            "POST",
            f"{ORG}/offerings/{{globex_offering}}/enrolments/{{globex_enrolment}}/approve",
            None,
        ),
        # an enrolment of another organisation's offering, under one's own offering
        (
            "POST",
            f"{ORG}/offerings/{{acme_offering}}/enrolments/{{globex_enrolment}}/decline",
            None,
        ),
        ("POST", f"{ORG}/offerings", {"achievement": "globex-101"}),
        ("DELETE", f"{ORG}/recognised-issuers/{{globex_recognised}}", None),
        ("DELETE", f"{ORG}/equivalences/{{globex_equivalence}}", None),
        ("POST", f"{ORG}/equivalences", {"achievement": "globex-101", "alignment": "x:y"}),
    ],
)
def test_another_organisations_data_is_not_found_even_with_every_scope(
    client: TestClient, world: World, method: str, path: str, body: Any
) -> None:
    response = call(client, world, "owner", method, path, body)
    assert response.status_code == 404, response.text
    assert response.json()["type"].endswith("#not-found")
    assert "globex.example" not in response.text  # nothing of theirs is told


def test_an_organisation_sees_only_its_own_credentials(client: TestClient, world: World) -> None:
    listed = call(client, world, "owner", "GET", f"{ORG}/awards", None).json()
    assert [a["id"] for a in listed] == [world.awards["acme"].id]
    other = call(
        client, world, "other organisation", "GET", "/api/v1/organisations/globex/awards", None
    )
    assert [a["id"] for a in other.json()] == [world.awards["globex"].id]


def test_issuing_through_the_api_gives_a_credential_that_verifies(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    body = {
        "achievement": "acme-101",
        "recipient": {"email": "new@acme.example", "name": "Nia New"},
        "narrative": "Built a dashboard.",
        "id": "sis-4711",
    }
    created = call(client, world, "owner", "POST", f"{ORG}/awards", body)
    assert created.status_code == 201, created.text
    award = created.json()
    assert created.headers["location"] == f"{ORG}/awards/{award['id']}"
    report = verify(json.dumps(award["credential"]), now=clock.now() + dt.timedelta(minutes=1))
    assert report.verdict is Verdict.VALID, report.to_dict()
    again = call(client, world, "owner", "POST", f"{ORG}/awards", body)
    assert again.status_code == 409  # the same source id: already issued
    assert again.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"achievement": "acme-101"}, 400),
        ({"achievement": "acme-101", "recipient": {}}, 400),
        ({"achievement": "acme-101", "recipient": {"email": "nope"}}, 400),
        ({**ISSUE, "unknown": 1}, 400),
        ({**ISSUE, "validUntil": "tomorrow"}, 400),
        ({**ISSUE, "achievement": "missing-101"}, 404),
    ],
)
def test_bad_issue_requests_are_problems(
    client: TestClient, world: World, body: Any, status: int
) -> None:
    response = call(client, world, "owner", "POST", f"{ORG}/awards", body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_paging_with_limit_offset_total_and_links(client: TestClient, world: World) -> None:
    for n in range(4):
        issue_award(world.deps, AwardRequest("acme-101", Recipient.parse(f"l{n}@acme.example")))
    first = call(client, world, "owner", "GET", f"{ORG}/awards?limit=2", None)
    assert first.headers["x-total-count"] == "5"
    assert len(first.json()) == 2
    assert 'rel="next"' in first.headers["link"]
    assert "offset=2" in first.headers["link"]
    last = call(client, world, "owner", "GET", f"{ORG}/awards?limit=2&offset=4", None)
    assert len(last.json()) == 1
    assert 'rel="prev"' in last.headers["link"]
    assert 'rel="next"' not in last.headers["link"]
    everyone = [a["id"] for off in (0, 2, 4) for a in call(
        client, world, "owner", "GET", f"{ORG}/awards?limit=2&offset={off}", None
    ).json()]  # fmt: skip
    assert len(set(everyone)) == 5
    bad = call(client, world, "owner", "GET", f"{ORG}/awards?limit=0", None)
    assert bad.status_code == 400


def test_revoking_through_the_api_shows_on_the_public_page(
    client: TestClient, world: World
) -> None:
    award = world.awards["acme"]
    revoked = call(
        client, world, "owner", "POST", f"{ORG}/awards/{award.id}/revoke", {"reason": "fraud"}
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    page = client.get(f"/credentials/{award.id}", headers={"accept": "text/html"}).text
    assert "Not verified" in page
    again = call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/unsuspend", REASON)
    assert again.status_code == 409  # revocation is final
    unknown = call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/delete", REASON)
    assert unknown.status_code == 404


UNSECURED = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner"},
}


def test_the_vc_api_issuer_signs_as_the_tokens_organisation(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    issued = call(client, world, "owner", "POST", "/credentials/issue", {"credential": UNSECURED})
    assert issued.status_code == 201, issued.text
    signed = issued.json()["verifiableCredential"]
    with world.deps.uow() as uow:
        acme_did = uow.issuers.get("acme").did
    assert signed["issuer"] == acme_did
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    report = verify(signed, now=clock.now() + dt.timedelta(minutes=1))
    assert report.verdict is not Verdict.INVALID, report.to_dict()
    checked = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert checked.json()["verified"] is True


@pytest.mark.parametrize(
    ("caller", "body", "status", "detail"),
    [
        (None, {"credential": UNSECURED}, 401, "API token"),
        ("read only", {"credential": UNSECURED}, 403, "awards write"),
        ("owner", {"credential": {**UNSECURED, "issuer": "did:example:else"}}, 400, "issuer"),
        ("owner", {"credential": {**UNSECURED, "proof": {"type": "x"}}}, 400, "proof already"),
        ("owner", {"credential": {**UNSECURED, "undefinedTerm": 1}}, 400, "cannot sign"),
        ("owner", {"credential": "eyJ..."}, 400, "credential must be a JSON object"),
    ],
)
def test_the_vc_api_issuer_refuses_what_it_cannot_sign(
    client: TestClient, world: World, caller: str | None, body: Any, status: int, detail: str
) -> None:
    response = call(client, world, caller, "POST", "/credentials/issue", body)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]


def test_the_vc_api_status_endpoint_sets_and_clears_bits(client: TestClient, world: World) -> None:
    award = world.awards["acme"]

    def update(credential_id: str, purpose: str, status: bool) -> httpx.Response:
        body = {
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusList", "statusPurpose": purpose},
            "status": status,
        }
        return call(client, world, "owner", "POST", "/credentials/status", body)

    assert update(award.credential_id, "suspension", True).status_code == 200
    assert update(award.id, "suspension", False).status_code == 200
    assert update(award.id, "revocation", True).status_code == 200
    page = client.get(f"/credentials/{award.id}", headers={"accept": "text/html"}).text
    assert "Not verified" in page
    assert update(award.id, "revocation", False).status_code == 409
    assert update(world.awards["globex"].id, "revocation", True).status_code == 404
    assert update(award.id, "expiry", True).status_code == 400


def test_definitions_are_made_from_json_or_yaml_and_published(
    client: TestClient, world: World
) -> None:
    headers = {"authorization": f"Bearer {world.tokens['owner']}"}
    yaml_text = "id: acme-yaml\nname: From YAML\ndescription: Written as YAML.\ncriteria: Pass.\n"
    made = client.post(
        f"{ORG}/achievements",
        content=yaml_text,
        headers={**headers, "content-type": "application/yaml"},
    )
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["version"]) == ("draft", 1)
    published = client.post(f"{ORG}/achievements/acme-yaml/publish", headers=headers)
    assert published.json()["status"] == "published"
    again = client.post(f"{ORG}/achievements/acme-yaml/publish", headers=headers)
    assert again.status_code == 409
    shown = client.get(f"{ORG}/achievements/acme-yaml", headers=headers).json()
    assert shown["definition"]["name"] == "From YAML"
    issued = client.post(
        f"{ORG}/awards",
        json={"achievement": "acme-yaml", "recipient": {"email": "y@acme.example"}},
        headers=headers,
    )
    assert issued.status_code == 201


@pytest.mark.parametrize(
    ("content", "media", "status", "detail"),
    [
        (
            '{"id": "globex-101", "name": "Mine", "description": "x", "criteria": "y"}',
            "application/json",
            409,
            "taken",
        ),
        ('{"id": "acme-x", "name": ""}', "application/json", 400, ""),
        ("not: [valid", "application/yaml", 400, ""),
        (
            "id: acme-z\nname: Z\ndescription: z\ncriteria: z\nissuer: globex\n",
            "application/yaml",
            400,
            "for 'globex'",
        ),
        ("id=acme-x", "text/plain", 415, "application/json"),
    ],
)
def test_bad_definitions_are_problems(
    client: TestClient, world: World, content: str, media: str, status: int, detail: str
) -> None:
    response = client.post(
        f"{ORG}/achievements",
        content=content,
        headers={"authorization": f"Bearer {world.tokens['owner']}", "content-type": media},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert detail in response.json()["detail"]
    assert "belongs to" not in response.json()["detail"]  # the owner is not named


def test_another_organisations_definition_is_not_found(client: TestClient, world: World) -> None:
    for method, path in (
        ("GET", f"{ORG}/achievements/globex-101"),
        ("POST", f"{ORG}/achievements/globex-101/publish"),
    ):
        assert call(client, world, "owner", method, path, None).status_code == 404


def _admin_token(world: World) -> str:
    """A platform administrator who owns acme (admins are members somewhere, like anyone)."""
    create_user(world.deps, email="admin@platform.example", name="Ada", platform_admin=True)
    set_role(world.deps, email="admin@platform.example", issuer_id="acme", role=Role.OWNER)
    world.tokens["admin"] = world._token(
        "admin@platform.example", "acme", {"organisation:admin", "awards:read"}
    )
    return "admin"


NEW_ORG = {
    "id": "initech",
    "name": "Initech",
    "countryCode": "us",
    "url": "https://initech.example",
}


def test_a_platform_admin_creates_an_organisation_that_issues(
    client: TestClient, world: World
) -> None:
    admin = _admin_token(world)
    body = {**NEW_ORG, "owner": "owner@globex.example"}
    created = call(client, world, admin, "POST", "/api/v1/organisations", body)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/organisations/initech"
    organisation = created.json()
    assert organisation["did"].startswith("did:key:z6Mk")
    assert organisation["address"]["countryCode"] == "US"
    assert [k["active"] for k in organisation["keys"]] == [True]
    with world.deps.uow() as uow:
        owner = uow.accounts.user_by_email("owner@globex.example")
        assert owner is not None
        membership = uow.accounts.membership(owner.id, "initech")
    assert membership is not None
    assert membership.role is Role.OWNER
    listed = call(client, world, admin, "GET", "/api/v1/organisations", None).json()
    assert {o["id"] for o in listed} == {"acme", "globex", "initech"}


@pytest.mark.parametrize(
    ("caller", "body", "status"),
    [
        ("owner", NEW_ORG, 403),  # an organisation's owner is not a platform admin
        (None, NEW_ORG, 401),
        ("admin", {**NEW_ORG, "countryCode": "Germany"}, 400),
        ("admin", {**NEW_ORG, "id": "Not A Slug"}, 400),
        ("admin", {**NEW_ORG, "url": "ftp://initech.example"}, 400),
        ("admin", {**NEW_ORG, "id": "globex"}, 409),
        ("admin", {**NEW_ORG, "owner": "nobody@nowhere.example"}, 404),
        ("admin", {**NEW_ORG, "surprise": True}, 400),
    ],
)
def test_creating_an_organisation_refuses_bad_requests_and_writes_nothing(
    client: TestClient, world: World, caller: str | None, body: Any, status: int
) -> None:
    _admin_token(world)
    response = call(client, world, caller, "POST", "/api/v1/organisations", body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    with world.deps.uow() as uow:
        assert {i.id for i in uow.issuers.list()} == {"acme", "globex"}


def test_an_owner_sees_only_their_organisation_in_the_list(
    client: TestClient, world: World
) -> None:
    listed = call(client, world, "owner", "GET", "/api/v1/organisations", None).json()
    assert [o["id"] for o in listed] == ["acme"]


def test_a_profile_change_shows_in_new_credentials_only(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    changes = {"name": "Acme Academy", "description": "We teach.", "url": None}
    changed = call(client, world, "owner", "PATCH", ORG, changes)
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Acme Academy"
    assert changed.json()["url"] is None
    issued = call(client, world, "owner", "POST", f"{ORG}/awards", ISSUE).json()
    assert issued["credential"]["issuer"]["name"] == "Acme Academy"
    old = call(client, world, "owner", "GET", f"{ORG}/awards/{world.awards['acme'].id}", None)
    assert old.json()["credential"]["issuer"]["name"] == "Acme"  # signed as it was
    later = clock.now() + dt.timedelta(minutes=1)
    assert verify(json.dumps(old.json()["credential"]), now=later).verdict is Verdict.VALID


@pytest.mark.parametrize(
    "body",
    [
        {"id": "renamed"},
        {"domain": "acme.example"},
        {"name": None},
        {"name": ""},
        {"countryCode": None},
        {"email": "not-an-address"},
    ],
)
def test_a_profile_change_that_cannot_be_made_is_a_problem(
    client: TestClient, world: World, body: Any
) -> None:
    response = call(client, world, "owner", "PATCH", ORG, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert call(client, world, "owner", "GET", ORG, None).json()["name"] == "Acme"


def test_after_a_key_rotation_old_and_new_credentials_verify(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    before = call(client, world, "owner", "GET", ORG, None).json()
    rotated = call(client, world, "owner", "POST", f"{ORG}/keys/rotate", None)
    assert rotated.status_code == 201, rotated.text
    keys = call(client, world, "owner", "GET", f"{ORG}/keys", None).json()
    assert [k["id"] for k in keys if k["active"]] == [rotated.json()["id"]]
    assert [k["retiredAt"] is not None for k in keys].count(True) == 1
    after = call(client, world, "owner", "GET", ORG, None).json()
    assert after["did"] != before["did"]  # did:key: the DID is the key
    issued = call(client, world, "owner", "POST", f"{ORG}/awards", ISSUE).json()
    later = clock.now() + dt.timedelta(minutes=1)
    old = call(client, world, "owner", "GET", f"{ORG}/awards/{world.awards['acme'].id}", None)
    for credential in (issued["credential"], old.json()["credential"]):
        assert verify(json.dumps(credential), now=later).verdict is Verdict.VALID
    assert issued["credential"]["issuer"]["id"] == after["did"]


def test_status_lists_count_what_is_revoked_and_refresh_on_request(
    client: TestClient, world: World
) -> None:
    award = world.awards["acme"]
    call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/revoke", REASON)
    (listed,) = call(client, world, "owner", "GET", f"{ORG}/status-lists", None).json()
    assert (listed["used"], listed["revoked"], listed["suspended"]) == (1, 1, 0)
    published = client.get(listed["urls"]["revocation"].removeprefix("http://localhost:8000"))
    assert published.status_code == 200
    due = call(client, world, "owner", "POST", f"{ORG}/status-lists/refresh", {})
    assert due.json()["resigned"] == 0  # fresh lists are not due
    forced = call(client, world, "owner", "POST", f"{ORG}/status-lists/refresh", {"force": True})
    assert forced.json()["resigned"] == 1  # acme's one list; globex's is not touched


def test_renewing_through_the_api_links_the_successor(client: TestClient, world: World) -> None:
    award = world.awards["acme"]
    renewed = call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/renew", RENEW)
    assert renewed.status_code == 201, renewed.text
    body = renewed.json()
    assert body["renews"] == award.id
    assert body["validUntil"].startswith("2031-01-01")
    assert renewed.headers["location"] == f"{ORG}/awards/{body['id']}"
    call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/revoke", REASON)
    refused = call(client, world, "owner", "POST", f"{ORG}/awards/{award.id}/renew", RENEW)
    assert refused.status_code == 409
    other = f"{ORG}/awards/{world.awards['globex'].id}/renew"
    assert call(client, world, "owner", "POST", other, RENEW).status_code == 404


def test_a_draft_is_discarded_and_a_published_version_never(
    client: TestClient, world: World
) -> None:
    edited = {"id": "acme-101", "name": "Course 2", "description": "Better.", "criteria": "Pass."}
    assert (
        call(client, world, "owner", "POST", f"{ORG}/achievements", edited).json()["version"] == 2
    )
    discarded = call(client, world, "owner", "DELETE", f"{ORG}/achievements/acme-101", None)
    assert discarded.status_code == 200, discarded.text
    assert (discarded.json()["version"], discarded.json()["status"]) == (1, "published")
    kept = call(client, world, "owner", "DELETE", f"{ORG}/achievements/acme-101", None)
    assert kept.status_code == 409
    assert "published" in kept.json()["detail"]
    gone = call(client, world, "owner", "DELETE", f"{ORG}/achievements/acme-draft", None)
    assert gone.status_code == 204
    after = call(client, world, "owner", "GET", f"{ORG}/achievements/acme-draft", None)
    assert after.status_code == 404
    other = call(client, world, "owner", "DELETE", f"{ORG}/achievements/globex-101", None)
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/credentials/%00", None),
        ("GET", "/issuers/%00", None),
        ("GET", f"{ORG}/awards/%00", None),
        ("GET", f"{ORG}/achievements/%00", None),
        ("GET", f"{ORG}/webhooks/%00", None),
        ("POST", f"{ORG}/achievements", {**NEW_DEFINITION, "name": "Nul\u0000name"}),
        ("POST", f"{ORG}/awards", {**ISSUE, "recipient": {"email": "a@b.example", "name": "\0"}}),
    ],
)
def test_a_nul_character_is_never_a_server_error(
    client: TestClient, world: World, database_url: str, method: str, path: str, body: Any
) -> None:
    """PostgreSQL refuses U+0000 in text, even in a look-up, where SQLite keeps it: there it
    is bad input, a 400 problem document, never a 500 or a 503 (found by schemathesis)."""
    response = call(client, world, "owner", method, path, body)
    assert response.status_code < 500, response.text
    if database_url.startswith("postgresql"):
        assert response.status_code == 400, response.text
        assert "NUL" in response.json()["detail"]
