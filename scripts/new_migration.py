"""Write a new Alembic migration for the changes made to ``credstack.storage.rows``.

Usage: .venv/bin/python scripts/new_migration.py "what changed"

It migrates a scratch SQLite database to the current head, lets Alembic compare it with the
rows, and writes the difference as the next revision under
``src/credstack/storage/migrations/versions/``. Read and tidy what it writes: autogenerate
misses renames and data changes. The drift test (tests/integration/test_migrations.py) fails
until the migration matches the rows, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from credstack.storage.database import alembic_config, open_database


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    message = sys.argv[1]
    head = ScriptDirectory.from_config(alembic_config()).get_current_head() or "0000"
    next_id = f"{int(head) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = open_database(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=next_id)
        engine.dispose()


if __name__ == "__main__":
    main()
