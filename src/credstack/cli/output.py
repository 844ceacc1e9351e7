"""Printing for the CLI: Rich for people, plain JSON for scripts, one line for errors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["console", "fail", "print_json", "print_table", "when"]

console = Console(highlight=False, soft_wrap=True, emoji=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_json(data: Any) -> None:
    """JSON on stdout, untouched by Rich (no colours, no wrapping), for scripts."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def when(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit: what every bad input gets."""
    errors.print(f"[bold red]error:[/] {_one_line(message)}", markup=True)
    raise typer.Exit(code)


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text.replace("[", "\\[")
