"""``credstack pathway ...``: stackable pathways, kept as YAML files like definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credstack.cli.output import console, fail, print_table
from credstack.cli.state import services
from credstack.domain.errors import InvalidInputError
from credstack.domain.pathways import ComponentLossPolicy
from credstack.services.pathway_files import parse_pathway, pathway_yaml
from credstack.services.pathways import (
    list_pathways,
    reevaluate_pathway,
    save_pathway,
    show_pathway,
)

app = typer.Typer(
    help="Pathways: credentials stacked toward a target credential (docs/pathways.md).\n\n"
    "Example: credstack pathway save data-certificate.yaml --issuer acme"
)

Issuer = Annotated[str, typer.Option(help="The organisation's id.")]


@app.command("save")
def save(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A YAML pathway (see docs/pathways.md).")],
    issuer: Issuer,
    loss_policy: Annotated[
        ComponentLossPolicy | None,
        typer.Option(help="When a component is revoked later: keep, flag or revoke."),
    ] = None,
) -> None:
    """Save a pathway: its first version, or a new one when it changed (learners keep theirs).

    Example: credstack pathway save data-certificate.yaml --issuer acme --loss-policy flag
    """
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file}: {getattr(error, 'strerror', None) or 'not UTF-8 text'}")
    try:
        spec = parse_pathway(text)
    except InvalidInputError as error:
        fail(f"{file}: {str(error).removeprefix('body: ').removeprefix('body:')}")
    stored, created = save_pathway(
        services(ctx), issuer, spec, actor="cli", loss_policy=loss_policy
    )
    said = "saved as" if created else "unchanged:"
    console.print(f"{stored.id} {said} version {stored.version} (loss policy {stored.loss_policy})")


@app.command("list")
def list_(ctx: typer.Context, issuer: Issuer) -> None:
    """The organisation's pathways, newest versions.

    Example: credstack pathway list --issuer acme
    """
    rows = [
        [p.id, str(p.version), p.spec.target, p.loss_policy.value, p.spec.name]
        for p in list_pathways(services(ctx), issuer)
    ]
    print_table(f"Pathways of {issuer}", ["id", "version", "target", "loss policy", "name"], rows)


@app.command("export")
def export(
    ctx: typer.Context,
    pathway_id: Annotated[str, typer.Argument(help="The pathway's id.")],
    issuer: Issuer,
    version: Annotated[int | None, typer.Option(min=1, help="A version (default: newest).")] = None,
) -> None:
    """A pathway as YAML (what `pathway save` reads back equal).

    Example: credstack pathway export data-certificate --issuer acme > data-certificate.yaml
    """
    stored = show_pathway(services(ctx), issuer, pathway_id, version)
    typer.echo(pathway_yaml(stored.spec), nl=False)


@app.command("reevaluate")
def reevaluate(
    ctx: typer.Context,
    pathway_id: Annotated[str, typer.Argument(help="The pathway's id.")],
    issuer: Issuer,
) -> None:
    """Look at every learner on the pathway again (the complete get the target credential).

    Example: credstack pathway reevaluate data-certificate --issuer acme
    """
    looked_at = reevaluate_pathway(services(ctx), issuer, pathway_id)
    console.print(f"looked at {looked_at} learner{'' if looked_at == 1 else 's'}")
