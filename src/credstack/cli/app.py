"""The ``credstack`` command: global options, the command tree, and error handling.

Every failure a user can cause ends as one line on stderr and a non-zero exit status, never
a traceback: credstack's own errors carry a message written for people; the few library
errors that can escape are named here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from credstack.cli import (
    accounts,
    achievements,
    award_jobs,
    awards,
    completions,
    demo,
    issuers,
    pathways,
    serve,
    status,
    verify,
    webhooks,
)
from credstack.cli.output import console, fail
from credstack.cli.state import CliState, settings
from credstack.domain.errors import CredstackError
from credstack.settings import CONFIG_VARIABLE
from credstack.vc.errors import VCError

app = typer.Typer(
    name="credstack",
    help="Define micro-credentials, award them as Open Badges 3.0, and verify them.\n\n"
    "Example: credstack demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(issuers.app, name="issuer")
app.add_typer(achievements.app, name="achievement")
app.add_typer(awards.credential_app, name="credential")
app.add_typer(status.app, name="status")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(award_jobs.app, name="award-job")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(pathways.app, name="pathway")
app.add_typer(completions.integrations_app, name="integrations")
app.add_typer(completions.completions_app, name="completions")
app.command("award")(awards.award)
app.command("verify")(verify.verify)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data folder (default: the user's data directory; CREDSTACK_DATA_DIR)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL (default: SQLite in the data folder; CREDSTACK_DATABASE_URL)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="A settings file of CREDSTACK_NAME=value lines (CREDSTACK_CONFIG); the "
            "environment wins over it.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """credstack: micro-credentials as Open Badges 3.0."""
    if config is not None:  # through the environment, so that server workers read it too
        os.environ[CONFIG_VARIABLE] = str(config.absolute())
    ctx.obj = CliState(data_dir=data_dir, database_url=database_url)


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database and key-encryption key (every command also does this on first use).

    Example: credstack init
    """
    from credstack.cli.state import services

    services(ctx)
    current = settings(ctx)
    console.print(f"database: {current.resolved_database_url}")
    if current.key_encryption_key is None:
        console.print(f"key-encryption key: {current.resolved_key_file} (keep it safe, back it up)")
    else:
        console.print("key-encryption key: from CREDSTACK_KEY_ENCRYPTION_KEY")


def main() -> None:
    """Entry point: run the app, turning expected errors into one line and exit status 1."""
    try:
        app(standalone_mode=True)
    except CredstackError as error:
        _fail(str(error))
    except VCError as error:
        _fail(str(error))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        if error.title == "Settings" and where:  # name it as it is set
            where = f"CREDSTACK_{where.upper()}"
        _fail(f"{where}: {first['msg']}" if where else str(first["msg"]))


def _fail(message: str) -> None:
    try:
        fail(message)
    except typer.Exit as exit_:
        raise SystemExit(exit_.exit_code) from None
