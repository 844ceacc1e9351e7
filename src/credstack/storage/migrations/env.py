"""Alembic environment: runs migrations on the engine credstack hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from credstack.storage.rows import Base

config = context.config
engine: Engine | None = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when run through the alembic command line
    from sqlalchemy import create_engine

    from credstack.settings import Settings

    engine = create_engine(Settings().resolved_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
