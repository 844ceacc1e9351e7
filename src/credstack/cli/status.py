"""``credstack status ...``: publishing the status lists verifiers read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credstack.cli.output import console
from credstack.cli.state import services
from credstack.services.status import export_status_lists, refresh_status_lists

app = typer.Typer(
    help="Status lists (W3C Bitstring Status List) for revocation and suspension.\n\n"
    "Example: credstack status export ./public"
)


@app.command("export")
def export(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Root folder of a static web site.")],
) -> None:
    """Write every status list where a web server rooted at FOLDER serves it at the URL
    the credentials name (under CREDSTACK_BASE_URL). Run it after revoking, and more often
    than the lists' validity (CREDSTACK_STATUS_LIST_TTL_HOURS, 48 by default).

    Example: credstack status export ./public
    """
    written = export_status_lists(services(ctx), folder)
    console.print(f"wrote {len(written)} status list files under {folder}")


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Re-sign every list.")] = False,
) -> None:
    """Re-sign lists whose validity is running out (status export does this too).

    Example: credstack status refresh
    """
    count = refresh_status_lists(services(ctx), force=force)
    console.print(f"re-signed {count} status lists")
