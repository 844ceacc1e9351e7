"""The ``credstack`` command, status side: credential revoke/suspend/unsuspend/renew, status
export/refresh, and what ``verify`` says about a credential's status, on SQLite and
PostgreSQL (``database_url``). The installation's public URL comes from CREDSTACK_BASE_URL,
as a provider would set it.

Every refused change must end as one ``error:`` line on stderr, a non-zero exit status, no
traceback, and nothing changed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from credstack.vc import verify_proofs
from credstack.vc.status_list import bit_is_set, decode_list
from tests.integration.test_cli_support import (
    COURSE_YAML,
    Cli,
    Outcome,
    award_one,
    one_line_error,
    setup_course,
    write,
)

BASE = "https://badges.example/cs"


class SiteCli(Cli):
    """``Cli`` for an installation published at ``BASE`` (CREDSTACK_BASE_URL)."""

    def __call__(self, *args: str | Path, **kwargs: Any) -> Outcome:
        env = {"CREDSTACK_BASE_URL": BASE, **(kwargs.pop("env", None) or {})}
        return super().__call__(*args, env=env, **kwargs)


@pytest.fixture
def course(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SiteCli:
    """Issuer ``acme`` with ``course-a`` published, at ``BASE``."""
    cli = SiteCli(database_url, tmp_path / "data", monkeypatch)
    setup_course(cli, tmp_path)
    return cli


def rows(database_url: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query), params))
    finally:
        engine.dispose()


def status_of(cli: Cli, award_id: str) -> dict[str, Any]:
    (listed,) = [c for c in cli.credentials() if c["id"] == award_id]
    return listed


def verify_text(cli: Cli, award_id: str, tmp_path: Path) -> tuple[int, list[str]]:
    """Export the credential as a holder would get it, verify it: exit status and the
    status lines of the report."""
    path = tmp_path / f"{award_id}.json"
    cli.ok("credential", "export", award_id, "-o", path)
    result = cli("verify", path)
    assert "Traceback" not in result.stderr
    return result.exit_code, [
        line.strip() for line in result.stdout.splitlines() if "status:" in line
    ]


def today() -> set[str]:
    """Today's UTC date, and the next one in case the test runs across midnight."""
    now = dt.datetime.now(dt.UTC)
    return {now.date().isoformat(), (now + dt.timedelta(minutes=5)).date().isoformat()}


def test_suspend_unsuspend_revoke_change_what_verify_says_and_are_audited(
    course: SiteCli, tmp_path: Path
) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    lists = f"this installation's list {BASE}/status/acme/1"
    assert verify_text(course, award_id, tmp_path) == (
        0,
        [
            f"passed  status: not revoked ({lists}/revocation.json)",
            f"passed  status: not suspended ({lists}/suspension.json)",
        ],
    )

    result = course.ok(
        "credential", "suspend", award_id, "--reason", "under review", "--actor", "alice"
    )
    assert result.stdout.strip() == f"suspended {award_id}"
    assert status_of(course, award_id)["status"] == "suspended"
    code, lines = verify_text(course, award_id, tmp_path)
    assert code == 1
    assert any(
        lines[1] == f"failed  status: Suspended on {day}: under review" for day in today()
    ), lines

    course.ok("credential", "unsuspend", award_id, "--actor", "bob")
    assert status_of(course, award_id)["status"] == "active"
    assert verify_text(course, award_id, tmp_path)[0] == 0

    result = course.ok(
        "credential", "revoke", award_id, "--reason", "academic misconduct", "--actor", "carol"
    )
    assert result.stdout.startswith(f"revoked {award_id}; publish the lists")
    listed = status_of(course, award_id)
    assert (listed["status"], listed["revocation_reason"]) == ("revoked", "academic misconduct")
    code, lines = verify_text(course, award_id, tmp_path)
    assert code == 1
    assert any(
        lines[0] == f"failed  status: Revoked on {day}: academic misconduct" for day in today()
    ), lines
    assert "academic misconduct" in course.ok("credential", "show", award_id).stdout

    # Revocation is final: every further change is refused and changes nothing.
    for args in (
        ["revoke", award_id, "--reason", "again"],
        ["suspend", award_id, "--reason", "again"],
        ["unsuspend", award_id],
    ):
        line = one_line_error(course("credential", *args), "revocation is final")
        assert any(f"revoked on {day}" in line for day in today())
    assert status_of(course, award_id)["revocation_reason"] == "academic misconduct"

    events = rows(
        course.database_url,
        "SELECT actor, action, reason, at FROM audit_events WHERE award_id = :id ORDER BY id",
        id=award_id,
    )
    assert [tuple(e[:3]) for e in events] == [
        ("alice", "suspend", "under review"),
        ("bob", "unsuspend", None),
        ("carol", "revoke", "academic misconduct"),
    ]
    assert all(e[3] is not None for e in events)


def test_revoke_and_suspend_need_a_reason(course: SiteCli) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    one_line_error(
        course("credential", "revoke", award_id, "--reason", "  "),
        "a reason is required to revoke",
    )
    missing = course("credential", "suspend", award_id)
    assert missing.exit_code != 0
    assert "--reason" in missing.stderr
    assert "Traceback" not in missing.stderr
    one_line_error(course("credential", "revoke", "nope", "--reason", "x"), "no credential 'nope'")
    one_line_error(course("credential", "unsuspend", award_id), "not suspended")
    assert status_of(course, award_id)["status"] == "active"
    assert rows(course.database_url, "SELECT * FROM audit_events") == []


def test_status_export_writes_the_signed_lists_under_the_base_url_path(
    course: SiteCli, tmp_path: Path
) -> None:
    revoked = award_one(course, "--to", "ada@example.org")
    kept = award_one(course, "--to", "bob@example.org")
    course.ok("credential", "revoke", revoked, "--reason", "fraud")
    public = tmp_path / "public"
    result = course.ok("status", "export", public)
    assert result.stdout.strip() == f"wrote 2 status list files under {public}"

    written = {p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file()}
    assert written == {"status/acme/1/revocation.json", "status/acme/1/suspension.json"}
    (stored,) = rows(
        course.database_url, "SELECT revocation_credential, suspension_credential FROM status_lists"
    )
    assert (public / "status/acme/1/revocation.json").read_text("utf-8") == stored[0]
    assert (public / "status/acme/1/suspension.json").read_text("utf-8") == stored[1]
    # Each credential names the URL at which a server rooted at ``public`` serves its list.
    for award_id in (revoked, kept):
        credential = course.ok("credential", "show", award_id, "--json").json()["credential"]
        for entry in credential["credentialStatus"]:
            url = entry["statusListCredential"]
            assert url.startswith(BASE + "/")
            document = json.loads((public / url.removeprefix(BASE + "/")).read_text("utf-8"))
            assert document["id"] == url
            assert all(r.verified for r in verify_proofs(document))
            bits = decode_list(document["credentialSubject"]["encodedList"])
            index = int(entry["statusListIndex"])
            expected = award_id == revoked and entry["statusPurpose"] == "revocation"
            assert bit_is_set(bits, index) is expected

    # A list is a credential like any other: verify reads it.
    assert course("verify", public / "status/acme/1/revocation.json").exit_code == 0
    assert course.ok("status", "refresh").stdout.strip() == "re-signed 0 status lists"
    assert course.ok("status", "refresh", "--force").stdout.strip() == "re-signed 1 status lists"
    blocker = write(tmp_path / "a-file", "not a folder")
    one_line_error(course("status", "export", blocker), "cannot write")


def test_renew_issues_a_linked_successor(course: SiteCli, tmp_path: Path) -> None:
    old = award_one(course, "--to", "ada@example.org", "--result", "B")
    one_line_error(course("credential", "renew", old), "--valid-until", "no validity period")
    one_line_error(course("credential", "renew", old, "--valid-until", "2001-01-01"), "in the past")
    result = course.ok("credential", "renew", old, "--valid-until", "2099-12-31", "--actor", "eve")
    new = status_of(course, result.stdout.split()[2])["id"]
    assert result.stdout.strip() == f"renewed as {new} (valid until 2099-12-31 23:59 UTC)"
    listed = status_of(course, new)
    assert (listed["renewed_from"], listed["recipient"]) == (old, "ada@example.org")
    assert listed["valid_until"].startswith("2099-12-31T23:59:59")
    assert f"renews {old}" in course.ok("credential", "show", new).stdout
    shown = course.ok("credential", "show", new, "--json").json()["credential"]
    assert shown["credentialSubject"]["result"][0]["value"] == "B"
    assert verify_text(course, new, tmp_path)[0] == 0
    (event,) = rows(
        course.database_url, "SELECT actor, action, reason FROM audit_events WHERE award_id = :id",
        id=old,
    )  # fmt: skip
    assert tuple(event) == ("eve", "renew", f"renewed as {new}")

    course.ok("credential", "revoke", new, "--reason", "fraud")
    one_line_error(
        course("credential", "renew", new, "--valid-until", "2099-12-31"), "revoked", "final"
    )
    assert len(course.credentials()) == 2


def test_definition_with_a_validity_period_sets_and_renews_expiry(
    course: SiteCli, tmp_path: Path
) -> None:
    definition = COURSE_YAML.replace("id: course-a", "id: course-b") + "valid_for_days: 365\n"
    course.ok("achievement", "create", write(tmp_path / "b.yaml", definition), "--publish")
    before = dt.datetime.now(dt.UTC)
    course.ok("award", "--achievement", "course-b", "--to", "ada@example.org")
    (listed,) = course.credentials("--achievement", "course-b")
    until = dt.datetime.fromisoformat(listed["valid_until"])
    assert before + dt.timedelta(days=365, seconds=-1) <= until
    assert until <= dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    renewed = course.ok("credential", "renew", listed["id"]).stdout
    assert renewed.startswith("renewed as ")
    assert len(course.credentials("--achievement", "course-b")) == 2


def test_without_suspension_credentials_have_one_entry_and_suspend_is_refused(
    course: SiteCli,
) -> None:
    env = {"CREDSTACK_STATUS_SUSPENSION": "false"}
    course.ok("award", "--achievement", "course-a", "--to", "ada@example.org", env=env)
    (listed,) = course.credentials()
    shown = course.ok("credential", "show", listed["id"], "--json", env=env).json()
    status = shown["credential"]["credentialStatus"]
    assert isinstance(status, dict)
    assert status["statusPurpose"] == "revocation"
    one_line_error(
        course("credential", "suspend", listed["id"], "--reason", "review", env=env),
        "no suspension entry",
    )
    assert status_of(course, listed["id"])["status"] == "active"
    course.ok("credential", "revoke", listed["id"], "--reason", "fraud", env=env)
    assert status_of(course, listed["id"])["status"] == "revoked"
