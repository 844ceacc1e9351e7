"""The ``credstack`` command, issuing side: award (one learner and CSV cohorts), credential
list/show/export, verify, and the demo, on SQLite and PostgreSQL (``database_url``).

Every bad input must end as one ``error:`` line on stderr, a non-zero exit status, no
traceback, and no credential issued.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from credstack.vc import Ed25519KeyPair, sign_credential
from tests.integration.test_cli_support import (
    COURSE_YAML,
    Cli,
    award_one,
    one_line_error,
    setup_course,
    stored_credential,
    write,
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(database_url, tmp_path / "data", monkeypatch)


@pytest.fixture
def course(cli: Cli, tmp_path: Path) -> Cli:
    """``cli`` with issuer ``acme`` and ``course-a`` published."""
    setup_course(cli, tmp_path)
    return cli


def verify_json(
    cli: Cli, path: Path | str, input: bytes | None = None, *options: str
) -> dict[str, Any]:
    """``credstack verify --json`` on ``path``; the exit status must match the report: 0 only
    when it is not invalid and every signing key is confirmed as the issuer's."""
    result = cli("verify", path, "--json", *options, input=input)
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = result.json()
    confirmed = all(
        c["outcome"] == "passed" for c in report["checks"] if c["check"] == "key authorised"
    )
    assert result.exit_code == (0 if report["verdict"] != "invalid" and confirmed else 1)
    return report


# --- award one learner -----------------------------------------------------------------------


def test_award_to_an_email_with_every_option(course: Cli) -> None:
    result = course.ok(
        "award", "--achievement", "course-a", "--to", "Ada@Example.ORG", "--name", "Ada Lovelace",
        "--narrative", "Top mark in the exam.", "--evidence-url", "https://acme.example/e/1",
        "--result", "A", "--valid-until", "2099-12-31",
    )  # fmt: skip
    (listed,) = course.credentials()
    assert f"issued credential {listed['id']} to ada@example.org" in result.stdout
    assert f"credstack credential export {listed['id']}" in result.stdout
    assert listed["recipient"] == "ada@example.org"  # addresses are kept lower-cased
    assert listed["recipient_name"] == "Ada Lovelace"
    assert (listed["issuer"], listed["achievement"], listed["achievement_version"]) == (
        "acme",
        "course-a",
        1,
    )
    assert listed["valid_until"].startswith("2099-12-31T23:59:59")

    shown = course.ok("credential", "show", listed["id"], "--json").json()
    credential = shown["credential"]
    assert shown["credential_id"] == credential["id"] == f"urn:uuid:{listed['id']}"
    assert credential["validUntil"] == "2099-12-31T23:59:59Z"
    subject = credential["credentialSubject"]
    assert subject["narrative"] == "Top mark in the exam."
    assert [r["value"] for r in subject["result"]] == ["A"]
    assert [e["id"] for e in credential["evidence"]] == ["https://acme.example/e/1"]
    email = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    assert email["hashed"] is True
    assert "Ada" not in json.dumps(email)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_award_to_a_did_with_an_expiry_time(course: Cli) -> None:
    award_id = award_one(
        course, "--to", "did:example:123", "--valid-until", "2099-06-30T12:00:00+02:00"
    )
    shown = course.ok("credential", "show", award_id, "--json").json()
    assert shown["recipient"] == "did:example:123"
    assert shown["credential"]["credentialSubject"]["id"] == "did:example:123"
    assert shown["credential"]["validUntil"] == "2099-06-30T10:00:00Z"
    # Shown without --json: the summary and the signed document.
    text_view = course.ok("credential", "show", award_id).stdout
    assert "to did:example:123" in text_view
    assert "valid until 2099-06-30 10:00 UTC" in text_view
    assert '"proofValue"' in text_view


def test_award_uses_the_published_version_while_a_draft_is_pending(
    course: Cli, tmp_path: Path
) -> None:
    edited = write(tmp_path / "v2.yaml", COURSE_YAML.replace("Learn A.", "Learn A well."))
    course.ok("achievement", "create", edited)
    award_id = award_one(course, "--to", "ada@example.org")
    assert course.ok("credential", "show", award_id, "--json").json()["achievement_version"] == 1


BAD_AWARDS = {
    "unknown-achievement": (["--achievement", "ghost", "--to", "b@example.org"], "ghost"),
    "unpublished": (["--achievement", "draft-b", "--to", "b@example.org"], "no published version"),
    "invalid-email": (["--achievement", "course-a", "--to", "not-an-email"], "not-an-email"),
    "invalid-did": (["--achievement", "course-a", "--to", "did:bad id"], "not a DID"),
    "neither-to-nor-csv": (["--achievement", "course-a"], "exactly one of --to"),
    "both-to-and-csv": (
        ["--achievement", "course-a", "--to", "b@example.org", "--csv", "cohort.csv"],
        "exactly one of --to",
    ),
    "result-not-allowed": (
        ["--achievement", "course-a", "--to", "b@example.org", "--result", "Z"],
        "'Z' is not one of A, B, C",
    ),
    "valid-until-not-a-date": (
        ["--achievement", "course-a", "--to", "b@example.org", "--valid-until", "tomorrow"],
        "--valid-until: 'tomorrow'",
    ),
    "valid-until-without-zone": (
        ["--achievement", "course-a", "--to", "b@example.org", "--valid-until", "2099-01-01T10:00"],
        "time zone",
    ),
    "valid-until-in-the-past": (
        ["--achievement", "course-a", "--to", "b@example.org", "--valid-until", "2001-01-01"],
        "in the past",
    ),
    "evidence-not-http": (
        ["--achievement", "course-a", "--to", "b@example.org", "--evidence-url", "ftp://x.example"],
        "evidence url",
    ),
    "duplicate": (["--achievement", "course-a", "--to", "ADA@example.org"], "already has"),
    "duplicate-did": (["--achievement", "course-a", "--to", "did:example:ada"], "already has"),
}


def test_bad_award_is_one_line_and_issues_nothing(
    course: Cli, tmp_path: Path, subtests: pytest.Subtests
) -> None:
    draft = COURSE_YAML.replace("course-a", "draft-b")
    course.ok("achievement", "create", write(tmp_path / "b.yaml", draft))
    cohort = write(tmp_path / "cohort.csv", "email\nb@example.org\n")
    course.ok("award", "--achievement", "course-a", "--to", "ada@example.org")
    course.ok("award", "--achievement", "course-a", "--to", "did:example:ada")
    before = course.credentials()
    for case, (args, fragment) in BAD_AWARDS.items():
        with subtests.test(case):
            args = [str(cohort) if a == "cohort.csv" else a for a in args]
            one_line_error(course("award", *args), fragment)
            assert course.credentials() == before


# --- award a cohort from CSV -----------------------------------------------------------------


def test_csv_cohort_is_issued_once(course: Cli, tmp_path: Path) -> None:
    rows = "".join(f"learner{i}@example.org,Learner {i},B\n" for i in range(30))
    cohort = write(tmp_path / "cohort.csv", "email,name,result\n" + rows)
    first = course.ok("award", "--achievement", "course-a", "--csv", cohort)
    assert "issued 30, skipped 0 (already issued), failed 0" in first.stdout
    listed = course.credentials("--achievement", "course-a")
    assert sorted(c["recipient"] for c in listed) == sorted(
        f"learner{i}@example.org" for i in range(30)
    )
    again = course.ok("award", "--achievement", "course-a", "--csv", cohort)
    assert "issued 0, skipped 30 (already issued), failed 0" in again.stdout
    assert len(course.credentials()) == 30


def test_csv_cohort_signed_by_worker_processes(course: Cli, tmp_path: Path) -> None:
    rows = "".join(f"learner{i}@example.org,Learner {i},B\n" for i in range(40))
    cohort = write(tmp_path / "cohort.csv", "email,name,result\n" + rows + "oops,Bad,B\n")
    result = course("award", "--achievement", "course-a", "--csv", cohort, "--workers", "2")
    assert result.exit_code == 1
    assert "issued 40, skipped 0 (already issued), failed 1" in result.stdout
    assert f"{cohort}:42:" in result.stderr
    assert "Traceback" not in result.stderr
    listed = course.credentials("--achievement", "course-a")
    assert len({c["id"] for c in listed}) == 40
    again = course("award", "--achievement", "course-a", "--csv", cohort, "--workers", "2")
    assert "issued 0, skipped 40 (already issued), failed 1" in again.stdout
    refused = course("award", "--achievement", "course-a", "--csv", cohort, "--workers", "-1")
    assert refused.exit_code != 0
    assert "Traceback" not in refused.stderr


def bad_rows_csv(tmp_path: Path) -> Path:
    return write(
        tmp_path / "bad.csv",
        "email,name,valid_until,id\n"  # line 1
        "good1@example.org,Good One,,r1\n"  # line 2
        "not-an-email,Bad Mail,,r2\n"  # line 3
        "good2@example.org,Good Two,2099-01-01,r3\n"  # line 4
        "good3@example.org,Bad Date,someday,r4\n"  # line 5
        "good4@example.org,Repeat,,r1\n"  # line 6: id r1 again
        "good5@example.org,Good Five,,r6\n",  # line 7
    )


def test_csv_with_bad_rows_reports_each_line_and_issues_the_rest(
    course: Cli, tmp_path: Path
) -> None:
    path = bad_rows_csv(tmp_path)
    result = course("award", "--achievement", "course-a", "--csv", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith(f"{path}:3: email: 'not-an-email'")
    assert lines[1].startswith(f"{path}:5: valid_until: 'someday'")
    assert lines[2].startswith(f"{path}:6: id: 'r1' duplicates line 2")
    assert "issued 3, skipped 0 (already issued), failed 3" in result.stdout


def test_csv_with_bad_rows_still_issues_the_good_rows(course: Cli, tmp_path: Path) -> None:
    # The half of the test above that holds despite its bug.
    course("award", "--achievement", "course-a", "--csv", bad_rows_csv(tmp_path))
    assert sorted(c["recipient"] for c in course.credentials()) == [
        "good1@example.org",
        "good2@example.org",
        "good5@example.org",
    ]


def test_csv_row_refused_when_signing_reports_file_and_line(course: Cli, tmp_path: Path) -> None:
    # A row refused by the award rules (not the CSV reader), with a message without ':'.
    path = write(
        tmp_path / "past.csv",
        "email,valid_until\npast@example.org,2001-01-01\nfine@example.org,2099-01-01\n",
    )
    result = course("award", "--achievement", "course-a", "--csv", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"{path}:2: valid_until is in the past"]
    assert "issued 1, skipped 0 (already issued), failed 1" in result.stdout
    assert [c["recipient"] for c in course.credentials()] == ["fine@example.org"]


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("mail,name", "unknown column 'mail'"),
        ("email,did", "both 'email' and 'did'"),
        ("name,result", "no recipient column"),
    ],
    ids=["unknown-column", "both-recipients", "no-recipient"],
)
def test_csv_with_a_bad_header_issues_nothing(
    course: Cli, tmp_path: Path, header: str, fragment: str
) -> None:
    path = write(tmp_path / "header.csv", f"{header}\na@example.org,A\n")
    one_line_error(course("award", "--achievement", "course-a", "--csv", path), str(path), fragment)
    assert course.credentials() == []


def test_csv_that_does_not_exist_is_one_line(course: Cli, tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    one_line_error(course("award", "--achievement", "course-a", "--csv", path), "cannot read")


def test_csv_for_an_unpublished_achievement_is_one_line(cli: Cli, tmp_path: Path) -> None:
    cli.ok("issuer", "create", "--id", "acme", "--name", "ACME", "--country", "DE")
    cli.ok("achievement", "create", write(tmp_path / "a.yaml", COURSE_YAML))
    path = write(tmp_path / "c.csv", "email\na@example.org\n")
    one_line_error(cli("award", "--achievement", "course-a", "--csv", path), "no published version")
    assert cli.credentials() == []


def test_csv_with_a_did_column(course: Cli, tmp_path: Path) -> None:
    path = write(
        tmp_path / "dids.csv",
        "did,name,result\ndid:example:aa,Aa,A\ndid:web:learner.example,Bb,C\n",
    )
    result = course.ok("award", "--achievement", "course-a", "--csv", path)
    assert "issued 2, skipped 0 (already issued), failed 0" in result.stdout
    listed = {c["recipient"]: c for c in course.credentials()}
    assert set(listed) == {"did:example:aa", "did:web:learner.example"}
    shown = course.ok("credential", "show", listed["did:example:aa"]["id"], "--json").json()
    assert shown["credential"]["credentialSubject"]["id"] == "did:example:aa"
    assert [r["value"] for r in shown["credential"]["credentialSubject"]["result"]] == ["A"]


# --- credentials: list, show, export, verify -------------------------------------------------


def test_credential_list_filters(course: Cli, tmp_path: Path) -> None:
    course.ok("issuer", "create", "--id", "beta", "--name", "Beta", "--country", "FR")
    other = COURSE_YAML.replace("issuer: acme", "issuer: beta").replace("course-a", "course-b")
    course.ok("achievement", "create", write(tmp_path / "b.yaml", other), "--publish")
    a = award_one(course, "--to", "ada@example.org")
    course.ok("award", "--achievement", "course-b", "--to", "ada@example.org")
    assert {c["id"] for c in course.credentials("--achievement", "course-a")} == {a}
    assert {c["id"] for c in course.credentials("--issuer", "acme")} == {a}
    assert [c["achievement"] for c in course.credentials("--issuer", "beta")] == ["course-b"]
    assert len(course.credentials()) == 2
    assert course.credentials("--achievement", "course-a", "--issuer", "beta") == []
    table = course.ok("credential", "list").stdout
    assert a in table
    assert "course-b" in table


def test_export_every_format_and_verify_it(course: Cli, tmp_path: Path) -> None:
    award_id = award_one(course, "--to", "ada@example.org", "--name", "Ada", "--result", "A")
    shown = course.ok("credential", "show", award_id, "--json").json()
    assert "proof" in shown["credential"]
    # show accepts the credential's own id too.
    by_urn = course.ok("credential", "show", f"urn:uuid:{award_id}", "--json").json()
    assert by_urn["id"] == award_id

    for fmt in ("json", "jwt", "png", "svg"):
        path = tmp_path / f"ada.{fmt}"
        exported = course.ok("credential", "export", award_id, "--format", fmt, "-o", path)
        assert f"wrote {path}" in exported.stdout
        assert course("credential", "export", award_id, "-f", fmt, "-o", "-").stdout_bytes == (
            path.read_bytes()
        )
        checked = course("verify", path)
        assert checked.exit_code == 0, checked.stdout
        assert checked.stdout.rstrip().endswith("valid")
        assert verify_json(course, path)["verdict"] == "valid"

    json_bytes = (tmp_path / "ada.json").read_bytes()
    assert json_bytes == stored_credential(course.database_url, award_id).encode("utf-8")
    assert json.loads(json_bytes) == shown["credential"]
    assert (tmp_path / "ada.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in (tmp_path / "ada.svg").read_bytes()
    # The JWT is signed once and stored: exporting again gives the same bytes.
    again = course("credential", "export", award_id, "--format", "jwt", "-o", "-").stdout_bytes
    assert again == (tmp_path / "ada.jwt").read_bytes()


def test_export_without_output_writes_beside_the_current_folder(
    course: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    monkeypatch.chdir(tmp_path)
    assert (
        f"wrote {award_id}.png" in course.ok("credential", "export", award_id, "-f", "png").stdout
    )
    assert (tmp_path / f"{award_id}.png").is_file()
    assert (tmp_path / f"{award_id}.json").exists() is False


def test_export_errors_are_one_line(course: Cli, tmp_path: Path) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    one_line_error(course("credential", "export", "no-such-id"), "no credential 'no-such-id'")
    one_line_error(course("credential", "show", "no-such-id"), "no-such-id")
    target = tmp_path / "missing-folder" / "x.json"
    one_line_error(course("credential", "export", award_id, "-o", target), "cannot write")
    bad_format = course("credential", "export", award_id, "--format", "pdf")
    assert bad_format.exit_code == 2
    assert "Traceback" not in bad_format.stderr


def test_tampered_credential_is_invalid(course: Cli, tmp_path: Path) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    path = tmp_path / "ada.json"
    course.ok("credential", "export", award_id, "-o", path)
    document = json.loads(path.read_text("utf-8"))
    document["name"] = "Course Z"
    forged = write(tmp_path / "forged.json", json.dumps(document))
    result = course("verify", forged)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.rstrip().endswith("invalid")
    report = verify_json(course, forged)
    assert report["verdict"] == "invalid"
    failed = [c for c in report["checks"] if c["outcome"] == "failed"]
    assert [c["check"] for c in failed] == ["proof"]


def test_verify_reads_stdin(course: Cli, tmp_path: Path) -> None:
    award_id = award_one(course, "--to", "ada@example.org")
    for fmt in ("json", "png"):
        data = course("credential", "export", award_id, "-f", fmt, "-o", "-").stdout_bytes
        assert course("verify", "-", input=data).exit_code == 0
        assert verify_json(course, "-", input=data)["verdict"] == "valid"
    assert verify_json(course, "-", input=b"not a credential")["verdict"] == "invalid"


def test_did_web_credential_signed_by_a_stranger_is_not_valid_offline(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("issuer", "create", "--id", "web", "--name", "W", "--country", "NL",
           "--domain", "example.org")  # fmt: skip
    definition = COURSE_YAML.replace("issuer: acme", "issuer: web")
    cli.ok("achievement", "create", write(tmp_path / "w.yaml", definition), "--publish")
    award_id = award_one(cli, "--to", "ada@example.org")
    genuine = tmp_path / "genuine.json"
    cli.ok("credential", "export", award_id, "-o", genuine)
    assert verify_json(cli, genuine, None, "--offline")["verdict"] == "valid with warnings"

    document = json.loads(genuine.read_text("utf-8"))
    del document["proof"]
    document["name"] = "Doctorate in Everything"
    stranger = Ed25519KeyPair.generate()
    stranger = stranger.with_id(
        f"did:web:example.org#{stranger.public_multibase}", "did:web:example.org"
    )
    forged = sign_credential(document, stranger, created=dt.datetime.now(dt.UTC))
    path = write(tmp_path / "forged.json", json.dumps(forged))
    report = verify_json(cli, path, None, "--offline")
    assert report["verdict"] != "valid"
    unconfirmed = [c for c in report["checks"] if c["check"] == "key authorised"]
    assert [c["outcome"] for c in unconfirmed] == ["warning"]
    assert "not confirmed" in unconfirmed[0]["message"]
    assert cli("verify", path, "--offline").exit_code == 1


def test_verify_of_a_missing_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    one_line_error(cli("verify", tmp_path / "nothing.json"), "cannot read", "nothing.json")


def test_credentials_signed_before_a_key_rotation_still_verify(course: Cli, tmp_path: Path) -> None:
    before = award_one(course, "--to", "ada@example.org")
    course.ok("issuer", "rotate-key", "acme")
    after = award_one(course, "--to", "grace@example.org")
    for award_id in (before, after):
        path = tmp_path / f"{award_id}.json"
        course.ok("credential", "export", award_id, "-o", path)
        assert verify_json(course, path)["verdict"] == "valid"
    issuers = [
        course.ok("credential", "show", a, "--json").json()["credential"]["issuer"]["id"]
        for a in (before, after)
    ]
    assert issuers[0] != issuers[1]
    assert issuers[1] == course.ok("issuer", "show", "acme", "--json").json()["did"]


# --- demo ------------------------------------------------------------------------------------


def test_demo_runs_end_to_end_and_again_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = cli.ok("demo", "-o", out)
    assert ": valid" in first.stdout
    assert "(5 new, 0 already issued)" in first.stdout
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        *(f"ada-lovelace-data-analysis.{s}" for s in ("json", "jwt", "png", "svg")),
        "university-of-example-statistics.json",  # for the learner to add to the pathway
    ]
    assert cli("verify", out / "university-of-example-statistics.json").exit_code == 0
    (verify_line,) = [line for line in first.stdout.splitlines() if "credstack verify " in line]
    shown = Path(verify_line.split("credstack verify ", 1)[1].strip())
    assert shown == out / "ada-lovelace-data-analysis.svg"
    assert cli("verify", shown).exit_code == 0

    second = cli.ok("demo", "-o", out)
    assert "(0 new, 5 already issued)" in second.stdout
    assert "to 2 learners (0 new)" in second.stdout
    # the cohort, two single awards, and the demo learner's analysis credential
    assert len(cli.credentials()) == 8
    assert {a["id"] for a in cli.ok("achievement", "list", "--json").json()} == {
        "data-analysis",
        "data-visualisation",
        "statistics-basics",
        "applied-data-certificate",
    }
    assert "applied-data" in cli.ok("pathway", "list", "--issuer", "demo-academy").stdout


def test_demo_output_that_is_a_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    target = write(tmp_path / "a-file", "")
    one_line_error(cli("demo", "-o", target), "a-file")
