"""SQLAlchemy storage: rows, repositories, the unit of work and Alembic migrations."""
