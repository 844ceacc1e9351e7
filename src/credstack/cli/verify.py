"""``credstack verify``: check a credential file the way any verifier would."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from credstack.cli.output import console, fail, print_json
from credstack.vc import Outcome, Verdict
from credstack.vc import verify as verify_credential

_STYLE = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
    Outcome.WARNING: "yellow",
    Outcome.NOT_CHECKED: "dim",
}


def verify(
    path: Annotated[str, typer.Argument(help="JSON, JWT, PNG or SVG file, or - for stdin.")],
    json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify a credential offline: signature, issuer key, data model, dates.

    Exit status 0 only when it verifies.

    Example: credstack verify badge.png
    """
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            fail(f"cannot read {path}: {error.strerror}")
    report = verify_credential(data, now=dt.datetime.now(dt.UTC))
    if json:
        print_json(report.to_dict())
    else:
        for check in report.checks:
            style = _STYLE.get(check.outcome, "")
            console.print(
                f"[{style}]{check.outcome.value:>11}[/]  {check.name}: {escape(check.message)}",
                markup=True,
            )
        colour = {"valid": "green", "invalid": "red"}.get(report.verdict.value, "yellow")
        console.print(f"[bold {colour}]{report.verdict.value}[/]")
    if report.verdict is Verdict.INVALID:
        raise typer.Exit(1)
