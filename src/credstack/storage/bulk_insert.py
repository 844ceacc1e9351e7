"""Inserting many rows into one table in as few statements as the database allows.

On SQLite, an ``executemany`` runs one step per row, and the driver lets go of the interpreter
lock around each step. A cohort's rows are stored by a writer thread while the main thread
signs (decision 0016), so each step meant waiting for the lock to come back from the signer:
storing a batch of 500 took longer than signing the next one. One multi-row ``INSERT`` is one
step. Values are bound exactly as the Core binds them (each column type's own bind
processor), and the statement fails or succeeds as a whole, like the ``executemany`` it
replaces. Other databases keep the Core's ``executemany`` (psycopg pipelines it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

__all__ = ["insert_rows"]

#: SQLite's bound-parameter limit since 3.32 (999 before); statements are cut to fit.
_MAX_PARAMETERS = 32_766
_OLD_MAX_PARAMETERS = 999


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` in this transaction; every row names the same columns (the first
    row's), the others take their defaults."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark":
        connection.execute(table.insert(), list(rows))
        return
    columns = tuple(rows[0])
    processors = _processors(table, dialect, columns)
    version = dialect.server_version_info or (3, 32)
    limit = _MAX_PARAMETERS if version >= (3, 32) else _OLD_MAX_PARAMETERS
    per_statement = max(1, limit // len(columns))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values: list[Any] = []
        for row in chunk:
            for name, process in zip(columns, processors, strict=True):
                value = row[name]
                values.append(value if process is None else process(value))
        statement = _statement(table, dialect, columns, len(chunk))
        connection.exec_driver_sql(statement, tuple(values))


@functools.lru_cache(maxsize=64)
def _statement(table: Table, dialect: Dialect, columns: tuple[str, ...], count: int) -> str:
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    one = "(" + ", ".join("?" for _ in columns) + ")"
    # names from the table's own metadata, quoted by the dialect; every value is bound
    rows = ", ".join([one] * count)
    return f"INSERT INTO {quote.format_table(table)} ({names}) VALUES {rows}"  # noqa: S608


@functools.lru_cache(maxsize=16)
def _processors(
    table: Table, dialect: Dialect, columns: tuple[str, ...]
) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's bind processor, as the Core applies it (``None``: passed as it is)."""
    return tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )
