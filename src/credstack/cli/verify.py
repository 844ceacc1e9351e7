"""``credstack verify``: check a credential file the way any verifier would."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from credstack.adapters.http_fetcher import HttpFetcher
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
    offline: Annotated[
        bool, typer.Option("--offline", help="Fetch nothing (did:web keys stay unconfirmed).")
    ] = False,
) -> None:
    """Verify a credential: signature, the issuer's key, data model, dates.

    did:key issuers are checked offline; a did:web or HTTPS issuer's document is fetched over
    HTTPS (not with --offline). Exit status 0 only when it verifies and its key is confirmed
    as the issuer's.

    Example: credstack verify badge.png
    """
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            fail(f"cannot read {path}: {error.strerror}")
    fetcher = None if offline else HttpFetcher()
    report = verify_credential(data, now=dt.datetime.now(dt.UTC), fetcher=fetcher)
    unconfirmed = [
        c for c in report.checks if c.name == "key authorised" and c.outcome is not Outcome.PASSED
    ]
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
        if unconfirmed and report.verdict is not Verdict.INVALID:
            console.print("not verified: the signing key is not confirmed as the issuer's")
    if report.verdict is Verdict.INVALID or unconfirmed:
        raise typer.Exit(1)
