"""Opening a database: migrations match the models, reopening is harmless, and every way a
database can be unusable ends in one ``StorageError`` a person can act on.

The drift test is the CI migration check: a model change without a migration fails it on both
backends, as Alembic's autogenerate would see it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from credstack.bootstrap import build_services
from credstack.domain.errors import StorageError
from credstack.services.issuers import create_issuer, list_issuers
from credstack.settings import Settings
from credstack.storage.database import (
    alembic_config,
    current_revision,
    head_revision,
    open_database,
)
from credstack.storage.rows import Base

APP_TABLES = {
    "issuers",
    "signing_keys",
    "achievements",
    "achievement_versions",
    "awards",
    "status_lists",
    "audit_events",
    "users",
    "webhook_subscriptions",
    "webhook_events",
    "webhook_deliveries",
    "memberships",
    "api_tokens",
    "user_sessions",
    "award_jobs",
    "award_job_inputs",
    "award_job_lines",
    "oauth_clients",
    "oauth_codes",
    "oauth_tokens",
    "portfolio_entries",
    "quizzes",
    "quiz_attempts",
    "quiz_events",
    "email_tokens",
    "offerings",
    "enrolments",
    "enrolment_events",
    "rubrics",
    "evidence_submissions",
    "recognised_issuers",
    "equivalences",
    "recognition_changes",
    "foreign_credentials",
    "recognition_events",
    "evidence_files",
    "evidence_events",
    "integrations",
    "completions",
    "completion_events",
    "pathways",
    "pathway_learners",
    "pathway_events",
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_snapshot(engine: Engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {
        name: sorted(column["name"] for column in inspector.get_columns(name))
        for name in inspector.get_table_names()
    }


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


# --- migrations and models agree -------------------------------------------------------------


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migration_creates_every_table_of_the_models(engine: Engine) -> None:
    # Guards the drift test: comparing against an empty database would find "add table".
    assert set(Base.metadata.tables) == APP_TABLES
    assert table_names(engine) == APP_TABLES | {"alembic_version"}


def test_drift_check_notices_an_index_the_database_lacks(engine: Engine) -> None:
    # The check must be able to fail: drop an index behind Alembic's back and look again.
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX IF EXISTS ix_awards_issued_at"))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert [diff[0] for diff in differences] == ["add_index"]


def test_open_is_at_head_and_opening_again_changes_nothing(database_url: str) -> None:
    first = open_database(database_url)
    try:
        assert current_revision(first) == head_revision()
        before = schema_snapshot(first)
        with first.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO issuers (id, name, did, profile, created_at) VALUES "
                    "('kept', 'Kept', 'did:example:kept', '{}', '2026-01-01 00:00:00+00:00')"
                )
            )
    finally:
        first.dispose()
    second = open_database(database_url)
    try:
        assert current_revision(second) == head_revision()
        assert schema_snapshot(second) == before
        assert version_rows(second) == [head_revision()]
        with second.connect() as connection:
            ids = connection.execute(text("SELECT id FROM issuers")).scalars().all()
        assert ids == ["kept"]
    finally:
        second.dispose()


def test_migrations_downgrade_to_nothing_and_upgrade_again(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert table_names(engine) <= {"alembic_version"}
    assert current_revision(engine) is None
    command.upgrade(alembic_config(engine), "head")
    assert table_names(engine) == APP_TABLES | {"alembic_version"}
    assert current_revision(engine) == head_revision()


# --- a database from a newer credstack is left alone -----------------------------------------


def stamp_newer(engine: Engine) -> dict[str, list[str]]:
    """Mark a migrated database as written by a newer credstack; its schema before opening."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        connection.execute(text("DROP TABLE audit_events"))  # as if 9999 had dropped it
    snapshot = schema_snapshot(engine)
    engine.dispose()
    return snapshot


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_database_at_an_unknown_newer_revision_is_left_untouched(engine: Engine) -> None:
    before = stamp_newer(engine)
    with pytest.raises(StorageError):
        open_database(url_of(engine))
    assert schema_snapshot(engine) == before
    assert version_rows(engine) == ["9999"]


def test_database_at_an_unknown_newer_revision_is_refused_naming_it(engine: Engine) -> None:
    stamp_newer(engine)
    with pytest.raises(StorageError, match="newer") as caught:
        open_database(url_of(engine))
    assert "9999" in str(caught.value)
    assert head_revision() in str(caught.value)


def test_empty_database_stamped_newer_is_refused_without_creating_tables(
    database_url: str,
) -> None:
    raw = create_engine(database_url)
    try:
        with raw.begin() as connection:
            connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            )
            connection.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
        with pytest.raises(StorageError, match="newer") as caught:
            open_database(database_url)
        assert "9999" in str(caught.value)
        assert table_names(raw) == {"alembic_version"}
        assert version_rows(raw) == ["9999"]
    finally:
        raw.dispose()


# --- unusable URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("nonsense", id="not-a-url"),
        pytest.param("", id="empty"),
        pytest.param("nosuchdialect://host/db", id="unknown-dialect"),
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/none", id="nothing-listening"),
    ],
)
def test_unusable_url_is_a_one_line_storage_error(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        open_database(url)
    message = str(caught.value)
    assert message
    assert "\n" not in message


def test_sqlite_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 10)
    with pytest.raises(StorageError) as caught:
        open_database(f"sqlite:///{path}")
    assert "\n" not in str(caught.value)
    assert path.read_text().startswith("these are my notes")


def test_sqlite_path_below_a_file_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StorageError, match="folder") as caught:
        open_database(f"sqlite:///{tmp_path / 'afile' / 'credstack.db'}")
    assert "\n" not in str(caught.value)
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://user@127.0.0.1:notaport/db",
        "postgresql+psycopg://user@[::1/db",
    ],
)
def test_url_with_a_malformed_port_is_a_storage_error(url: str) -> None:
    with pytest.raises(StorageError):
        open_database(url)


def test_connection_failure_message_hides_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        open_database("postgresql+psycopg://user:s3cr3t-pw@127.0.0.1:1/none")
    assert "s3cr3t-pw" not in str(caught.value)


def test_unparsable_url_message_hides_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        open_database("postgresql+psycopg:/user:s3cr3t-pw@db.example/credstack")
    assert "s3cr3t-pw" not in str(caught.value)


# --- SQLite locked by another process --------------------------------------------------------


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'cs.db'}")


def test_write_while_another_process_holds_the_lock_fails_cleanly(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    deps = build_services(sqlite_settings)
    engine: Engine = deps.uow.engine  # type: ignore[attr-defined]
    other = sqlite3.connect(tmp_path / "cs.db", isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(StorageError, match="locked") as caught:
            create_issuer(deps, id="acme", name="Acme", country_code="DE")
        waited = time.monotonic() - started
        other.execute("ROLLBACK")
        assert "\n" not in str(caught.value)
        # It waits for the busy timeout (5 s), so a short lock does not fail; but not forever.
        assert 4.0 <= waited < 7.0
        assert list_issuers(deps) == []
    finally:
        other.close()
        engine.dispose()


def test_write_succeeds_when_the_lock_is_released_within_the_busy_timeout(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    deps = build_services(sqlite_settings)
    engine: Engine = deps.uow.engine  # type: ignore[attr-defined]
    other = sqlite3.connect(tmp_path / "cs.db", isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN EXCLUSIVE")
        release = threading.Timer(0.5, lambda: other.execute("ROLLBACK"))
        release.start()
        create_issuer(deps, id="acme", name="Acme", country_code="DE")
        release.join()
        assert [issuer.id for issuer in list_issuers(deps)] == ["acme"]
    finally:
        other.close()
        engine.dispose()
