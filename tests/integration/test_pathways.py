"""Pathways on storage: saved as versions, learners on the version they started, the stacked
credential issued the moment the last component is, citing its components, and what
happens when a component is revoked afterwards (keep, flag, revoke)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.pathways import ComponentLossPolicy, parse_pathway_data
from credstack.domain.status import StatusAction
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.bulk_awards import issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.pathways import (
    learner_pathway,
    save_pathway,
    settle_due_pathways,
    start_pathway,
    sweep_expired,
)
from credstack.services.status import change_status
from credstack.vc import Verdict, verify
from credstack.web import create_app
from tests.fakes import FixedClock

ORG = "/api/v1/organisations/acme"
LEARNER = "lea@example.org"
PASSWORD = "correct horse battery"
PATHWAY: dict[str, Any] = {
    "id": "data-certificate",
    "name": "Data certificate",
    "target": "certificate",
    "requirements": {
        "id": "all",
        "all_of": [
            {"id": "first", "credential": "foundations"},
            {"id": "second", "credential": "charts"},
            {"id": "third", "credential": "ethics"},
        ],
    },
    "within": {"years": 3},
}


def _achievement(deps: ServiceDeps, achievement_id: str, ects: float) -> None:
    spec = AchievementSpec.model_validate(
        {
            "id": achievement_id,
            "name": achievement_id.title(),
            "description": f"The {achievement_id} micro-credential.",
            "criteria": "Pass.",
            "micro_credential": {
                "learning_outcomes": ["Knows it"],
                "ects": ects,
                "eqf_level": 5,
                "assessment_type": "Exam",
                "participation_form": "online",
                "quality_assurance": "Internal review",
            },
        }
    )
    save_achievement(deps, "acme", spec)
    publish_achievement(deps, achievement_id)


@pytest.fixture
def acme(deps: ServiceDeps) -> ServiceDeps:
    create_issuer(deps, id="acme", name="Acme Academy", country_code="NL")
    for achievement_id in ("foundations", "charts", "ethics", "certificate"):
        _achievement(deps, achievement_id, 2 if achievement_id != "certificate" else 6)
    create_user(deps, email=LEARNER, name="Lea", password=PASSWORD)
    create_user(deps, email="owner@acme.example", name="Olga")
    set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    return deps


def award(deps: ServiceDeps, achievement_id: str, email: str = LEARNER) -> str:
    return issue_award(deps, AwardRequest(achievement_id, Recipient(email=email))).id


def user_id(deps: ServiceDeps, email: str = LEARNER) -> str:
    with deps.uow() as uow:
        found = uow.accounts.user_by_email(email)
        assert found is not None
        return found.id


def save(deps: ServiceDeps, data: dict[str, Any], **kw: Any) -> Any:
    return save_pathway(deps, "acme", parse_pathway_data(data), actor="test", **kw)[0]


def test_the_last_component_issues_the_stacked_credential_at_once(
    acme: ServiceDeps, clock: FixedClock
) -> None:
    save(acme, PATHWAY)
    components = [award(acme, "foundations"), award(acme, "charts")]
    learner = start_pathway(acme, user_id(acme), "data-certificate")
    assert learner.award_id is None
    view = learner_pathway(acme, "data-certificate", user_id(acme))
    assert [leaf.id for leaf in view.progress.missing()] == ["third"]
    assert view.route == ["ethics"]

    components.append(award(acme, "ethics"))  # the last one: the target follows in this call
    with acme.uow() as uow:
        row = uow.pathways.learner(learner.id)
        assert row.award_id is not None
        stacked = uow.awards.get(row.award_id)
        events = [e.action for e in uow.pathways.events("data-certificate")]
    assert stacked.achievement_id == "certificate"
    document = json.loads(stacked.credential)
    cited = [item["id"] for item in document["evidence"]]
    assert cited == [f"{acme.public_url}/credentials/{c}" for c in components]
    assert {item["genre"] for item in document["evidence"]} == {"Component credential"}
    report = verify(stacked.credential, now=clock.now() + dt.timedelta(minutes=1))
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert events == ["saved", "started", "awarded"]
    # settling again issues nothing twice
    award(acme, "foundations", email="someone@example.org")
    with acme.uow() as uow:
        assert len(list(uow.awards.list(achievement_id="certificate"))) == 1


def test_a_cohort_run_that_issues_the_last_component_stacks_at_once(acme: ServiceDeps) -> None:
    save(acme, PATHWAY)
    award(acme, "foundations")
    award(acme, "charts")
    learner = start_pathway(acme, user_id(acme), "data-certificate")
    cohort = [
        (n, AwardRequest("ethics", Recipient(email=email)))
        for n, email in enumerate([LEARNER, "x@example.org", "y@example.org"], start=2)
    ]
    outcomes = list(issue_awards(acme, "ethics", cohort))
    assert [o.status for o in outcomes] == ["issued"] * 3
    with acme.uow() as uow:
        assert uow.pathways.learner(learner.id).award_id is not None


def test_a_learner_holding_everything_is_awarded_on_starting(acme: ServiceDeps) -> None:
    save(acme, PATHWAY)
    for achievement_id in ("foundations", "charts", "ethics"):
        award(acme, achievement_id)
    learner = start_pathway(acme, user_id(acme), "data-certificate")
    assert learner.award_id is not None
    with pytest.raises(ConflictError, match="on this pathway already"):
        start_pathway(acme, user_id(acme), "data-certificate")


def test_learners_keep_the_version_they_started(acme: ServiceDeps) -> None:
    first = save(acme, PATHWAY)
    assert first.version == 1
    assert save(acme, PATHWAY).version == 1  # unchanged: no new version
    lea = start_pathway(acme, user_id(acme), "data-certificate")
    two = dict(PATHWAY, requirements={"id": "all", "all_of": PATHWAY["requirements"]["all_of"][:2]})
    assert save(acme, two).version == 2
    create_user(acme, email="max@example.org", name="Max")
    max_ = start_pathway(acme, user_id(acme, "max@example.org"), "data-certificate")
    assert (lea.version, max_.version) == (1, 2)
    for email in (LEARNER, "max@example.org"):
        award(acme, "foundations", email)
        award(acme, "charts", email)
    with acme.uow() as uow:
        assert uow.pathways.learner(lea.id).award_id is None  # version 1 wants three
        assert uow.pathways.learner(max_.id).award_id is not None  # version 2 wants two


@pytest.mark.parametrize("policy", list(ComponentLossPolicy))
def test_a_component_revoked_after_the_award_follows_the_pathways_policy(
    acme: ServiceDeps, policy: ComponentLossPolicy
) -> None:
    save(acme, PATHWAY, loss_policy=policy)
    first = award(acme, "foundations")
    award(acme, "charts")
    award(acme, "ethics")
    learner = start_pathway(acme, user_id(acme), "data-certificate")
    assert learner.award_id is not None
    change_status(acme, first, StatusAction.REVOKE, reason="exam fraud", actor="test")
    with acme.uow() as uow:
        row = uow.pathways.learner(learner.id)
        stacked = uow.awards.get(learner.award_id)
        actions = [e.action for e in uow.pathways.events("data-certificate")]
    assert row.flagged is not None
    assert "policy: " + policy.value in row.flagged
    assert actions[-1] == f"lost_{policy.value}"
    assert stacked.state.revoked is (policy is ComponentLossPolicy.REVOKE)


def test_saving_refuses_what_cannot_be_used(acme: ServiceDeps, deps: ServiceDeps) -> None:
    unknown = dict(PATHWAY, requirements={"id": "x", "credential": "nothing"})
    with pytest.raises(InvalidInputError, match="nothing"):
        save(acme, unknown)
    with pytest.raises(InvalidInputError, match="not a published achievement"):
        save(acme, dict(PATHWAY, target="nope"))
    save(acme, PATHWAY)
    # a second pathway whose target the first requires, and which requires the first's
    # target: a cycle through the two
    loop = {
        "id": "loop",
        "name": "Loop",
        "target": "ethics",
        "requirements": {"id": "c", "credential": "certificate"},
    }
    with pytest.raises(InvalidInputError, match="would require itself"):
        save(acme, loop)
    create_issuer(deps, id="globex", name="Globex", country_code="NL")
    with pytest.raises(ConflictError, match="taken"):
        save_pathway(deps, "globex", parse_pathway_data(PATHWAY), actor="test")


@pytest.fixture
def client(acme: ServiceDeps) -> Iterator[TestClient]:
    scopes = {"achievements:read", "achievements:write", "awards:read"}
    token = create_token(
        acme, email="owner@acme.example", issuer_id="acme", name="t", scopes=scopes
    )[1]
    app = create_app(acme, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["authorization"] = f"Bearer {token}"
        yield test_client


def test_the_api_saves_versions_reads_yaml_and_lists_learners(
    client: TestClient, acme: ServiceDeps
) -> None:
    text = yaml.safe_dump(PATHWAY)
    headers = {"content-type": "application/yaml"}
    created = client.post(f"{ORG}/pathways", content=text, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    again = client.post(f"{ORG}/pathways", content=text, headers=headers)
    assert again.status_code == 200
    changed = client.post(f"{ORG}/pathways?lossPolicy=revoke", content=text, headers=headers)
    assert (changed.status_code, changed.json()["version"]) == (201, 2)
    assert changed.json()["lossPolicy"] == "revoke"
    first = client.get(f"{ORG}/pathways/data-certificate?version=1")
    assert first.json()["lossPolicy"] == "flag"
    as_yaml = client.get(f"{ORG}/pathways/data-certificate", headers={"accept": "application/yaml"})
    assert parse_pathway_data(yaml.safe_load(as_yaml.text)) == parse_pathway_data(PATHWAY)
    assert [p["id"] for p in client.get(f"{ORG}/pathways").json()] == ["data-certificate"]

    award(acme, "foundations")
    start_pathway(acme, user_id(acme), "data-certificate")
    (row,) = client.get(f"{ORG}/pathways/data-certificate/learners").json()
    assert (row["email"], row["complete"], row["missing"]) == (LEARNER, False, ["second", "third"])
    assert client.post(f"{ORG}/pathways/data-certificate/reevaluate").json() == {"learners": 1}
    log = client.get(f"{ORG}/pathways/data-certificate/events").json()
    assert [e["action"] for e in log] == ["saved", "saved", "started"]

    bad = client.post(f"{ORG}/pathways", content="id: [", headers=headers)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{ORG}/pathways/nope").status_code == 404
    assert client.get("/api/v1/organisations/globex/pathways").status_code in (403, 404)


def test_the_pathway_page_draws_progress_and_starts_the_pathway(
    client: TestClient, acme: ServiceDeps
) -> None:
    save(acme, PATHWAY)
    award(acme, "foundations")
    page = TestClient(client.app)
    anonymous = page.get("/pathways/data-certificate")
    assert anonymous.status_code == 200
    assert 'role="img"' in anonymous.text  # the picture, inline
    assert "Sign in</a> to start this pathway" in anonymous.text
    form = page.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    page.post("/login", data={"email": LEARNER, "password": PASSWORD, "csrf": csrf})
    before = page.get("/pathways/data-certificate").text
    csrf = before.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    started = page.post("/pathways/data-certificate/start", data={"csrf": csrf})
    assert started.status_code == 200  # followed to the page
    assert "Your progress (version 1)" in started.text
    assert "counted: <em>Foundations</em>" in started.text
    assert '<a href="/achievements/charts">Charts</a>' in started.text  # the shortest route
    learning = page.get("/learning").text
    assert '<a href="/pathways/data-certificate">Data certificate</a>: 1 of 3 done' in learning
    assert page.post("/pathways/data-certificate/start", data={"csrf": "x"}).status_code == 403
    assert page.get("/pathways/nope").status_code == 404


def test_a_component_that_expires_after_the_award_is_caught_by_the_sweep(
    acme: ServiceDeps, clock: FixedClock
) -> None:
    save(acme, PATHWAY)
    soon = clock.now() + dt.timedelta(days=1)
    issue_award(acme, AwardRequest("foundations", Recipient(email=LEARNER), valid_until=soon))
    award(acme, "charts")
    award(acme, "ethics")
    learner = start_pathway(acme, user_id(acme), "data-certificate")
    assert learner.award_id is not None
    assert sweep_expired(acme) == 1
    settle_due_pathways(acme)
    with acme.uow() as uow:
        assert uow.pathways.learner(learner.id).flagged is None  # not expired yet: nothing
    clock.advance(days=2)
    sweep_expired(acme)
    settle_due_pathways(acme)
    with acme.uow() as uow:
        row = uow.pathways.learner(learner.id)
        actions = [e.action for e in uow.pathways.events("data-certificate")]
    assert row.flagged is not None
    assert row.check_due_at is None
    assert actions[-1] == "lost_flag"
