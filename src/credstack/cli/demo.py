"""``credstack demo``: the main job end to end, on whatever database is configured.

It sets up a demo issuer and two micro-credentials from the YAML files shipped in
``demo_data/``, awards them to a small cohort (one from a CSV file, as a provider would),
exports one learner's credential in every format, verifies it, and says where everything is.
Running it again changes nothing that exists: definitions are unchanged, awards are skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import secrets
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from credstack.cli.output import console, fail
from credstack.cli.state import services
from credstack.domain.accounts import Role
from credstack.domain.achievements import Status
from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import ConflictError
from credstack.domain.offerings import Price
from credstack.domain.pathways import ComponentLossPolicy
from credstack.domain.requirements import parse_requirements
from credstack.ob.awards_v3p0 import OB_V3P0, VC_V2
from credstack.ob.identity import identity_hash
from credstack.services import achievements, awards, issuers
from credstack.services.accounts import create_token, create_user, set_password, set_role
from credstack.services.achievement_files import parse_definition
from credstack.services.award_csv import CsvAward, read_award_rows
from credstack.services.bulk_awards import issue_awards
from credstack.services.deps import ServiceDeps
from credstack.services.exports import ExportFormat, export_credential
from credstack.services.offerings import (
    OfferingChanges,
    create_offering,
    list_offerings,
    update_offering,
)
from credstack.services.pathway_files import parse_pathway
from credstack.services.pathways import save_pathway
from credstack.services.quiz_files import parse_quiz
from credstack.services.quizzes import create_quiz
from credstack.services.recognition import (
    add_equivalence,
    add_recognised_issuer,
    list_recognised_issuers,
)
from credstack.services.rubric_files import parse_rubric
from credstack.services.rubrics import create_rubric
from credstack.vc import Ed25519KeyPair, Verdict, did_key_for, sign_credential, verify

ISSUER = "demo-academy"
_DATA = resources.files("credstack.cli").joinpath("demo_data")


def _issuer(deps: ServiceDeps) -> None:
    if any(i.id == ISSUER for i in issuers.list_issuers(deps)):
        return
    issuers.create_issuer(
        deps,
        id=ISSUER,
        name="Demo Academy of Applied Data",
        country_code="NL",
        country="Netherlands",
        url="https://academy.example",
        email="credentials@academy.example",
        description="A fictional training provider that shows what credstack does.",
    )


_DEFINITIONS = (
    "data-analysis.yaml",
    "data-visualisation.yaml",
    "statistics-basics.yaml",
    "applied-data-certificate.yaml",
)
#: the University of Example: another issuer, here only a key (no credstack of its own), whose
#: statistics credential the academy recognises as its own Statistics Basics
_UNIVERSITY_SEED = bytes(range(32))
_UNIVERSITY_ACHIEVEMENT = "https://university.example/achievements/statistics-101"


def _definitions(deps: ServiceDeps) -> list[str]:
    ids = []
    for name in _DEFINITIONS:
        issuer_id, spec = parse_definition(_DATA.joinpath(name).read_text("utf-8"), source=name)
        version = achievements.save_achievement(deps, issuer_id or ISSUER, spec)
        if version.status is Status.DRAFT:
            achievements.publish_achievement(deps, spec.id)
        ids.append(spec.id)
    return ids


#: what a learner does to earn the visualisation credential: pass the quiz, and have a
#: dashboard accepted by an assessor against the rubric (docs/earning.md)
_REQUIREMENTS = {
    "id": "all",
    "title": "Everything",
    "all_of": [
        {"id": "chart-quiz", "quiz": "chart-basics", "title": "Chart basics quiz"},
        {"id": "dashboard", "evidence": "dashboard-review", "title": "Your dashboard"},
    ],
}


def _earning_parts(deps: ServiceDeps) -> None:
    """The quiz and the rubric the offering's requirements name (kept if made before)."""
    _, quiz = parse_quiz(_DATA.joinpath("chart-basics-quiz.yaml").read_text("utf-8"))
    with contextlib.suppress(ConflictError):
        create_quiz(deps, ISSUER, quiz, actor="demo")
    _, rubric = parse_rubric(_DATA.joinpath("dashboard-rubric.yaml").read_text("utf-8"))
    with contextlib.suppress(ConflictError):
        create_rubric(deps, ISSUER, rubric, actor="demo")


def _offering(deps: ServiceDeps, achievement_id: str) -> str:
    """An open offering of the achievement, earned by the quiz and the reviewed dashboard
    (the one made by an earlier run, if any)."""
    _earning_parts(deps)
    requirements = parse_requirements(_REQUIREMENTS)
    for offering in list_offerings(deps, ISSUER):
        if offering.achievement_id == achievement_id and offering.closed_at is None:
            if offering.requirements is None:
                changes = OfferingChanges(requirements=requirements)
                update_offering(deps, ISSUER, offering.id, changes)
            return offering.id
    changes = OfferingChanges(
        title="Open enrolment", price=Price("0", "EUR"), requirements=requirements
    )
    return create_offering(deps, ISSUER, achievement_id, changes).id


def _pathway(deps: ServiceDeps, output: Path) -> Path:
    """The pathway of three (analysis, visualisation, statistics) toward the certificate; the
    University of Example recognised, its statistics credential mapped to the academy's; the
    demo learner given the analysis credential, and the university's credential for them
    written to ``output`` (to upload as a learner would). Kept if made before."""
    spec = parse_pathway(_DATA.joinpath("applied-data-pathway.yaml").read_text("utf-8"))
    save_pathway(deps, ISSUER, spec, actor="demo", loss_policy=ComponentLossPolicy.FLAG)
    key = Ed25519KeyPair.from_seed(_UNIVERSITY_SEED)
    did = did_key_for(key.public_key)
    key = key.with_id(f"{did}#{key.public_multibase}", did)
    if not any(entry.issuer == did for entry in list_recognised_issuers(deps, ISSUER)):
        add_recognised_issuer(deps, ISSUER, issuer=did, name="University of Example", actor="demo")
        add_equivalence(deps, ISSUER, achievement_id="statistics-basics",
                        foreign_achievement=_UNIVERSITY_ACHIEVEMENT, actor="demo")  # fmt: skip
    with contextlib.suppress(ConflictError):  # given by an earlier run
        awards.issue_award(
            deps, AwardRequest("data-analysis", Recipient(email=DEMO_LEARNER, name="Demo Learner"))
        )
    path = output / "university-of-example-statistics.json"
    path.write_text(json.dumps(_university_credential(key), indent=2), "utf-8")
    return path


def _university_credential(key: Ed25519KeyPair) -> dict[str, object]:
    """The University of Example's OB 3.0 credential to the demo learner (signed here: it
    stands for a credential from elsewhere)."""
    salt = "demo"
    document = {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:8a0c5d7e-1f2b-4c3d-9e8f-7a6b5c4d3e2f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "University of Example"},
        "validFrom": "2026-06-30T12:00:00Z",
        "name": "Statistics 101",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": identity_hash(DEMO_LEARNER, salt),
                    "identityType": "emailAddress",
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": _UNIVERSITY_ACHIEVEMENT,
                "type": ["Achievement"],
                "name": "Statistics 101",
                "description": "Descriptive statistics and probability.",
                "criteria": {"narrative": "Passed the written exam."},
            },
        },
    }
    created = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
    signed: dict[str, object] = sign_credential(document, key, created=created)
    return signed


def _cohort(deps: ServiceDeps, achievement_id: str) -> tuple[int, int, str]:
    """Award the cohort CSV; ``(issued, skipped, first learner's award id)``."""
    text = _DATA.joinpath("cohort.csv").read_text("utf-8")
    rows = [row for row in read_award_rows(io.StringIO(text)) if isinstance(row, CsvAward)]
    requests = [
        (
            row.line,
            AwardRequest(
                achievement_id,
                Recipient(email=row.email, name=row.name),
                narrative=row.narrative,
                result=row.result,
                result_id="grade",
                source_id=row.id,
            ),
        )
        for row in rows
    ]
    outcomes = list(issue_awards(deps, achievement_id, requests))
    issued = sum(o.status == "issued" for o in outcomes)
    first = min(outcomes, key=lambda o: o.line)
    first_id = first.award_id or first.message.rsplit(" ", 1)[-1]
    return issued, len(outcomes) - issued, first_id


def _single_awards(deps: ServiceDeps, achievement_id: str) -> int:
    issued = 0
    for email, name in (
        ("ada.lovelace@example.org", "Ada Lovelace"),
        ("grace.hopper@example.org", "Grace Hopper"),
    ):
        try:
            awards.issue_award(
                deps, AwardRequest(achievement_id, Recipient(email=email, name=name))
            )
            issued += 1
        except ConflictError:
            pass  # awarded by an earlier run
    return issued


def demo(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the exported files.")
    ] = Path("credstack-demo"),
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Then run the web service with a demo sign-in and API token."),
    ] = False,
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (with --serve).")] = 8000,
) -> None:
    """Set up a demo issuer and two micro-credentials, award a cohort, export and verify;
    with --serve, then run the web service on it and say how to sign in.

    Example: credstack demo --output ./credstack-demo --serve
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot use {output} for the demo files: {error.strerror}")
    deps = services(ctx)
    _issuer(deps)
    analysis, visualisation, _, _ = _definitions(deps)
    issued, skipped, first = _cohort(deps, analysis)
    singles = _single_awards(deps, visualisation)
    _offering(deps, visualisation)
    foreign = _pathway(deps, output)
    console.print(f"issuer [bold]{ISSUER}[/] with micro-credentials {analysis}, {visualisation}")
    console.print(
        f"awarded {analysis} to a cohort of {issued + skipped} from a CSV "
        f"({issued} new, {skipped} already issued); {visualisation} to 2 learners ({singles} new)"
    )
    paths = {}
    for fmt in ExportFormat:
        exported = export_credential(deps, first, fmt)
        path = output / f"ada-lovelace-{analysis}{exported.suffix}"
        path.write_bytes(exported.content)
        paths[fmt] = path
    report = verify(paths[ExportFormat.PNG].read_bytes(), now=dt.datetime.now(dt.UTC))
    colour = "green" if report.verdict is Verdict.VALID else "red"
    console.print(f"verified {paths[ExportFormat.PNG]}: [bold {colour}]{report.verdict.value}[/]")
    console.print(f"Ada Lovelace's credential, in {output.resolve()}:")
    for fmt, path in paths.items():
        console.print(f"  {fmt.value:>4}  {path}")
    console.print("Check one yourself (any copy, on any machine, offline):")
    console.print(f"  credstack verify {paths[ExportFormat.SVG]}")
    console.print("See everything issued: credstack credential list")
    console.print(
        f"A pathway of three toward a certificate: applied-data; {DEMO_LEARNER} holds "
        f"{analysis} already, and a statistics credential from another issuer is in {foreign}"
    )
    if report.verdict is not Verdict.VALID:
        raise typer.Exit(1)
    if serve:
        _serve(deps, port, first)


DEMO_USER = "demo@academy.example"
DEMO_LEARNER = "learner@academy.example"
_VISUALISATION = "data-visualisation"


def _serve(deps: ServiceDeps, port: int, award_id: str) -> None:
    """The web service on the demo data, with a fresh password and API token for the demo
    organisation's owner (made anew each run: nothing to remember)."""
    import uvicorn

    from credstack.adapters.http_fetcher import HttpFetcher
    from credstack.web import create_app

    with contextlib.suppress(ConflictError):  # made by an earlier run
        create_user(deps, email=DEMO_USER, name="Demo Owner")
    set_role(deps, email=DEMO_USER, issuer_id=ISSUER, role=Role.OWNER)
    password = secrets.token_urlsafe(12)
    set_password(deps, DEMO_USER, password)
    with contextlib.suppress(ConflictError):
        create_user(deps, email=DEMO_LEARNER, name="Demo Learner")
    learner_password = secrets.token_urlsafe(12)
    set_password(deps, DEMO_LEARNER, learner_password)
    scopes = {"awards:read", "awards:write", "status:write", "achievements:read"}
    _, token = create_token(deps, email=DEMO_USER, issuer_id=ISSUER, name="demo", scopes=scopes)
    base = f"http://localhost:{port}"
    console.print(f"\nThe web service is starting: open [bold]{base}/account[/]")
    console.print(f"  sign in as {DEMO_USER} with the password {password}")
    console.print(f"  a credential's public page: {base}/credentials/{award_id}")
    console.print(f"  an open offering, with Enrol: {base}/achievements/{_VISUALISATION}")
    console.print(
        f"  earn it as a learner: sign in as {DEMO_LEARNER} with the password "
        f"{learner_password}, enrol, take the quiz and submit a dashboard; then, as "
        f"{DEMO_USER}, review it at {base}/assess"
    )
    console.print(
        f"  stack a certificate: as {DEMO_LEARNER}, open {base}/pathways/applied-data and "
        f"choose Start; add the university's credential at {base}/learning/credentials; earn "
        "the visualisation credential as above, and the certificate is issued at once"
    )
    console.print(f"  API token (issuer API, VC API): {token}")
    console.print(f"  API documentation: {base}/docs   (Ctrl-C stops the server)")
    app = create_app(deps, fetcher=HttpFetcher())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
