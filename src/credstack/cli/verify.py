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
from credstack.cli.state import services, settings
from credstack.services.status_checking import LocalStatusChecker
from credstack.vc import Outcome, Verdict
from credstack.vc import verify as verify_credential
from credstack.vc.status_list import CachingStatusChecker
from credstack.vc.verification import StatusChecker

_STYLE = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
    Outcome.WARNING: "yellow",
    Outcome.NOT_CHECKED: "dim",
}


def _status_checker(ctx: typer.Context) -> StatusChecker:
    """Lists of this installation from its database (with dates and reasons); any other list
    fetched, verified and cached. A verify on a machine with no installation opens none."""
    remote = CachingStatusChecker(clock=lambda: dt.datetime.now(dt.UTC))
    current = settings(ctx)
    sqlite_file = current.data_dir / "credstack.db"
    if current.database_url is None and not sqlite_file.exists():
        return remote
    return LocalStatusChecker(services(ctx), remote=remote)


def verify(
    ctx: typer.Context,
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
    report = verify_credential(
        data,
        now=dt.datetime.now(dt.UTC),
        fetcher=fetcher,
        status_checker=_status_checker(ctx),
    )
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
