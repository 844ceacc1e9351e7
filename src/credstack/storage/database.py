"""Opening a database: engine, migrations on first use, and errors a person can act on.

Every open brings the schema to the newest migration (Alembic), so an embedded installation
needs no separate set-up step; a database written by a *newer* credstack is refused rather
than touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from credstack.domain.errors import InvalidInputError, StorageError

__all__ = [
    "alembic_config",
    "head_revision",
    "open_database",
    "refused_data",
    "storage_errors",
    "upgrade",
]


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configured from package data (no ``alembic.ini`` needed)."""
    config = Config()
    location = resources.files("credstack.storage").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_pragmas(dbapi_connection: Any, _: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Wait a little for another writer before "database is locked"; WAL lets readers go on.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and pragmas are set."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # The URL itself is not repeated: it may hold a password.
        raise StorageError(
            "the database URL is not valid (expected e.g. sqlite:///path/credstack.db or "
            "postgresql+psycopg://user@host/db)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StorageError(
                    f"cannot create the database folder {folder}: {error.strerror}"
                ) from None
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, ImportError) as error:
        raise StorageError(f"cannot use database URL {parsed!r}: {error}") from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; refuse a database from a newer credstack."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    if current is not None and not _known(script, current):
        raise StorageError(
            f"the database is at migration {current}, newer than this credstack knows "
            f"(newest here: {head_revision()}); upgrade credstack"
        )
    if current != script.get_current_head():
        command.upgrade(alembic_config(engine), "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:  # Alembic raises for a revision it has never heard of
        return False


def open_database(url: str) -> Engine:
    """An engine on a migrated database (created on first use)."""
    engine = create_database_engine(url)
    with storage_errors(engine):
        upgrade(engine)
    return engine


@contextlib.contextmanager
def storage_errors(engine: Engine | None = None) -> Iterator[None]:
    """Turn driver errors into one-line ``StorageError``s that say what to do."""
    where = "" if engine is None else f" ({engine.url.render_as_string(hide_password=True)})"
    try:
        yield
    except OperationalError as error:
        text = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if "locked" in text:
            raise StorageError(
                f"the database is locked by another process{where}; try again"
            ) from None
        raise StorageError(f"the database cannot be used{where}: {text}") from None
    except StorageError:
        raise
    except DataError as error:
        raise refused_data(error) from None
    except SQLAlchemyError as error:
        if type(error).__name__ in {"IntegrityError"}:
            raise
        raise StorageError(f"database error{where}: {error.__class__.__name__}") from None


def refused_data(error: DataError) -> Exception:
    """A value the database cannot hold, as the caller's bad input: PostgreSQL refuses the NUL
    character (U+0000) anywhere in text, even in a look-up, where SQLite keeps it."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig else "a value"
    if "NUL" in detail or "0x00" in detail:
        return InvalidInputError("text cannot contain the NUL character (U+0000)")
    return InvalidInputError(f"the database refused a value: {detail}")
