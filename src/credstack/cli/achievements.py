"""``credstack achievement ...``: micro-credential definitions, kept as YAML files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from credstack.cli.output import console, fail, print_json, print_table, when
from credstack.cli.state import services
from credstack.domain.achievements import AchievementVersion
from credstack.services import achievements as achievement_services
from credstack.services.achievement_files import dump_definition, parse_definition

app = typer.Typer(
    help="Micro-credential definitions (OB 3.0 Achievements), drafts and versions.\n\n"
    "Example: credstack achievement create data-analysis.yaml --issuer acme --publish"
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _version_json(version: AchievementVersion) -> dict[str, object]:
    return {
        "id": version.achievement_id,
        "issuer": version.issuer_id,
        "version": version.version,
        "status": version.status.value,
        "created_at": version.created_at.isoformat(),
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "definition": version.spec.model_dump(mode="json", exclude_none=True),
    }


def read_definition(path: Path, issuer: str | None) -> tuple[str, object]:
    """The issuer id and spec in a YAML file; images it names are read beside it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {getattr(error, 'strerror', None) or 'not UTF-8 text'}")
    file_issuer, spec = parse_definition(
        text, source=str(path), read_image=lambda name: (path.parent / name).read_bytes()
    )
    issuer_id = issuer or file_issuer
    if issuer_id is None:
        fail(f"{path}: name the issuer with 'issuer:' in the file or --issuer")
    return issuer_id, spec


@app.command("create")
def create(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A YAML definition (see docs/achievement-definitions.md).")
    ],
    issuer: Annotated[
        str | None, typer.Option(help="Issuer id (overrides 'issuer:' in the file).")
    ] = None,
    publish: Annotated[bool, typer.Option("--publish", help="Publish it right away.")] = False,
) -> None:
    """Create a definition from YAML, or update it (a published one gets a new draft version).

    Example: credstack achievement create data-analysis.yaml --publish
    """
    issuer_id, spec = read_definition(file, issuer)
    deps = services(ctx)
    version = achievement_services.save_achievement(deps, issuer_id, spec)  # type: ignore[arg-type]
    console.print(f"{version.achievement_id} version {version.version}: {version.status.value}")
    if publish and version.status.value == "draft":
        version = achievement_services.publish_achievement(deps, version.achievement_id)
        console.print(f"published {version.achievement_id} version {version.version}")


@app.command("list")
def list_(
    ctx: typer.Context,
    issuer: Annotated[str | None, typer.Option(help="Only this issuer's definitions.")] = None,
    json: Json = False,
) -> None:
    """List definitions (newest version of each).

    Example: credstack achievement list --issuer acme
    """
    versions = achievement_services.list_achievements(services(ctx), issuer)
    if json:
        print_json([_version_json(v) for v in versions])
        return
    print_table(
        "Achievements",
        ["id", "issuer", "name", "version", "status"],
        [(v.achievement_id, v.issuer_id, v.spec.name, v.version, v.status.value) for v in versions],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    achievement_id: str,
    version: Annotated[int | None, typer.Option(help="A version number (default: newest).")] = None,
    json: Json = False,
) -> None:
    """Show a definition.

    Example: credstack achievement show data-analysis --version 1
    """
    found = achievement_services.show_achievement(services(ctx), achievement_id, version)
    if json:
        print_json(_version_json(found))
        return
    spec = found.spec
    console.print(f"[bold]{spec.name}[/] ({found.achievement_id}, issuer {found.issuer_id})")
    console.print(f"version {found.version}, {found.status.value} {when(found.published_at)}")
    console.print(spec.description)
    console.print(f"criteria: {spec.criteria}")
    if spec.micro_credential:
        mc = spec.micro_credential
        workload = ", ".join(
            part
            for part in (
                f"{mc.workload_hours:g} h" if mc.workload_hours else "",
                f"{mc.ects:g} ECTS" if mc.ects is not None else "",
            )
            if part
        )
        console.print(f"workload: {workload}; EQF level: {mc.eqf_level or '-'}")
        console.print(f"assessment: {mc.assessment_type}; participation: {mc.participation_form}")
        for outcome in mc.learning_outcomes:
            console.print(f"  - {outcome}")


@app.command("publish")
def publish(ctx: typer.Context, achievement_id: str) -> None:
    """Publish the newest draft so it can be awarded.

    Example: credstack achievement publish data-analysis
    """
    version = achievement_services.publish_achievement(services(ctx), achievement_id)
    console.print(f"published {version.achievement_id} version {version.version}")


@app.command("export")
def export(
    ctx: typer.Context,
    achievement_id: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    version: Annotated[int | None, typer.Option(help="A version number (default: newest).")] = None,
) -> None:
    """Write a definition as YAML (for version control; `create` reads it back).

    Example: credstack achievement export data-analysis -o data-analysis.yaml
    """
    found = achievement_services.show_achievement(services(ctx), achievement_id, version)
    text = dump_definition(found.spec, found.issuer_id)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    console.print(f"wrote {output}")


@app.command("template")
def template() -> None:
    """Print an example definition with every field, to start a new one from.

    Example: credstack achievement template > my-course.yaml
    """
    example = resources.files("credstack.cli").joinpath("demo_data/data-analysis.yaml")
    typer.echo(example.read_text("utf-8"), nl=False)
