"""Evidence reviewed by an assessor, through HTTP: rubrics in the issuer API, the learner's
form, the assessor's queue and review, the credential issued on acceptance, and who may see
what (another learner, another organisation: 404) and how files are served."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.evidence import Submission, SubmissionState
from credstack.domain.requirements import parse_requirements
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.deps import ServiceDeps
from credstack.services.earning import outcomes_of
from credstack.services.issuers import create_issuer
from credstack.services.offerings import OfferingChanges, create_offering, enrol
from credstack.web import create_app
from credstack.web.evidence_pages import served_media_type
from tests.fakes import FixedClock

PASSWORD = "correct horse battery"
ORG = "/api/v1/organisations/acme"
PDF = b"%PDF-1.4\n% a report\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
RUBRIC: dict[str, Any] = {
    "id": "project-rubric",
    "title": "Project rubric",
    "instructions": "Build a small project and <b>explain</b> it.",
    "criteria": [
        {
            "id": "design",
            "title": "Design",
            "minimum": "fair",
            "levels": [
                {"id": "weak", "title": "Weak", "points": 0},
                {"id": "fair", "title": "Fair", "points": 2},
                {"id": "strong", "title": "Strong", "points": 3},
            ],
        },
        {
            "id": "docs",
            "title": "Documentation",
            "levels": [
                {"id": "none", "title": "None", "points": 0},
                {"id": "some", "title": "Some", "points": 1},
                {"id": "full", "title": "Full", "points": 3},
            ],
        },
    ],
    "pass_points": 4,
    "max_bytes": 100_000,
    "file_types": ["pdf", "image/png"],
}
TREE = {
    "id": "all",
    "all_of": [{"id": "portfolio", "title": "Portfolio", "evidence": RUBRIC["id"]}],
}


@dataclasses.dataclass
class World:
    deps: ServiceDeps
    offering_id: str
    users: dict[str, str]
    tokens: dict[str, str]


@pytest.fixture
def world(deps: ServiceDeps) -> World:
    for org in ("acme", "globex"):
        create_issuer(deps, id=org, name=f"{org.title()} Academy", country_code="NL")
    spec = AchievementSpec(
        id="acme-101", name="Projects 101", description="A course.", criteria="Submit a project."
    )
    save_achievement(deps, "acme", spec)
    publish_achievement(deps, "acme-101")
    users = {}
    for name, org, role in [
        ("owner", "acme", Role.OWNER),
        ("abe", "acme", Role.ASSESSOR),
        ("gus", "globex", Role.ASSESSOR),
        ("ann", None, None),
        ("bob", None, None),
    ]:
        user = create_user(deps, email=f"{name}@example.org", name=name.title(), password=PASSWORD)
        users[name] = user.id
        if org is not None and role is not None:
            set_role(deps, email=f"{name}@example.org", issuer_id=org, role=role)
    set_role(deps, email="gus@example.org", issuer_id="acme", role=Role.LEARNER)
    scopes = {"achievements:read", "achievements:write", "awards:read", "evidence:review"}
    tokens = {
        "acme": create_token(
            deps, email="owner@example.org", issuer_id="acme", name="t", scopes=scopes
        )[1],
        "globex": create_token(
            deps,
            email="gus@example.org",
            issuer_id="globex",
            name="t",
            scopes={"awards:read", "evidence:review"},
        )[1],
    }
    offering = create_offering(deps, "acme", "acme-101", OfferingChanges(title="Spring cohort"))
    with deps.uow() as uow:
        changed = dataclasses.replace(offering, requirements=parse_requirements(TREE))
        uow.offerings.update(changed)
        uow.commit()
    for learner in ("ann", "bob"):
        enrol(deps, users[learner], offering.id)
    return World(deps, offering.id, users, tokens)


@pytest.fixture
def client(world: World, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(world.deps, clock=clock.now, run_jobs=False, dispatch_webhooks=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        api(
            test_client,
            world,
            "POST",
            f"{ORG}/rubrics",
            content=yaml.safe_dump(RUBRIC),
            headers={"content-type": "application/yaml"},
        ).raise_for_status()
        yield test_client


def api(
    client: TestClient, world: World, method: str, path: str, org: str = "acme", **kw: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {world.tokens[org]}", **kw.pop("headers", {})}
    return client.request(method, path, headers=headers, **kw)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, name: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": f"{name}@example.org", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def form_url(world: World) -> str:
    return f"/learning/{world.offering_id}/evidence/portfolio"


def submit(client: TestClient, world: World, files: Any = None, **data: str) -> httpx.Response:
    page = client.get(form_url(world))
    assert page.status_code == 200, page.text
    # without a form on the page (nothing can be sent now), post with the session's token
    html = page.text if 'name="csrf"' in page.text else client.get("/account").text
    return client.post(
        form_url(world), data={"csrf": csrf_of(html), **data}, files=files, follow_redirects=False
    )


def versions(world: World, learner: str = "ann") -> list[Submission]:
    with world.deps.uow() as uow:
        return uow.evidence.versions(world.offering_id, "portfolio", world.users[learner])


def review(
    client: TestClient, submission_id: str, decision: str, feedback: str = "", **levels: str
) -> httpx.Response:
    page = client.get(f"/assess/{submission_id}")
    assert page.status_code == 200, page.text
    html = page.text if 'name="csrf"' in page.text else client.get("/account").text
    data = {"csrf": csrf_of(html), "decision": decision, "feedback": feedback}
    data.update({f"level-{criterion}": level for criterion, level in levels.items()})
    return client.post(f"/assess/{submission_id}", data=data, follow_redirects=False)


def test_submit_return_resubmit_accept_and_the_credential_is_issued(
    client: TestClient, world: World
) -> None:
    sign_in(client, "ann")
    page = client.get(form_url(world)).text
    assert "Build a small project and &lt;b&gt;explain&lt;/b&gt; it." in page  # escaped
    assert "anyone with the link" in page
    assert 'enctype="multipart/form-data"' in page
    assert "at most 97 kB" in page
    assert "pdf, png" in page
    sent = submit(
        client,
        world,
        files={"file": ("Report final.pdf", PDF, "text/html")},
        text="My <script>alert(1)</script> project",
        link="https://example.org/repo",
    )
    assert sent.status_code == 303, sent.text
    (first,) = versions(world)
    assert first.file is not None
    assert first.file.media_type == "application/pdf"
    assert first.file.name == "Report_final.pdf"
    again = submit(client, world, text="More")
    assert again.status_code == 409
    assert "waits for review" in again.text

    sign_in(client, "abe")
    queue = client.get("/assess").text
    assert f'href="/assess/{first.id}"' in queue
    assert "ann@example.org" in queue
    form = client.get(f"/assess/{first.id}").text
    assert "<legend>Design (at least Fair to accept)</legend>" in form
    assert 'type="radio" id="c-docs-full" name="level-docs" value="full"' in form
    assert '<label for="feedback">' in form
    assert "&lt;script&gt;" in form
    no_feedback = review(client, first.id, "return", design="weak", docs="none")
    assert no_feedback.status_code == 400
    assert "say what to change" in no_feedback.text
    returned = review(client, first.id, "return", "Explain the design.", design="weak", docs="none")
    assert returned.status_code == 303

    sign_in(client, "ann")
    assert "Explain the design." in client.get(form_url(world)).text
    assert submit(client, world, text="Now explained.").status_code == 303
    second = versions(world)[1]
    assert (second.version, second.state) == (2, SubmissionState.SUBMITTED)

    sign_in(client, "abe")
    short = review(client, second.id, "accept", "Close.", design="weak", docs="full")
    assert short.status_code == 409
    assert "return it instead" in short.text
    assert "below &#39;Fair&#39;" in short.text or "below 'Fair'" in short.text
    accepted = review(client, second.id, "accept", "Well done.", design="strong", docs="some")
    assert accepted.status_code == 303
    twice = review(client, second.id, "accept", design="strong", docs="some")
    assert twice.status_code == 409
    assert "accepted already" in twice.text

    with world.deps.uow() as uow:
        enrolment = uow.offerings.enrolment_of(world.offering_id, world.users["ann"])
        assert enrolment is not None
        assert enrolment.award_id is not None
        award = uow.awards.get(enrolment.award_id)
        assert award.achievement_id == "acme-101"
        # what earning cites (the lead checks that ob/awards_v3p0 renders it in the credential)
        outcome = outcomes_of(
            uow, world.deps, uow.offerings.get(world.offering_id), world.users["ann"]
        )["portfolio"]
        actions = [e.action for e in uow.evidence.events(RUBRIC["id"])]
    assert outcome.met
    assert outcome.summary == "accepted: 4 of 6 points"
    assert [(r.key, r.value) for r in outcome.results] == [
        ("portfolio", "4/6"),
        ("portfolio-design", "Strong"),
        ("portfolio-docs", "Some"),
    ]
    (evidence,) = outcome.evidence
    assert evidence.url == f"{world.deps.public_url}/evidence/{second.id}"
    assert (evidence.name, evidence.genre, evidence.narrative) == (
        "Portfolio",
        "Assessment evidence",
        "Well done.",
    )
    assert actions == [
        "created",
        "submitted",
        "returned",
        "submitted",
        "accept_refused",
        "accepted",
    ]
    # ... and the signed credential says it: the accepted evidence linked, the feedback, the
    # rubric's total and levels as results
    document = json.loads(award.credential)
    assert document["evidence"] == [
        {
            "id": evidence.url,
            "type": ["Evidence"],
            "name": "Portfolio",
            "description": evidence.description,
            "narrative": "Well done.",
            "genre": "Assessment evidence",
        }
    ]
    values = [r["value"] for r in document["credentialSubject"]["result"]]
    assert values == ["4/6", "Strong", "Some"]

    sign_in(client, "ann")
    done = submit(client, world, text="Even more")
    assert done.status_code == 409
    assert "accepted" in done.text
    client.cookies.clear()
    public = client.get(f"/evidence/{second.id}")
    assert public.status_code == 200
    assert "Well done." in public.text
    assert "Strong (3 of 3)" in public.text
    assert client.get(f"/evidence/{first.id}").status_code == 404  # returned: not public


def test_nobody_else_reaches_a_submission(client: TestClient, world: World) -> None:
    sign_in(client, "ann")
    assert submit(client, world, files={"file": ("shot.png", PNG, "image/png")}).status_code == 303
    (mine,) = versions(world)
    assert client.get(f"/evidence/{mine.id}").status_code == 200  # the learner's own
    for who in ("bob", "gus"):
        sign_in(client, who)
        assert client.get(f"/evidence/{mine.id}").status_code == 404
        assert client.get(f"/evidence/{mine.id}/file").status_code == 404
        assert client.get(f"/assess/{mine.id}").status_code == 404
    assert mine.id not in client.get("/assess?state=any").text  # globex's assessor
    page = client.get("/assess").text
    assert "nothing for you to review" not in page
    client.cookies.clear()
    assert client.get(f"/evidence/{mine.id}").status_code == 404
    # bob's page shows his own (empty) history, never ann's
    sign_in(client, "bob")
    assert "shot.png" not in client.get(form_url(world)).text
    # globex's token cannot review acme's submission, by its own path or acme's
    body = {"levels": {"design": "strong", "docs": "full"}, "decision": "accept"}
    theirs = api(
        client,
        world,
        "POST",
        f"/api/v1/organisations/globex/submissions/{mine.id}/review",
        org="globex",
        json=body,
    )
    assert theirs.status_code == 404
    acme = api(
        client, world, "POST", f"{ORG}/submissions/{mine.id}/review", org="globex", json=body
    )
    assert acme.status_code == 403
    assert versions(world)[0].state is SubmissionState.SUBMITTED


@pytest.mark.parametrize(
    ("files", "data", "detail"),
    [
        (
            {"file": ("report.pdf", b"<!DOCTYPE html><script>x</script>", "application/pdf")},
            {},
            "web pages, SVG and XML files cannot be submitted",
        ),
        (
            {"file": ("report.png", PDF, "image/png")},
            {},
            "named &#39;.png&#39; but its content is pdf",
        ),
        (
            {"file": ("big.pdf", PDF + b"0" * 100_000, "application/pdf")},
            {},
            "larger than the 100,000",
        ),
        ({"file": ("a.gif", b"GIF89a" + b"\x00" * 20, "image/gif")}, {}, "it is a gif file"),
        ({"file": ("a.bin", b"\x00\x01\x02", "application/pdf")}, {}, "cannot check"),
        (None, {"link": "javascript:alert(1)"}, "starting with https://"),
        (None, {"text": "x" * 20_001}, "at most 20,000"),
        (None, {"text": "  "}, "send your evidence"),
    ],
)
def test_what_cannot_be_submitted_is_refused_and_said(
    client: TestClient, world: World, files: Any, data: dict[str, str], detail: str
) -> None:
    sign_in(client, "ann")
    response = submit(client, world, files=files, **data)
    assert response.status_code == 400, response.text
    assert detail in response.text
    assert 'role="alert" id="form-error"' in response.text
    assert versions(world) == []


def test_a_file_is_a_sandboxed_download_and_public_once_accepted(
    client: TestClient, world: World
) -> None:
    sign_in(client, "ann")
    submit(client, world, files={"file": ('../../"evil".png', PNG, "text/html")})
    (mine,) = versions(world)
    before = client.get(f"/evidence/{mine.id}/file")
    assert before.status_code == 200
    assert before.content == PNG
    assert before.headers["content-type"] == "image/png"
    disposition = before.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9][A-Za-z0-9._-]*\.png"', disposition)
    assert "/" not in disposition
    assert ".." not in disposition
    assert before.headers["x-content-type-options"] == "nosniff"
    assert before.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert before.headers["cache-control"] == "private, no-store"
    sign_in(client, "abe")
    review(client, mine.id, "accept", design="strong", docs="full")
    client.cookies.clear()
    after = client.get(f"/evidence/{mine.id}/file")
    assert after.status_code == 200
    assert "no-store" not in after.headers["cache-control"]
    assert served_media_type("text/html") == "application/octet-stream"
    assert served_media_type("image/svg+xml") == "application/octet-stream"
    assert served_media_type("application/pdf") == "application/pdf"


def test_rubrics_api_and_the_review_api(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    listed = api(client, world, "GET", f"{ORG}/rubrics").json()
    assert [(r["id"], r["maxPoints"]) for r in listed] == [("project-rubric", 6)]
    changed = {**RUBRIC, "title": "Changed"}
    assert (
        api(client, world, "PUT", f"{ORG}/rubrics/project-rubric", json=changed).status_code == 200
    )
    bad = api(
        client, world, "POST", f"{ORG}/rubrics", json={**RUBRIC, "id": "x2", "pass_points": 7}
    )
    assert bad.status_code == 400
    assert "pass_points 7 is more than the 6" in bad.json()["detail"]
    assert api(
        client, world, "GET", "/api/v1/organisations/globex/rubrics/project-rubric", org="globex"
    ).status_code in (403, 404)
    for learner in ("ann", "bob"):
        sign_in(client, learner)
        submit(client, world, text=f"{learner}'s work")
        clock.advance(minutes=1)
    page = api(client, world, "GET", f"{ORG}/submissions?limit=1")
    assert page.status_code == 200
    assert page.headers["x-total-count"] == "2"
    assert 'rel="next"' in page.headers["link"]
    (oldest,) = page.json()
    assert oldest["learnerEmail"] == "ann@example.org"
    assert oldest["state"] == "submitted"
    path = f"{ORG}/submissions/{oldest['id']}/review"
    wrong = api(
        client,
        world,
        "POST",
        path,
        json={"levels": {"design": "nope", "docs": "full"}, "decision": "accept"},
    )
    assert wrong.status_code == 400
    assert "not a level of 'Design'" in wrong.json()["detail"]
    done = api(
        client,
        world,
        "POST",
        path,
        json={
            "levels": {"design": "fair", "docs": "full"},
            "decision": "accept",
            "feedback": "Good.",
        },
    )
    assert done.status_code == 200
    assert done.json()["review"]["points"] == 5
    assert (
        api(
            client,
            world,
            "POST",
            path,
            json={"levels": {"design": "fair", "docs": "full"}, "decision": "accept"},
        ).status_code
        == 409
    )
    fixed = api(client, world, "PUT", f"{ORG}/rubrics/project-rubric", json=RUBRIC)
    assert fixed.status_code == 409
    assert "another id" in fixed.json()["detail"]
    accepted = api(client, world, "GET", f"{ORG}/submissions?state=accepted").json()
    assert [s["id"] for s in accepted] == [oldest["id"]]


def test_not_enrolled_cannot_submit(client: TestClient, world: World) -> None:
    sign_in(client, "owner")
    page = client.get(form_url(world))
    assert page.status_code == 200
    assert "Enrol in this offering to submit evidence" in page.text
    token = csrf_of(client.get("/account").text)
    response = client.post(form_url(world), data={"csrf": token, "text": "hi"})
    assert response.status_code == 409
    assert client.get(f"/learning/{world.offering_id}/evidence/nothing").status_code == 404
