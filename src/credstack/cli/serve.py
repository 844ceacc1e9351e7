"""``credstack serve``: the web service (uvicorn), on this installation's database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from credstack.cli.output import console
from credstack.cli.state import services, settings
from credstack.domain.errors import InvalidInputError
from credstack.services.deps import DEFAULT_PUBLIC_URL


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    tls_cert: Annotated[
        Path | None,
        typer.Option(help="Serve HTTPS with this certificate chain (PEM).", dir_okay=False),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(help="The private key of --tls-cert (PEM).", dir_okay=False),
    ] = None,
) -> None:
    """Run the web service: credential pages, downloads, status lists, the VC API verifier.

    Settings come from CREDSTACK_* variables (and the global options); put it behind a TLS
    proxy for the public (README, "Running the web service").

    Example: credstack serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    tls = _tls_files(tls_cert, tls_key)
    current = settings(ctx)
    services(ctx)  # the database is created and migrated once, before the workers start
    # the workers build their own services from the environment, as this command did
    os.environ["CREDSTACK_DATA_DIR"] = str(current.data_dir)
    os.environ["CREDSTACK_DATABASE_URL"] = current.resolved_database_url
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    scheme = "https" if tls else "http"
    console.print(f"credstack is serving on {scheme}://{shown}:{port}/ (API documentation: /docs)")
    if current.base_url is None and (port != 8000 or tls):
        console.print(
            f"note: CREDSTACK_BASE_URL is not set, so links in credentials, certificates and "
            f"the OB 3.0 discovery name {DEFAULT_PUBLIC_URL}; set it to this server's address"
        )
    uvicorn.run(
        "credstack.web.app:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )


def _tls_files(cert: Path | None, key: Path | None) -> tuple[str, str] | None:
    """uvicorn's TLS arguments, after checking here what it would report with a traceback."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise InvalidInputError("give both --tls-cert and --tls-key, or neither")
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except FileNotFoundError as error:
        raise InvalidInputError(f"no such file: {error.filename}") from None
    except (ssl.SSLError, ValueError) as error:
        raise InvalidInputError(
            f"--tls-cert {cert} and --tls-key {key} are not a PEM certificate and its key "
            f"({error.args[-1] if error.args else error})"
        ) from None
    return str(cert), str(key)
