"""Alembic environment: runs migrations on the engine credstack hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine

from credstack.storage.rows import Base, UtcDateTime

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when run through the alembic command line
    from sqlalchemy import create_engine

    from credstack.settings import Settings

    engine = create_engine(Settings().resolved_database_url)


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write credstack's column types as plain SQLAlchemy types, so that migrations do not
    import the application (they must keep working when rows.py changes)."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    context.run_migrations()
