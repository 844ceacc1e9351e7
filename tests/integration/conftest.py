"""Databases for storage tests: every test runs on SQLite, and on PostgreSQL too when
``CREDSTACK_TEST_DATABASE_URL`` names a server (``.ci/run`` sets it; see DEVELOPERS.md).

Each test gets an empty database of its own: a file for SQLite, a fresh schema for
PostgreSQL (dropped afterwards), so tests can commit as the real services do.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from credstack.services.deps import ServiceDeps
from credstack.settings import Settings
from tests.fakes import FixedClock

POSTGRES_URL = os.environ.get("CREDSTACK_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_schema_url(schema: str) -> str:
    assert POSTGRES_URL is not None
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'credstack.db'}"
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set CREDSTACK_TEST_DATABASE_URL (see .ci/run)")
        pytest.skip("CREDSTACK_TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    schema = f"cs_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once for the session: each test's starts as a copy of it
    (migrating from empty costs a quarter of a second a test; tests/integration/
    test_migrations.py still migrates from empty)."""
    from credstack.storage.database import open_database

    path = tmp_path_factory.mktemp("migrated") / "credstack.db"
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, _migrated_sqlite: Path) -> Settings:
    """Settings for an installation in ``tmp_path`` on the test database (on SQLite, a copy
    of the migrated one: what opening it would have made)."""
    prefix = "sqlite:///"
    target = Path(database_url.removeprefix(prefix))
    if database_url.startswith(prefix) and not target.exists():
        with (
            closing(sqlite3.connect(_migrated_sqlite)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def deps(settings: Settings, clock: FixedClock) -> Iterator[ServiceDeps]:
    from credstack.bootstrap import build_services

    services = build_services(settings, clock=clock)
    yield services
    engine = getattr(services.uow, "engine", None)
    if engine is not None:
        engine.dispose()
