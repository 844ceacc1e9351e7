"""Running the ``credstack`` command in-process, as its console script does, for the CLI tests.

No tests live here: ``test_cli.py`` and ``test_cli_awards.py`` import these helpers. Each
invocation goes through ``credstack.cli.app.main()`` (so its mapping of errors to one line is
exercised) with ``sys.argv`` set and stdin, stdout and stderr captured by Typer's
``CliRunner.isolation``; an exception that escapes ``main()`` is recorded as the traceback the
real console script would print, so "no Traceback" assertions see it.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import credstack.bootstrap
from credstack.cli.app import app, main
from credstack.services.deps import ServiceDeps

# Variables a developer's shell may set that would leak into the command under test.
_CLEAN_ENV: dict[str, str | None] = {
    "COLUMNS": "200",
    "CREDSTACK_DATA_DIR": None,
    "CREDSTACK_DATABASE_URL": None,
    "CREDSTACK_KEY_ENCRYPTION_KEY": None,
    "CREDSTACK_KEY_FILE": None,
    "CREDSTACK_BASE_URL": None,
}

COURSE_YAML = """\
issuer: acme
id: course-a
name: Course A
description: Learn A.
criteria: Passed the A exam.
result_descriptions:
  - id: grade
    name: Final grade
    result_type: LetterGrade
    allowed_values: [A, B, C]
"""


@dataclass(frozen=True)
class Outcome:
    """What one invocation did: exit status and what it wrote."""

    exit_code: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """``credstack --database-url URL --data-dir DIR ...`` run in-process through ``main()``."""

    def __init__(self, database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch):
        self.database_url = database_url
        self.data_dir = data_dir
        self._engines: list[Any] = []
        real_build = credstack.bootstrap.build_services

        def build_services(*args: Any, **kwargs: Any) -> ServiceDeps:
            deps = real_build(*args, **kwargs)
            self._engines.append(getattr(deps.uow, "engine", None))
            return deps

        # Every run opens its own engine; dispose of it afterwards so that PostgreSQL
        # connections do not pile up across hundreds of runs.
        monkeypatch.setattr(credstack.bootstrap, "build_services", build_services)

    def __call__(
        self,
        *args: str | Path,
        input: bytes | str | None = None,
        env: Mapping[str, str | None] | None = None,
        database_url: str | None = None,
    ) -> Outcome:
        argv = [
            "credstack",
            "--database-url",
            database_url or self.database_url,
            "--data-dir",
            str(self.data_dir),
            *map(str, args),
        ]
        exit_code = 0
        runner = CliRunner()
        with runner.isolation(input=input, env={**_CLEAN_ENV, **(env or {})}) as streams:
            stdout, stderr, _ = streams
            saved_argv = sys.argv
            sys.argv = argv
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code
                exit_code = code if isinstance(code, int) else (0 if code is None else 1)
            except Exception:
                # What the console script would show: Python prints it and exits with 1.
                sys.stderr.write(traceback.format_exc())
                exit_code = 1
            finally:
                sys.argv = saved_argv
                sys.stdout.flush()
                sys.stderr.flush()
                self._dispose()
            return Outcome(exit_code, stdout.getvalue(), stderr.getvalue().decode("utf-8"))

    def ok(self, *args: str | Path, **kwargs: Any) -> Outcome:
        """Run and insist on success."""
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def credentials(self, *filters: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.ok("credential", "list", *filters, "--json").json()
        return data

    def _dispose(self) -> None:
        for engine in self._engines:
            if engine is not None:
                engine.dispose()
        self._engines.clear()


def one_line_error(result: Outcome, *fragments: str) -> str:
    """Assert the failure a user should see: non-zero exit, one ``error:`` line on stderr,
    no traceback; return that line."""
    assert result.exit_code != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def setup_course(cli: Cli, tmp_path: Path) -> None:
    """Issuer ``acme`` (did:key) with ``course-a`` published (grades A, B, C)."""
    cli.ok("issuer", "create", "--id", "acme", "--name", "ACME Academy", "--country", "DE")
    cli.ok("achievement", "create", write(tmp_path / "course-a.yaml", COURSE_YAML), "--publish")


def award_one(cli: Cli, *args: str) -> str:
    """Award ``course-a`` and return the new award id (from ``credential list``)."""
    before = {c["id"] for c in cli.credentials()}
    cli.ok("award", "--achievement", "course-a", *args)
    (new,) = {c["id"] for c in cli.credentials()} - before
    return new


def stored_credential(database_url: str, award_id: str) -> str:
    """The signed credential text exactly as the database holds it."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored: str = connection.execute(
                text("SELECT credential FROM awards WHERE id = :id"), {"id": award_id}
            ).scalar_one()
    finally:
        engine.dispose()
    return stored


def command_paths() -> Iterator[tuple[tuple[str, ...], bool]]:
    """Every command and group of the tree as ``(path, is_group)``, the root first."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], bool]]:
        subcommands = getattr(command, "commands", None)
        yield path, subcommands is not None
        for name, sub in sorted((subcommands or {}).items()):
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())
