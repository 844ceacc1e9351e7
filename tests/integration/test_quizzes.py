"""Quizzes through HTTP: authoring by the issuer API, and the player pages a signed-in
person takes a quiz with (start, a paper without answers, submit, the result)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from credstack.domain.accounts import Role
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer
from credstack.services.quizzes import best_outcome
from credstack.web import create_app
from tests.fakes import FixedClock

PASSWORD = "correct horse battery"
ORG = "/api/v1/organisations/acme"
QUIZ: dict[str, Any] = {
    "id": "safety",
    "title": "Lab safety",
    "instructions": "Answer every question.",
    "pass_mark": 75,
    "shuffle_questions": True,
    "shuffle_options": True,
    "pools": [
        {
            "id": "core",
            "questions": [
                {
                    "id": "goggles",
                    "kind": "single",
                    "prompt": "When do you wear goggles?",
                    "options": [
                        {"id": "never", "text": "Never"},
                        {"id": "always", "text": "Always in the lab"},
                        {"id": "friday", "text": "On Fridays"},
                    ],
                    "answer": "always",
                },
                {
                    "id": "exits",
                    "kind": "multiple",
                    "prompt": "Which are exits?",
                    "options": [
                        {"id": "door", "text": "The door"},
                        {"id": "window", "text": "The window"},
                        {"id": "hatch", "text": "The hatch"},
                    ],
                    "answers": ["door", "hatch"],
                },
                {
                    "id": "boil",
                    "kind": "numeric",
                    "prompt": "Water boils at how many degrees Celsius?",
                    "value": 100,
                    "tolerance": 0.5,
                },
                {
                    "id": "alarm",
                    "kind": "text",
                    "prompt": "What colour is the alarm button?",
                    "accepted": ["crimson"],
                    "explanation": "It is crimson so that it stands out.",
                },
            ],
        },
        {
            "id": "extra",
            "draw": 1,
            "questions": [
                {
                    "id": f"extra{n}",
                    "kind": "text",
                    "prompt": f"Say word {n}",
                    "accepted": [f"zebra{n}"],
                }
                for n in range(3)
            ],
        },
    ],
}
#: what must never be on a paper: right answers, and the author's option ids as values
SECRETS = ["crimson", "zebra0", "zebra1", "zebra2", "0.5", 'value="always"', 'value="door"']


@pytest.fixture
def client(deps: ServiceDeps, clock: FixedClock) -> Iterator[TestClient]:
    for org in ("acme", "globex"):
        create_issuer(deps, id=org, name=f"{org.title()} Academy", country_code="NL")
    create_user(deps, email="owner@acme.example", name="Olga", password=PASSWORD)
    set_role(deps, email="owner@acme.example", issuer_id="acme", role=Role.OWNER)
    create_user(deps, email="owner@globex.example", name="Gus")
    set_role(deps, email="owner@globex.example", issuer_id="globex", role=Role.OWNER)
    for name in ("ann", "bob"):
        create_user(deps, email=f"{name}@example.org", name=name.title(), password=PASSWORD)
    scopes = {"achievements:read", "achievements:write", "awards:read"}
    tokens = {
        org: create_token(
            deps, email=f"owner@{org}.example", issuer_id=org, name="t", scopes=scopes
        )[1]
        for org in ("acme", "globex")
    }
    app = create_app(deps, clock=lambda: clock.now() + dt.timedelta(minutes=1), run_jobs=False,
                     dispatch_webhooks=False)  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as test_client:
        app.state.test_tokens = tokens  # what api() sends
        yield test_client


def api(client: TestClient, method: str, path: str, org: str = "acme", **kw: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {client.app.state.test_tokens[org]}"}
    headers.update(kw.pop("headers", {}))
    return client.request(method, path, headers=headers, **kw)


def author(client: TestClient, **changes: Any) -> None:
    body = yaml.safe_dump({"issuer": "acme", **QUIZ, **changes})
    response = api(client, "POST", f"{ORG}/quizzes", content=body,
                   headers={"content-type": "application/yaml"})  # fmt: skip
    assert response.status_code == 201, response.text


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient, email: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": token},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303


def start(client: TestClient, quiz: str = "safety") -> str:
    """Start (or go back to) an attempt: its URL."""
    page = client.get(f"/quizzes/acme/{quiz}")
    assert page.status_code == 200, page.text
    response = client.post(f"/quizzes/acme/{quiz}/attempts", data={"csrf": csrf_of(page.text)},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


RIGHT_TEXTS = {"Always in the lab", "The door", "The hatch"}


def right_answers(html: str) -> dict[str, Any]:
    """The right answers, read off the paper as a person would: by the option texts."""
    data: dict[str, Any] = {"csrf": csrf_of(html)}
    for name, value, text in re.findall(
        r'name="(q\d+)" value="(o\d+)"> <label for="[^"]+">([^<]+)</label>', html
    ):
        if text in RIGHT_TEXTS:
            data.setdefault(name, []).append(value)
    for legend, name in re.findall(r"<legend>[^:]*: ([^<]+)</legend>\s*<p><label for=\"(q\d+)\"",
                                   html):  # fmt: skip
        if "boil" in legend:
            data[name] = "100.2"
        elif "alarm" in legend:
            data[name] = " Crimson "
        elif (word := re.search(r"Say word (\d)", legend)) is not None:
            data[name] = f"ZEBRA{word.group(1)}"
    return data


def test_authoring_from_yaml_or_json_and_reading_it_back(client: TestClient) -> None:
    author(client)
    listed = api(client, "GET", f"{ORG}/quizzes").json()
    assert [(q["id"], q["questions"]) for q in listed] == [("safety", 5)]
    one = api(client, "GET", f"{ORG}/quizzes/safety").json()
    assert one["definition"]["pools"][0]["questions"][0]["answer"] == "always"  # the author's
    as_json = {**QUIZ, "id": "safety-json"}
    created = api(client, "POST", f"{ORG}/quizzes", json=as_json)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{ORG}/quizzes/safety-json"
    again = api(client, "POST", f"{ORG}/quizzes", json=as_json)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "media", "status", "detail"),
    [
        ({**QUIZ, "pass_mark": 120}, "application/json", 400, "pass_mark"),
        (
            {**QUIZ, "pools": [{**QUIZ["pools"][1], "draw": 4}]},
            "application/json",
            400,
            "pools.0: Value error, pool 'extra' draws 4 questions but has 3",
        ),
        ({**QUIZ, "issuer": "globex"}, "application/json", 400, "the quiz is for 'globex'"),
        ("id: [", "application/yaml", 400, "line"),
        ("{}", "text/plain", 415, "application/json"),
    ],
)
def test_bad_quizzes_are_problems_that_name_the_field(
    client: TestClient, body: Any, media: str, status: int, detail: str
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = api(client, "POST", f"{ORG}/quizzes", content=content,
                   headers={"content-type": media})  # fmt: skip
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail.removeprefix("pools.0: Value error, ") in response.json()["detail"]


def test_another_organisations_quiz_is_not_found(client: TestClient) -> None:
    author(client)
    for method in ("GET", "PUT"):
        response = api(client, method, "/api/v1/organisations/globex/quizzes/safety", "globex",
                       json={**QUIZ})  # fmt: skip
        assert response.status_code == 404, response.text
    assert api(client, "GET", "/api/v1/organisations/globex/quizzes", "globex").json() == []
    sign_in(client, "ann@example.org")
    assert client.get("/quizzes/globex/safety").status_code == 404


def test_taking_a_quiz_shows_no_answers_then_grades_on_the_server(
    client: TestClient, deps: ServiceDeps
) -> None:
    author(client)
    sign_in(client, "ann@example.org")
    url = start(client)
    paper = client.get(url)
    assert paper.status_code == 200
    assert paper.headers["cache-control"] == "no-store"
    html = paper.text
    for secret in SECRETS:
        assert secret not in html, secret
    assert "answer" not in re.sub(r"(Your answer|right answer|your answers)", "", html)
    assert len(re.findall(r"<fieldset>", html)) == 5
    # every field has its label
    for field in re.findall(r'<input type="(?:radio|checkbox|text)"[^>]* id="([^"]+)"', html):
        assert f'<label for="{field}">' in html
    assert start(client) == url  # an open attempt is gone back to, not doubled
    assert client.get(url).text.count("<fieldset>") == 5  # the same paper again
    submitted = client.post(f"{url}/submit", data=right_answers(html), follow_redirects=False)
    assert submitted.status_code == 303, submitted.text
    result = client.get(url).text
    assert "Passed" in result
    assert "5 of 5 points" in result
    assert "The right answer" not in result  # not revealed: the quiz does not say so
    assert "crimson" not in result
    outcome = best_outcome(deps, "safety", _user(deps, "ann@example.org"))
    assert outcome is not None
    assert (outcome.passed, outcome.score, outcome.max_score, outcome.percent) == (
        True, 5, 5, 100.0
    )  # fmt: skip
    again = client.post(f"{url}/submit", data=right_answers(html))
    assert again.status_code == 409
    events = api(client, "GET", f"{ORG}/quizzes/safety/events").json()
    assert [e["action"] for e in events] == ["created", "started", "submitted", "graded"]
    assert events[-1]["detail"] == "5/5 (100.0%), passed"


def _user(deps: ServiceDeps, email: str) -> str:
    with deps.uow() as uow:
        user = uow.accounts.user_by_email(email)
    assert user is not None
    return user.id


def test_a_wrong_paper_fails_and_revealed_answers_show_after_submitting(
    client: TestClient,
) -> None:
    author(client, reveal_answers=True)
    sign_in(client, "ann@example.org")
    url = start(client)
    html = client.get(url).text
    answers = right_answers(html)
    wrong = {"csrf": answers["csrf"]}  # nothing answered
    assert client.post(f"{url}/submit", data=wrong).status_code == 200  # after the redirect
    result = client.get(url).text
    assert "Not passed" in result
    assert "0 of 5 points" in result
    assert "The right answer: crimson." in result
    assert "It is crimson so that it stands out." in result


def test_the_attempt_limit_holds_and_a_refusal_is_recorded(client: TestClient) -> None:
    author(client, attempt_limit=1)
    sign_in(client, "ann@example.org")
    url = start(client)
    html = client.get(url).text
    client.post(f"{url}/submit", data=right_answers(html))
    page = client.get("/quizzes/acme/safety").text
    assert "0 of 1 left" in page
    assert "Start an attempt" not in page
    refused = client.post("/quizzes/acme/safety/attempts", data={"csrf": csrf_of(html)})
    assert refused.status_code == 409
    assert "all 1 attempts" in refused.json()["detail"]
    events = api(client, "GET", f"{ORG}/quizzes/safety/events").json()
    assert events[-1]["action"] == "start_refused"


def test_a_late_submission_is_refused_and_counts_nothing(
    client: TestClient, clock: FixedClock
) -> None:
    author(client, time_limit_minutes=10)
    sign_in(client, "ann@example.org")
    url = start(client)
    html = client.get(url).text
    assert "Time left: 10 min 0 s" in html
    clock.advance(minutes=10, seconds=31)  # past the deadline and its 30 s of grace
    client.post(f"{url}/submit", data=right_answers(html))
    result = client.get(url).text
    assert "The time ran out" in result
    events = api(client, "GET", f"{ORG}/quizzes/safety/events").json()
    assert [e["action"] for e in events][-2:] == ["submitted", "timed_out"]
    assert "after the deadline" in events[-1]["detail"]


def test_within_the_grace_it_is_graded_and_an_abandoned_attempt_times_out(
    client: TestClient, clock: FixedClock
) -> None:
    author(client, time_limit_minutes=10)
    sign_in(client, "ann@example.org")
    url = start(client)
    html = client.get(url).text
    clock.advance(minutes=10, seconds=20)
    client.post(f"{url}/submit", data=right_answers(html))
    assert "Passed" in client.get(url).text
    second = start(client)
    clock.advance(minutes=11)
    page = client.get(second).text  # opened too late: closed, nothing counted
    assert "The time ran out" in page
    assert client.post(f"{second}/submit", data={"csrf": csrf_of(html)}).status_code == 409


def test_another_persons_attempt_is_not_found(client: TestClient) -> None:
    author(client)
    sign_in(client, "ann@example.org")
    url = start(client)
    html = client.get(url).text
    sign_in(client, "bob@example.org")
    assert client.get(url).status_code == 404
    bobs = csrf_of(client.get("/quizzes/acme/safety").text)
    stolen = {**right_answers(html), "csrf": bobs}
    assert client.post(f"{url}/submit", data=stolen).status_code == 404
    assert client.get(url.replace("/safety/", "/other/")).status_code == 404


def test_forms_need_the_sessions_csrf_token_and_a_session(client: TestClient) -> None:
    author(client)
    sign_in(client, "ann@example.org")
    assert client.post("/quizzes/acme/safety/attempts", data={"csrf": "forged"}).status_code == 403
    url = start(client)
    html = client.get(url).text
    forged = {**right_answers(html), "csrf": "forged"}
    assert client.post(f"{url}/submit", data=forged).status_code == 403
    assert client.post(f"{url}/submit", data={}).status_code == 403
    assert client.get(url).text.count("<fieldset>") == 5  # still open
    client.cookies.clear()
    away = client.get(url, follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == f"/login?next={url}"
    assert client.post(f"{url}/submit", data=right_answers(html)).status_code == 401


def test_a_quiz_is_replaced_until_someone_attempts_it(client: TestClient) -> None:
    author(client)
    changed = {**QUIZ, "title": "Lab safety, again"}
    replaced = api(client, "PUT", f"{ORG}/quizzes/safety", json=changed)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["title"] == "Lab safety, again"
    wrong_id = api(client, "PUT", f"{ORG}/quizzes/safety", json={**QUIZ, "id": "other"})
    assert wrong_id.status_code == 400
    sign_in(client, "ann@example.org")
    start(client)
    refused = api(client, "PUT", f"{ORG}/quizzes/safety", json=QUIZ)
    assert refused.status_code == 409
    assert "another id" in refused.json()["detail"]


def test_two_starts_at_once_make_one_attempt(client: TestClient, deps: ServiceDeps) -> None:
    """With one attempt allowed, two starts in the same instant (two tabs, a double click)
    store one attempt; the other start gets that attempt or is refused, never a second."""
    import threading

    from credstack.domain.errors import ConflictError, StorageError
    from credstack.services.quizzes import start_attempt

    author(client, attempt_limit=1)
    user = _user(deps, "ann@example.org")
    barrier = threading.Barrier(2)
    results: list[object] = []

    def go() -> None:
        barrier.wait()
        try:
            results.append(start_attempt(deps, "acme", "safety", user).id)
        except (ConflictError, StorageError) as error:
            results.append(error)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with deps.uow() as uow:
        stored = uow.quizzes.attempts_of("safety", user)
    assert len(stored) == 1
    assert stored[0].id in results
