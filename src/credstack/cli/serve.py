"""``credstack serve``: the web service (uvicorn), on this installation's database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from credstack.cli.output import console
from credstack.cli.state import services, settings


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the web service: credential pages, downloads, status lists, the VC API verifier.

    Settings come from CREDSTACK_* variables (and the global options); put it behind a TLS
    proxy for the public (README, "Running the web service").

    Example: credstack serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    current = settings(ctx)
    services(ctx)  # the database is created and migrated once, before the workers start
    # the workers build their own services from the environment, as this command did
    os.environ["CREDSTACK_DATA_DIR"] = str(current.data_dir)
    os.environ["CREDSTACK_DATABASE_URL"] = current.resolved_database_url
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    console.print(f"credstack is serving on http://{shown}:{port}/ (API documentation: /docs)")
    uvicorn.run(
        "credstack.web.app:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
