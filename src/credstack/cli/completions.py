"""``credstack integrations ...`` and ``credstack completions import``: the systems that
report learners' completions, and a CSV of completions imported into an offering."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from credstack.cli.output import console, errors, fail, print_table, when
from credstack.cli.state import services
from credstack.domain.completions import CompletionRejectedError
from credstack.services.completion_csv import import_completions
from credstack.services.integrations import (
    list_integrations,
    register_integration,
    rotate_integration_secret,
)

integrations_app = typer.Typer(
    help="Integrations: the systems (an LMS) that may report learners' completions."
    "\n\nExample: credstack integrations create --issuer acme moodle"
)
completions_app = typer.Typer(
    help="Completions reported by other systems."
    "\n\nExample: credstack completions import --issuer acme --offering ID done.csv"
)

Issuer = Annotated[str, typer.Option(help="The organisation.")]
Name = Annotated[str, typer.Argument(help="The system's name, as requirements name it: moodle.")]
#: files longer than this get a progress bar
_BAR_FROM_ROWS = 1000


def _actor() -> str:
    """Who is acting, for the log: the login name (the CLI has no credstack user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@integrations_app.command("create")
def integrations_create(ctx: typer.Context, name: Name, issuer: Issuer) -> None:
    """Register a system; its secret is printed once (the last line), keep it safe.

    Example: credstack integrations create --issuer acme moodle
    """
    integration, secret = register_integration(services(ctx), issuer, name, actor=_actor())
    console.print(f"integration {integration.name} of {integration.issuer_id}: secret (shown once)")
    console.print(secret, markup=False)


@integrations_app.command("list")
def integrations_list(ctx: typer.Context, issuer: Issuer) -> None:
    """List the organisation's integrations (no secrets).

    Example: credstack integrations list --issuer acme
    """
    rows = [
        (
            i.name,
            "active" if i.active else f"disabled {when(i.disabled_at)}",
            when(i.created_at),
            when(i.rotated_at),
        )
        for i in list_integrations(services(ctx), issuer)
    ]
    print_table("Integrations", ["name", "state", "created", "secret rotated"], rows)


@integrations_app.command("rotate")
def integrations_rotate(
    ctx: typer.Context,
    name: Name,
    issuer: Issuer,
    keep_previous: Annotated[
        int, typer.Option(min=0, max=24, help="Hours the old secret keeps signing (default 0).")
    ] = 0,
) -> None:
    """Make a new secret (printed once, the last line); the old one stops signing at once
    unless --keep-previous gives it some hours.

    Example: credstack integrations rotate --issuer acme moodle --keep-previous 1
    """
    _, secret = rotate_integration_secret(
        services(ctx),
        issuer,
        name,
        actor=_actor(),
        keep_previous=dt.timedelta(hours=keep_previous),
    )
    console.print(f"new secret of {name} (shown once)")
    console.print(secret, markup=False)


@completions_app.command("import")
def completions_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: learner, requirement_id, external_id, ...")],
    issuer: Issuer,
    offering: Annotated[str, typer.Option(help="The offering's id.")],
) -> None:
    """Import a CSV of completions into an offering: every row is checked first, and one bad
    row writes nothing (the error names its line and column).

    Columns: learner, requirement_id, external_id (required), completed_at, score, grade, url.

    Example: credstack completions import --issuer acme --offering ID done.csv
    """
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}")
    total = max(text.count("\n") - 1, 0)
    with Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=total < _BAR_FROM_ROWS,
    ) as progress:
        task = progress.add_task("check", total=total)
        try:
            summary = import_completions(
                services(ctx),
                issuer,
                offering,
                text,
                reported_by=f"csv:{_actor()}",
                progress=lambda done: progress.update(task, completed=done),
            )
        except CompletionRejectedError as error:
            progress.stop()
            fail(f"{file}: {error}")
    console.print(
        f"recorded {summary.recorded}, already recorded {summary.already_recorded}, "
        f"credentials issued {summary.credentials_issued}"
    )
