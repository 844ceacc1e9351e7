"""Schemathesis against the OpenAPI document: whatever it sends, in or outside the schema,
the service answers without a 5xx (issue 6, "bad input")."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from credstack.domain.accounts import Role
from credstack.domain.achievements import AchievementSpec
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.offerings import OfferingMode
from credstack.services.accounts import create_token, create_user, set_role
from credstack.services.achievements import publish_achievement, save_achievement
from credstack.services.awards import issue_award
from credstack.services.deps import ServiceDeps
from credstack.services.integrations import register_integration
from credstack.services.issuers import create_issuer
from credstack.services.oauth import register_client, save_tokens
from credstack.services.offerings import OfferingChanges, create_offering
from credstack.web import create_app

SPEC = AchievementSpec(
    id="data-101",
    name="Introduction to Data Science",
    description="Tidy data, plots and a first model.",
    criteria="Pass the final project.",
)


@pytest.fixture
def web_app(deps: ServiceDeps) -> Any:
    create_issuer(deps, id="uni-example", name="University of Example", country_code="AT")
    save_achievement(deps, "uni-example", SPEC)
    publish_achievement(deps, SPEC.id)
    issue_award(deps, AwardRequest(SPEC.id, Recipient.parse("ann@example.org")))
    return create_app(deps, clock=lambda: dt.datetime.now(dt.UTC), max_body=20_000)


def test_no_request_gets_a_server_error(web_app: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    # inside the schema and outside it (wrong types, missing fields, junk in the path)
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    tried: set[tuple[str, GenerationMode]] = set()
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_5xx(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            no_5xx()
        except Unsatisfiable:
            # nothing can be outside the schema (no input, or a path segment: any text is one)
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        tried.add((operation.label, mode))
    assert ("POST /credentials/verify", GenerationMode.NEGATIVE) in tried


def test_the_learner_apis_with_a_valid_token_get_no_server_error(
    web_app: Any, deps: ServiceDeps
) -> None:
    """The 1EdTech routes behind their token: fuzzed with a token of every scope, so that
    the inputs reach the routes (and not only the 401 in front of them)."""
    user = create_user(deps, email="ann@example.org", name="Ann")
    scopes = " ".join(
        f"https://purl.imsglobal.org/spec/{api}/scope/{op}"
        for api in ("ob/v3p0", "clr/v2p0")
        for op in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")
    )
    app, _ = register_client(deps, {"client_name": "Fuzz", "scope": scopes})
    token = {"access_token": "fuzz-access-token", "expires_in": 10**6, "scope": scopes}
    save_tokens(deps, token, client_id=app.client_id, user_id=user.id, code_hash=None)
    fuzz_operations(
        web_app,
        lambda path: path.startswith("/ims/"),
        count=10,
        headers={"Authorization": "Bearer fuzz-access-token"},
    )


def test_the_quiz_routes_signed_in_and_with_a_token_get_no_server_error(
    web_app: Any, deps: ServiceDeps
) -> None:
    """The quiz API behind its token and the player behind its session: fuzzed with both,
    so that the inputs reach the routes (and not only the 401 in front of them)."""
    from fastapi.testclient import TestClient

    from credstack.domain.accounts import Role
    from credstack.domain.quizzes import QuizSpec
    from credstack.services.accounts import create_token, set_role
    from credstack.services.quizzes import create_quiz, start_attempt

    user = create_user(deps, email="ann@example.org", name="Ann", password="fuzz fuzz fuzz")
    set_role(deps, email="ann@example.org", issuer_id="uni-example", role=Role.OWNER)
    scopes = {"achievements:read", "achievements:write", "awards:read"}
    _, token = create_token(
        deps, email="ann@example.org", issuer_id="uni-example", name="fuzz", scopes=scopes
    )
    spec = QuizSpec.model_validate(
        {"id": "quiz", "title": "Q", "pass_mark": 50, "time_limit_minutes": 5,
         "questions": [{"id": "q", "kind": "text", "prompt": "Yes?", "accepted": ["yes"]}]}
    )  # fmt: skip
    create_quiz(deps, "uni-example", spec, actor="fuzz")
    start_attempt(deps, "uni-example", "quiz", user.id)
    with TestClient(web_app) as client:
        page = client.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        signed_in = client.post(
            "/login",
            data={"email": "ann@example.org", "password": "fuzz fuzz fuzz", "csrf": csrf},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        cookie = f"credstack_session={client.cookies['credstack_session']}"
    fuzz_operations(
        web_app,
        lambda path: "quizzes" in path,
        count=9,
        headers={"Authorization": f"Bearer {token}", "Cookie": cookie},
    )


def test_the_offering_routes_with_a_valid_token_get_no_server_error(
    web_app: Any, deps: ServiceDeps
) -> None:
    """The issuer API's offering routes behind an owner's token, on an organisation that has
    an offering, so that the inputs (dates, prices, codes, ids) reach the routes."""
    create_user(deps, email="owner@example.org", name="Olga")
    set_role(deps, email="owner@example.org", issuer_id="uni-example", role=Role.OWNER)
    _, token = create_token(
        deps,
        email="owner@example.org",
        issuer_id="uni-example",
        name="fuzz",
        scopes={"achievements:read", "achievements:write"},
    )
    create_offering(deps, "uni-example", SPEC.id, OfferingChanges(mode=OfferingMode.APPROVAL))
    fuzz_operations(
        web_app,
        lambda path: (
            "/offerings" in path and path.startswith("/api/") and not path.endswith("/completions")
        ),
        count=8,
        headers={"Authorization": f"Bearer {token}"},
        path_parameters={"issuer_id": "uni-example"},
    )


def test_the_completion_routes_with_a_valid_token_get_no_server_error(
    web_app: Any, deps: ServiceDeps
) -> None:
    """Integrations, a report and a CSV import behind a staff token that holds their scopes,
    with an offering and an integration in place so that the inputs reach the services."""
    create_user(deps, email="staff@example.org", name="Sam")
    set_role(deps, email="staff@example.org", issuer_id="uni-example", role=Role.STAFF)
    _, token = create_token(
        deps,
        email="staff@example.org",
        issuer_id="uni-example",
        name="fuzz",
        scopes={"completions:write", "integrations:admin"},
    )
    create_offering(deps, "uni-example", SPEC.id, OfferingChanges())
    register_integration(deps, "uni-example", "moodle", actor="test")
    fuzz_operations(
        web_app,
        lambda path: "/completions" in path or "/integrations" in path,
        count=6,
        headers={"Authorization": f"Bearer {token}"},
        path_parameters={"issuer_id": "uni-example"},
    )


def fuzz_operations(
    web_app: Any,
    chosen: Callable[[str], bool],
    *,
    count: int,
    headers: dict[str, str],
    path_parameters: dict[str, str] | None = None,
) -> None:
    """Schemathesis over the ``count`` operations whose path is ``chosen``, inside and outside
    the schema, with ``headers`` (a valid token or session, so that the inputs reach the
    routes) and some path parameters fixed (an organisation that has data): no 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    operations = [r.ok() for r in schema.get_all_operations() if chosen(r.ok().path)]
    assert len(operations) == count
    for operation, mode in itertools.product(
        operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def no_5xx(case: schemathesis.Case) -> None:
            if path_parameters:
                case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            no_5xx()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label
