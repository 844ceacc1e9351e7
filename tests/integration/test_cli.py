"""The ``credstack`` command, set-up side: init, issuers, achievement definitions, help, the
README's command list, and the ways a database or key can be unusable.

Every test that touches a database runs on SQLite and on PostgreSQL (``database_url``); every
failure a user can cause must end as one ``error:`` line on stderr, a non-zero exit status and
no traceback. Awards, credentials, verification and the demo are in ``test_cli_awards.py``.
"""

from __future__ import annotations

import base64
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from credstack.cli.app import app
from credstack.cli.awards import workers_for
from tests.integration.test_cli_support import (
    COURSE_YAML,
    Cli,
    command_paths,
    one_line_error,
    setup_course,
    write,
)

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(database_url, tmp_path / "data", monkeypatch)


def create_acme(cli: Cli, *extra: str) -> None:
    cli.ok("issuer", "create", "--id", "acme", "--name", "ACME Academy", "--country", "DE", *extra)


# --- init ------------------------------------------------------------------------------------


def test_init_prints_database_and_creates_a_private_key_file(cli: Cli, database_url: str) -> None:
    result = cli.ok("init")
    key_file = cli.data_dir / "key-encryption.key"
    assert f"database: {database_url}" in result.stdout
    assert f"key-encryption key: {key_file}" in result.stdout
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Running it again is harmless and keeps the key.
    key = key_file.read_bytes()
    cli.ok("init")
    assert key_file.read_bytes() == key


def test_init_with_a_key_from_the_environment_writes_no_key_file(cli: Cli) -> None:
    kek = base64.b64encode(os.urandom(32)).decode()
    result = cli.ok("init", env={"CREDSTACK_KEY_ENCRYPTION_KEY": kek})
    assert "key-encryption key: from CREDSTACK_KEY_ENCRYPTION_KEY" in result.stdout
    assert not (cli.data_dir / "key-encryption.key").exists()


# --- issuers ---------------------------------------------------------------------------------


def test_issuer_create_list_show(cli: Cli) -> None:
    created = cli.ok(
        "issuer",
        "create",
        "--id",
        "acme",
        "--name",
        "ACME Academy",
        "--country",
        "de",
        "--country-name",
        "Germany",
        "--locality",
        "Berlin",
        "--url",
        "https://acme.example",
        "--email",
        "badges@acme.example",
        "--description",
        "Training since 1999.",
    )
    assert "created issuer acme (did:key:z6Mk" in created.stdout

    (listed,) = cli.ok("issuer", "list", "--json").json()
    assert listed["id"] == "acme"
    assert listed["name"] == "ACME Academy"
    assert listed["did"].startswith("did:key:z6Mk")
    assert listed["domain"] is None
    address = listed["address"]
    assert (address["country_code"], address["country"]) == ("DE", "Germany")
    assert address["locality"] == "Berlin"
    assert listed["url"] == "https://acme.example"
    assert listed["email"] == "badges@acme.example"

    table = cli.ok("issuer", "list").stdout
    assert "acme" in table
    assert "ACME Academy" in table

    shown = cli.ok("issuer", "show", "acme", "--json").json()
    assert {k: v for k, v in shown.items() if k != "keys"} == listed
    (key,) = shown["keys"]
    assert key["verification_method"] == f"{listed['did']}#{key['public_key_multibase']}"
    assert key["retired_at"] is None

    text_view = cli.ok("issuer", "show", "acme").stdout
    assert f"DID: {listed['did']}" in text_view
    assert "url: https://acme.example" in text_view


def test_issuer_list_is_empty_at_first(cli: Cli) -> None:
    assert cli.ok("issuer", "list", "--json").json() == []


def test_did_web_issuer_and_its_did_document(cli: Cli) -> None:
    created = cli.ok(
        "issuer", "create", "--id", "web", "--name", "Web U", "--country", "NL",
        "--domain", "Badges.Example.org",
    )  # fmt: skip
    assert "did:web:badges.example.org" in created.stdout
    shown = cli.ok("issuer", "show", "web", "--json").json()
    assert shown["did"] == "did:web:badges.example.org"
    assert shown["domain"] == "badges.example.org"

    document = cli.ok("issuer", "did-document", "web").json()
    assert document["id"] == "did:web:badges.example.org"
    (method,) = document["verificationMethod"]
    assert method["publicKeyMultibase"] == shown["keys"][0]["public_key_multibase"]
    assert document["assertionMethod"] == [method["id"]]


def test_rotate_key_on_did_web_keeps_the_did_and_publishes_both_keys(cli: Cli) -> None:
    cli.ok("issuer", "create", "--id", "web", "--name", "W", "--country", "NL",
           "--domain", "example.org")  # fmt: skip
    rotated = cli.ok("issuer", "rotate-key", "web")
    assert "new signing key did:web:example.org#z6Mk" in rotated.stdout
    shown = cli.ok("issuer", "show", "web", "--json").json()
    assert shown["did"] == "did:web:example.org"
    assert [k["retired_at"] is None for k in shown["keys"]] == [False, True]
    document = cli.ok("issuer", "did-document", "web").json()
    assert {m["publicKeyMultibase"] for m in document["verificationMethod"]} == {
        k["public_key_multibase"] for k in shown["keys"]
    }


def test_rotate_key_on_did_key_changes_the_did(cli: Cli) -> None:
    create_acme(cli)
    before = cli.ok("issuer", "show", "acme", "--json").json()
    rotated = cli.ok("issuer", "rotate-key", "acme")
    after = cli.ok("issuer", "show", "acme", "--json").json()
    assert after["did"] != before["did"]
    assert after["did"].startswith("did:key:z6Mk")
    assert f"new signing key {after['did']}#" in rotated.stdout
    old, new = after["keys"]
    assert old["verification_method"] == before["keys"][0]["verification_method"]
    assert old["retired_at"] is not None
    assert new["retired_at"] is None
    assert new["verification_method"].startswith(after["did"] + "#")
    assert f"DID: {after['did']}" in cli.ok("issuer", "show", "acme").stdout


def test_did_document_of_a_did_key_issuer_is_an_error(cli: Cli) -> None:
    create_acme(cli)
    one_line_error(cli("issuer", "did-document", "acme"), "did:key")


BAD_ISSUERS = {
    "duplicate": (["--id", "acme", "--name", "Again", "--country", "DE"], "exists already"),
    "bad-id": (["--id", "Bad_Id", "--name", "B", "--country", "DE"], "Bad_Id"),
    "bad-country": (["--id", "x", "--name", "X", "--country", "XYZ"], "country 'XYZ'"),
    "bad-domain": (
        ["--id", "w", "--name", "W", "--country", "DE", "--domain", "not a domain"],
        "domain",
    ),
}


def test_issuer_create_refuses_bad_input(cli: Cli, subtests: pytest.Subtests) -> None:
    create_acme(cli)
    for case, (args, fragment) in BAD_ISSUERS.items():
        with subtests.test(case):
            one_line_error(cli("issuer", "create", *args), fragment)
    assert [i["id"] for i in cli.ok("issuer", "list", "--json").json()] == ["acme"]


def test_unknown_issuer_is_one_line(cli: Cli, subtests: pytest.Subtests) -> None:
    for command in ("show", "rotate-key", "did-document"):
        with subtests.test(command):
            one_line_error(cli("issuer", command, "ghost"), "no issuer 'ghost'")


# --- achievements ----------------------------------------------------------------------------


def test_achievement_create_draft_then_publish(cli: Cli, tmp_path: Path) -> None:
    create_acme(cli)
    created = cli.ok("achievement", "create", write(tmp_path / "a.yaml", COURSE_YAML))
    assert "course-a version 1: draft" in created.stdout
    (listed,) = cli.ok("achievement", "list", "--json").json()
    assert (listed["id"], listed["issuer"], listed["version"]) == ("course-a", "acme", 1)
    assert listed["status"] == "draft"
    assert listed["published_at"] is None
    assert listed["definition"]["name"] == "Course A"

    assert "published course-a version 1" in cli.ok("achievement", "publish", "course-a").stdout
    shown = cli.ok("achievement", "show", "course-a", "--json").json()
    assert shown["status"] == "published"
    assert shown["published_at"] is not None

    one_line_error(cli("achievement", "publish", "course-a"), "course-a", "published already")

    table = cli.ok("achievement", "list").stdout
    assert "course-a" in table
    assert "published" in table
    text_view = cli.ok("achievement", "show", "course-a").stdout
    assert "Course A (course-a, issuer acme)" in text_view
    assert "version 1, published" in text_view
    assert "criteria: Passed the A exam." in text_view


def test_achievement_create_publish_with_issuer_option(cli: Cli, tmp_path: Path) -> None:
    create_acme(cli)
    cli.ok("issuer", "create", "--id", "beta", "--name", "Beta", "--country", "FR")
    no_issuer = COURSE_YAML.replace("issuer: acme\n", "")
    result = cli.ok(
        "achievement", "create", write(tmp_path / "a.yaml", no_issuer), "--issuer", "beta",
        "--publish",
    )  # fmt: skip
    assert "course-a version 1: draft" in result.stdout
    assert "published course-a version 1" in result.stdout
    assert cli.ok("achievement", "list", "--issuer", "beta", "--json").json()[0]["status"] == (
        "published"
    )
    assert cli.ok("achievement", "list", "--issuer", "acme", "--json").json() == []
    one_line_error(cli("achievement", "list", "--issuer", "ghost"), "ghost")


def test_definition_of_another_issuer_cannot_be_taken_over(cli: Cli, tmp_path: Path) -> None:
    setup_course(cli, tmp_path)
    cli.ok("issuer", "create", "--id", "beta", "--name", "Beta", "--country", "FR")
    edited = COURSE_YAML.replace("Learn A.", "Learn B.")
    one_line_error(
        cli("achievement", "create", write(tmp_path / "b.yaml", edited), "--issuer", "beta"),
        "belongs to issuer 'acme'",
    )


def test_export_then_create_again_makes_no_new_version(cli: Cli, tmp_path: Path) -> None:
    create_acme(cli)
    # The template has every field (alignments, results, EU micro-credential elements).
    template = cli.ok("achievement", "template").stdout
    assert yaml.safe_load(template)["id"] == "data-analysis"
    cli.ok(
        "achievement", "create", write(tmp_path / "t.yaml", template), "--issuer", "acme",
        "--publish",
    )  # fmt: skip
    exported = tmp_path / "exported.yaml"
    assert (
        f"wrote {exported}"
        in cli.ok("achievement", "export", "data-analysis", "-o", exported).stdout
    )
    assert cli.ok("achievement", "export", "data-analysis").stdout == exported.read_text("utf-8")
    assert yaml.safe_load(exported.read_text("utf-8"))["issuer"] == "acme"

    again = cli.ok("achievement", "create", exported)
    assert "data-analysis version 1: published" in again.stdout
    (listed,) = cli.ok("achievement", "list", "--json").json()
    assert (listed["version"], listed["status"]) == (1, "published")


def test_editing_a_published_definition_starts_version_2(cli: Cli, tmp_path: Path) -> None:
    setup_course(cli, tmp_path)
    edited = write(tmp_path / "edited.yaml", COURSE_YAML.replace("Learn A.", "Learn A well."))
    assert "course-a version 2: draft" in cli.ok("achievement", "create", edited).stdout
    # Saving the same draft again changes nothing.
    assert "course-a version 2: draft" in cli.ok("achievement", "create", edited).stdout

    newest = cli.ok("achievement", "show", "course-a", "--json").json()
    assert (newest["version"], newest["status"]) == (2, "draft")
    assert newest["definition"]["description"] == "Learn A well."
    first = cli.ok("achievement", "show", "course-a", "--version", "1", "--json").json()
    assert (first["version"], first["status"]) == (1, "published")
    assert first["definition"]["description"] == "Learn A."
    assert "Learn A." in cli.ok("achievement", "export", "course-a", "--version", "1").stdout
    one_line_error(cli("achievement", "show", "course-a", "--version", "7"), "version 7")

    assert "published course-a version 2" in cli.ok("achievement", "publish", "course-a").stdout
    one_line_error(cli("achievement", "publish", "course-a"), "published already")


def test_malformed_yaml_names_file_and_line(cli: Cli, tmp_path: Path) -> None:
    create_acme(cli)
    bad = write(tmp_path / "bad.yaml", "issuer: acme\nid: x\nname: X\ndescription: d: e\n")
    one_line_error(cli("achievement", "create", bad), f"{bad}:", "line 4")
    assert cli.ok("achievement", "list", "--json").json() == []


# "{file}" stands for the definition's path, which problems in the file itself must name.
BAD_DEFINITIONS = {
    "unknown-field": (COURSE_YAML + "colour: red\n", ["{file}: colour: Extra inputs"]),
    "no-issuer": (COURSE_YAML.replace("issuer: acme\n", ""), ["{file}:", "--issuer"]),
    "unknown-issuer": (COURSE_YAML.replace("issuer: acme", "issuer: ghost"), ["no issuer 'ghost'"]),
    "missing-name": (COURSE_YAML.replace("name: Course A\n", ""), ["{file}: name"]),
    "not-a-mapping": ("- just\n- a list\n", ["{file}:", "mapping"]),
}


def test_bad_definition_is_one_line(cli: Cli, tmp_path: Path, subtests: pytest.Subtests) -> None:
    create_acme(cli)
    for case, (content, fragments) in BAD_DEFINITIONS.items():
        with subtests.test(case):
            path = write(tmp_path / f"{case}.yaml", content)
            expected = [f.format(file=path) for f in fragments]
            one_line_error(cli("achievement", "create", path), *expected)
    assert cli.ok("achievement", "list", "--json").json() == []


def test_achievement_export_into_a_missing_folder_is_one_line(cli: Cli, tmp_path: Path) -> None:
    setup_course(cli, tmp_path)
    target = tmp_path / "no-such-folder" / "course-a.yaml"
    one_line_error(cli("achievement", "export", "course-a", "-o", target), "cannot write")


def test_missing_definition_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    one_line_error(cli("achievement", "create", tmp_path / "nope.yaml"), "cannot read", "nope.yaml")


def test_unknown_achievement_is_one_line(cli: Cli, subtests: pytest.Subtests) -> None:
    for command in ("show", "publish", "export"):
        with subtests.test(command):
            one_line_error(cli("achievement", command, "ghost"), "ghost")


# --- help and the README ---------------------------------------------------------------------

PATHS = list(command_paths())


@pytest.mark.parametrize(
    "path",
    [pytest.param(p) for p, group in PATHS],
    ids=[" ".join(("credstack", *p)) for p, _ in PATHS],
)
def test_help_of_every_command_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout
    assert "Example" in result.stdout


def test_pathway_save_export_round_trip_and_one_line_errors(cli: Cli, tmp_path: Path) -> None:
    create_acme(cli)
    for achievement_id in ("part", "whole"):
        course = COURSE_YAML.replace("id: course-a", f"id: {achievement_id}")
        file = write(tmp_path / f"{achievement_id}.yaml", course)
        cli.ok("achievement", "create", str(file), "--publish")
    pathway = "id: p\nname: P\ntarget: whole\nrequirements: {id: one, credential: part}\n"
    path = write(tmp_path / "p.yaml", pathway)
    assert (
        "p saved as version 1 (loss policy flag)"
        in cli.ok("pathway", "save", str(path), "--issuer", "acme").stdout
    )
    assert "unchanged: version 1" in cli.ok("pathway", "save", str(path), "--issuer", "acme").stdout
    exported = cli.ok("pathway", "export", "p", "--issuer", "acme").stdout
    assert yaml.safe_load(exported)["requirements"]["credential"] == "part"
    assert "p" in cli.ok("pathway", "list", "--issuer", "acme").stdout
    assert "looked at 0 learners" in cli.ok("pathway", "reevaluate", "p", "--issuer", "acme").stdout
    bad = write(tmp_path / "bad.yaml", pathway.replace("credential: part", "credential: nope"))
    one_line_error(cli("pathway", "save", str(bad), "--issuer", "acme"), "nope")
    one_line_error(cli("pathway", "export", "q", "--issuer", "acme"), "no pathway 'q'")


def test_command_tree_has_every_documented_command() -> None:
    leaves = {" ".join(p) for p, group in PATHS if not group}
    assert leaves == {
        "init", "award", "verify", "demo", "serve",
        "issuer create", "issuer list", "issuer show", "issuer rotate-key", "issuer did-document",
        "achievement create", "achievement list", "achievement show", "achievement publish",
        "achievement export", "achievement template",
        "credential list", "credential show", "credential export",
        "credential revoke", "credential suspend", "credential unsuspend", "credential renew",
        "status export", "status refresh",
        "user create", "user role", "token create", "token list", "token revoke",
        "award-job list", "award-job show", "award-job report",
        "webhooks list", "webhooks deliver",
        "integrations create", "integrations list", "integrations rotate", "completions import",
        "pathway save", "pathway list", "pathway export", "pathway reevaluate",
    }  # fmt: skip


def readme_commands(readme: str) -> set[str] | None:
    """The commands listed between ``<!-- commands -->`` and ``<!-- /commands -->``, each
    resolved against the command tree (arguments and options after it are ignored)."""
    match = re.search(r"<!-- commands -->(.*?)<!-- /commands -->", readme, re.DOTALL)
    if match is None:
        return None
    groups = {p: sub for p, sub in PATHS}
    found = set()
    for line in match.group(1).splitlines():
        item = re.match(r"\s*[-*]\s+`credstack(?P<rest>[^`]*)`", line)
        if item is None:
            continue
        path: tuple[str, ...] = ()
        for word in item.group("rest").split():
            if groups.get(path) and (*path, word) in groups:
                path = (*path, word)
            else:
                break
        found.add(" ".join(("credstack", *path)))
    return found


def test_readme_command_list_matches_the_command_tree() -> None:
    listed = readme_commands(README.read_text(encoding="utf-8"))
    if listed is None:
        pytest.skip("README command list not written yet")
    groups = {" ".join(("credstack", *p)) for p, group in PATHS if group}
    leaves = {" ".join(("credstack", *p)) for p, group in PATHS if not group}
    # A line for a group ("credstack issuer") is allowed; every command needs its own line.
    assert listed - groups == leaves


def test_readme_command_list_parser() -> None:
    readme = (
        "intro\n<!-- commands -->\n"
        "- `credstack issuer create --id acme` makes an issuer\n"
        "- `credstack verify badge.png`\n"
        "* `credstack credential`\n"
        "- `credstack nonsense`\n"
        "<!-- /commands -->\n- `credstack demo`\n"
    )
    assert readme_commands(readme) == {
        "credstack issuer create",
        "credstack verify",
        "credstack credential",
        "credstack",
    }
    assert readme_commands("no list here") is None


# --- unusable databases and keys -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("nonsense", "the database URL is not valid"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot be used"),
    ],
    ids=["not-a-url", "unreachable"],
)
def test_unusable_database_url_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, fragment: str
) -> None:
    cli = Cli(url, tmp_path / "data", monkeypatch)
    one_line_error(cli("issuer", "list"), fragment)


def stamp(database_url: str, revision: str) -> None:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        connection.close()
        return
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def test_database_from_a_newer_credstack_is_one_line(cli: Cli) -> None:
    create_acme(cli)
    stamp(cli.database_url, "9999")
    one_line_error(cli("issuer", "list"), "newer")


def test_wrong_key_encryption_key_cannot_sign(cli: Cli, tmp_path: Path) -> None:
    setup_course(cli, tmp_path)  # the issuer's key is sealed under the generated key file
    other = base64.b64encode(os.urandom(32)).decode()
    result = cli(
        "award", "--achievement", "course-a", "--to", "ada@example.org",
        env={"CREDSTACK_KEY_ENCRYPTION_KEY": other},
    )  # fmt: skip
    one_line_error(result, "cannot decrypt signing key")
    assert cli.credentials() == []
    # With the right key it works.
    cli.ok("award", "--achievement", "course-a", "--to", "ada@example.org")
    assert len(cli.credentials()) == 1


@pytest.mark.parametrize(
    ("kek", "fragment"),
    [("short", "not base64"), (base64.b64encode(b"0" * 16).decode(), "32 bytes")],
    ids=["not-base64", "too-short"],
)
def test_malformed_key_encryption_key_is_one_line(cli: Cli, kek: str, fragment: str) -> None:
    one_line_error(cli("init", env={"CREDSTACK_KEY_ENCRYPTION_KEY": kek}), fragment)


def test_key_file_readable_by_others_is_refused(cli: Cli) -> None:
    cli.ok("init")
    key_file = cli.data_dir / "key-encryption.key"
    key_file.chmod(0o644)
    one_line_error(cli("issuer", "list"), "readable by others", "chmod 600")


def test_data_dir_that_is_a_file_is_one_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(database_url, write(tmp_path / "not-a-folder", ""), monkeypatch)
    one_line_error(cli("issuer", "list"), "not-a-folder")


def test_sqlite_path_below_a_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = write(tmp_path / "blocker", "")
    cli = Cli(f"sqlite:///{blocker}/credstack.db", tmp_path / "data", monkeypatch)
    one_line_error(cli("issuer", "list"), "blocker")


# --- the real console script -----------------------------------------------------------------


def console_script() -> Path:
    script = Path(sys.executable).parent / "credstack"
    if not script.exists():
        pytest.skip("the credstack console script is not installed beside this Python")
    return script


def test_console_script_prints_one_line_errors(database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDSTACK_")}
    done = subprocess.run(
        [str(console_script()), "--database-url", database_url, "--data-dir", str(tmp_path),
         "issuer", "show", "ghost"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == "error: no issuer 'ghost'"


def test_console_script_with_a_bad_database_url(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(console_script()), "--database-url", "nonsense", "--data-dir", str(tmp_path),
         "issuer", "list"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: the database URL is not valid")


@pytest.mark.parametrize(
    ("rows", "asked", "cores", "expected"),
    [
        (100_000, 3, 2, 3),  # asked for: given
        (100_000, 0, 8, 7),  # one core stays with the command (reading, storing)
        (100_000, 0, 3, 2),
        (100_000, 0, 2, 1),  # two workers were no faster than this process on two cores
        (4_999, 0, 8, 1),  # starting workers does not pay
    ],
)
def test_workers_for_a_cohort(
    rows: int, asked: int, cores: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert workers_for(rows, asked) == expected


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tls-cert", "cert.pem"], "both --tls-cert and --tls-key"),
        (["--tls-cert", "missing.pem", "--tls-key", "missing-key.pem"], "no such file"),
        (["--tls-cert", "cert.pem", "--tls-key", "cert.pem"], "not a PEM certificate"),
    ],
)
def test_serve_refuses_tls_files_it_cannot_use(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], message: str
) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate\n")
    monkeypatch.chdir(tmp_path)
    one_line_error(cli("serve", "--port", "0", *flags), message)


def test_a_settings_file_configures_every_command_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`credstack --config FILE` (or CREDSTACK_CONFIG): CREDSTACK_NAME=value lines."""
    config = tmp_path / "credstack.env"
    config.write_text(
        "# the installation\n"
        f"CREDSTACK_DATA_DIR={tmp_path / 'from-file'}\n"
        "CREDSTACK_BASE_URL=https://badges.example.edu\n"
    )
    # --config sets CREDSTACK_CONFIG in this process (for server workers): setenv, unlike a
    # delenv of an absent variable, makes pytest take it away again afterwards
    for name in ("CREDSTACK_CONFIG", "CREDSTACK_DATA_DIR", "CREDSTACK_BASE_URL"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(config), "init"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "from-file" / "credstack.db") in result.output
    monkeypatch.setenv("CREDSTACK_DATA_DIR", str(tmp_path / "from-env"))
    result = runner.invoke(app, ["--config", str(config), "init"])
    assert str(tmp_path / "from-env" / "credstack.db") in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("CREDSTACK_BASE_ULR=https://x.example\n", "line 1: 'CREDSTACK_BASE_ULR' is no credstack"),
        ("CREDSTACK_STATUS_LIST_TTL_HOURS=soon\n", "CREDSTACK_STATUS_LIST_TTL_HOURS: Input"),
        (None, "no settings file"),
    ],
)
def test_a_settings_file_that_cannot_be_used_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    config = tmp_path / "credstack.env"
    if content is not None:
        config.write_text(content)
    monkeypatch.setenv("CREDSTACK_CONFIG", str(config))
    monkeypatch.setenv("CREDSTACK_DATA_DIR", str(tmp_path / "data"))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "credstack"), "init"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
