"""``credstack issuer ...``: organisations and their signing keys."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from credstack.cli.output import console, print_json, print_table, when
from credstack.cli.state import services
from credstack.domain.issuers import Issuer
from credstack.services import issuers as issuer_services

app = typer.Typer(
    help="Organisations that award micro-credentials, and their keys.\n\n"
    "Example: credstack issuer create --id acme --name 'ACME Academy' --country DE"
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _issuer_json(issuer: Issuer) -> dict[str, object]:
    return {
        "id": issuer.id,
        "name": issuer.name,
        "did": issuer.did,
        "domain": issuer.domain,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "image_url": issuer.image_url,
        "address": dataclasses.asdict(issuer.address),
        "created_at": issuer.created_at.isoformat(),
    }


@app.command("create")
def create(
    ctx: typer.Context,
    id: Annotated[str, typer.Option("--id", help="Short id: lower-case letters, digits, -.")],
    name: Annotated[str, typer.Option(help="The organisation's name as learners see it.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code, e.g. DE.")],
    country_name: Annotated[str | None, typer.Option(help="Country name, e.g. Germany.")] = None,
    region: Annotated[str | None, typer.Option(help="Region or state.")] = None,
    locality: Annotated[str | None, typer.Option(help="City or town.")] = None,
    postal_code: Annotated[str | None, typer.Option(help="Postal code.")] = None,
    street_address: Annotated[str | None, typer.Option(help="Street and number.")] = None,
    url: Annotated[str | None, typer.Option(help="Home page (https://...).")] = None,
    email: Annotated[str | None, typer.Option(help="Contact e-mail address.")] = None,
    description: Annotated[str | None, typer.Option(help="One-paragraph description.")] = None,
    image_url: Annotated[str | None, typer.Option(help="Logo URL.")] = None,
    domain: Annotated[
        str | None, typer.Option(help="Domain for did:web (default: did:key, no domain needed).")
    ] = None,
) -> None:
    """Create an issuer with a fresh signing key.

    Example: credstack issuer create --id acme --name "ACME Academy" --country DE
    """
    issuer = issuer_services.create_issuer(
        services(ctx),
        id=id,
        name=name,
        country_code=country,
        country=country_name,
        region=region,
        locality=locality,
        postal_code=postal_code,
        street_address=street_address,
        url=url,
        email=email,
        description=description,
        image_url=image_url,
        domain=domain,
    )
    console.print(f"created issuer [bold]{issuer.id}[/] ({issuer.did})")


@app.command("list")
def list_(ctx: typer.Context, json: Json = False) -> None:
    """List issuers.

    Example: credstack issuer list --json
    """
    issuers = issuer_services.list_issuers(services(ctx))
    if json:
        print_json([_issuer_json(i) for i in issuers])
        return
    print_table(
        "Issuers",
        ["id", "name", "country", "DID"],
        [(i.id, i.name, i.address.country_code, i.did) for i in issuers],
    )


@app.command("show")
def show(ctx: typer.Context, issuer_id: str, json: Json = False) -> None:
    """Show an issuer and its keys (public halves only).

    Example: credstack issuer show acme
    """
    details = issuer_services.show_issuer(services(ctx), issuer_id)
    keys = [
        {
            "id": k.id,
            "verification_method": k.verification_method,
            "public_key_multibase": k.public_multibase,
            "created_at": k.created_at.isoformat(),
            "retired_at": k.retired_at.isoformat() if k.retired_at else None,
        }
        for k in details.keys
    ]
    if json:
        print_json({**_issuer_json(details.issuer), "keys": keys})
        return
    issuer = details.issuer
    console.print(f"[bold]{issuer.name}[/] ({issuer.id})")
    console.print(f"DID: {issuer.did}")
    console.print(f"country: {issuer.address.country_code}")
    for label, value in (("url", issuer.url), ("email", issuer.email)):
        if value:
            console.print(f"{label}: {value}")
    print_table(
        "Signing keys",
        ["verification method", "created", "retired"],
        [(k.verification_method, when(k.created_at), when(k.retired_at)) for k in details.keys],
    )


@app.command("rotate-key")
def rotate_key(ctx: typer.Context, issuer_id: str) -> None:
    """Make a new signing key; the old one stays published so old credentials verify.

    Example: credstack issuer rotate-key acme
    """
    record = issuer_services.rotate_key(services(ctx), issuer_id)
    console.print(f"new signing key {record.verification_method}")


@app.command("did-document")
def did_document(ctx: typer.Context, issuer_id: str) -> None:
    """Print the did.json to publish for a did:web issuer (every key it ever had).

    Example: credstack issuer did-document acme > .well-known/did.json
    """
    print_json(issuer_services.did_document(services(ctx), issuer_id))
