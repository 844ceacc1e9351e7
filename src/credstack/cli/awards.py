"""``credstack award`` and ``credstack credential ...``: issuing and handing out credentials."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from credstack.cli.output import console, errors, fail, print_json, print_table, when
from credstack.cli.state import services
from credstack.domain.awards import Award, AwardRequest, Recipient
from credstack.domain.status import StatusAction
from credstack.services import awards as award_services
from credstack.services.award_csv import CsvFormatError, award_requests, read_award_rows
from credstack.services.bulk_awards import issue_awards
from credstack.services.exports import ExportFormat, export_credential
from credstack.services.status import change_status

credential_app = typer.Typer(
    help="Issued credentials: list, show, export.\n\n"
    "Example: credstack credential export 0f8e... --format png -o badge.png"
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
#: Cohorts this large are signed by worker processes, one per core but one (``--workers 0``).
PARALLEL_FROM_ROWS = 5_000


def _parse_until(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--valid-until: '{value}' is not an ISO 8601 date or date-time")
    if len(value) == 10:  # a date: valid to the end of that day
        return moment.replace(hour=23, minute=59, second=59, tzinfo=dt.UTC)
    if moment.tzinfo is None:
        fail(f"--valid-until: '{value}' needs a time zone (e.g. Z or +02:00)")
    return moment


def award(
    ctx: typer.Context,
    achievement: Annotated[str, typer.Option(help="The achievement id to award.")],
    to: Annotated[str | None, typer.Option(help="One learner: e-mail address or DID.")] = None,
    csv: Annotated[
        Path | None, typer.Option(help="A cohort: CSV with an email or did column.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Learner's name (with --to).")] = None,
    narrative: Annotated[str | None, typer.Option(help="How it was earned (with --to).")] = None,
    evidence_url: Annotated[str | None, typer.Option(help="Link to evidence (with --to).")] = None,
    result: Annotated[str | None, typer.Option(help="Grade or score (with --to).")] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="Expiry: 2027-12-31 or 2027-12-31T12:00:00Z (with --to).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Processes that sign (with --csv); 0: one per core but one, for large files"
            " on three cores or more.",
        ),
    ] = 0,
) -> None:
    """Award an achievement to one learner (--to) or to a cohort from a CSV file (--csv).

    CSV header: email or did, and optionally name, narrative, evidence_url, result,
    valid_until, id. Running the same file again issues nothing new.

    \b
    Examples:
      credstack award --achievement data-analysis --to ada@example.org
      credstack award --achievement data-analysis --csv cohort.csv
    """
    if (to is None) == (csv is None):
        fail("give exactly one of --to EMAIL|DID or --csv FILE")
    if csv is not None:
        _award_csv(ctx, achievement, csv, workers)
        return
    assert to is not None
    request = AwardRequest(
        achievement_id=achievement,
        recipient=Recipient.parse(to, name),
        narrative=narrative,
        evidence_url=evidence_url,
        result=result,
        valid_until=_parse_until(valid_until),
    )
    issued = award_services.issue_award(services(ctx), request)
    console.print(f"issued credential {issued.id} to {issued.recipient.identifier}")
    console.print(f"export it: credstack credential export {issued.id} --format png")


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(
            sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
        )


def workers_for(rows: int, asked: int) -> int:
    """Starting worker processes takes about a second; it pays from a few thousand rows, and
    only with a core to spare: this process reads the file and stores every batch (about a
    third of a core at 5,000 rows a second), so it keeps one core and the workers get the
    rest. On two cores, two workers signed no faster than this process alone (decision 0016).
    """
    if asked:
        return asked
    cores = os.cpu_count() or 1
    return cores - 1 if rows >= PARALLEL_FROM_ROWS and cores >= 3 else 1


def _award_csv(ctx: typer.Context, achievement: str, path: Path, workers: int) -> None:
    try:
        total = _count_rows(path)
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    counts = {"issued": 0, "skipped": 0, "failed": 0}
    failures: list[tuple[int, str]] = []
    with (
        handle,
        Progress(
            TextColumn("awarding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=errors,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("award", total=total)
        try:
            rows = award_requests(achievement, read_award_rows(handle))
            outcomes = issue_awards(
                services(ctx), achievement, rows, workers=workers_for(total, workers)
            )
            for outcome in outcomes:
                counts[outcome.status] += 1
                if outcome.status == "failed":
                    failures.append((outcome.line, outcome.message))
                progress.advance(task)
        except CsvFormatError as error:
            progress.stop()
            _summary(counts)
            fail(f"{path}: {error}")
    for line, message in sorted(failures):
        errors.print(f"{path}:{line}: {message}", markup=False)
    _summary(counts)
    if counts["failed"]:
        raise typer.Exit(1)


def _summary(counts: dict[str, int]) -> None:
    console.print(
        f"issued {counts['issued']}, skipped {counts['skipped']} (already issued), "
        f"failed {counts['failed']}"
    )


def _award_json(item: Award) -> dict[str, object]:
    return {
        "id": item.id,
        "credential_id": item.credential_id,
        "issuer": item.issuer_id,
        "achievement": item.achievement_id,
        "achievement_version": item.achievement_version,
        "recipient": item.recipient.identifier,
        "recipient_name": item.recipient.name,
        "issued_at": item.issued_at.isoformat(),
        "valid_until": item.valid_until.isoformat() if item.valid_until else None,
        "status": "revoked"
        if item.state.revoked
        else "suspended"
        if item.state.suspended
        else "active",
        "revoked_at": item.state.revoked_at.isoformat() if item.state.revoked_at else None,
        "revocation_reason": item.state.revocation_reason,
        "suspended_at": item.state.suspended_at.isoformat() if item.state.suspended_at else None,
        "suspension_reason": item.state.suspension_reason,
        "renewed_from": item.renewed_from,
    }


@credential_app.command("list")
def list_(
    ctx: typer.Context,
    achievement: Annotated[str | None, typer.Option(help="Only this achievement.")] = None,
    issuer: Annotated[str | None, typer.Option(help="Only this issuer.")] = None,
    json: Json = False,
) -> None:
    """List issued credentials.

    Example: credstack credential list --achievement data-analysis --json
    """
    items = award_services.list_awards(services(ctx), issuer_id=issuer, achievement_id=achievement)
    if json:
        print_json([_award_json(i) for i in items])
        return
    print_table(
        "Credentials",
        ["id", "achievement", "version", "recipient", "issued"],
        [
            (
                i.id,
                i.achievement_id,
                i.achievement_version,
                i.recipient.identifier,
                when(i.issued_at),
            )
            for i in items
        ],
    )


@credential_app.command("show")
def show(ctx: typer.Context, credential_id: str, json: Json = False) -> None:
    """Show a credential: who got what, and the signed document.

    Example: credstack credential show 0f8e...
    """
    item = award_services.show_award(services(ctx), credential_id)
    if json:
        print_json({**_award_json(item), "credential": award_services.credential_json(item)})
        return
    console.print(f"[bold]{item.id}[/]: {item.achievement_id} v{item.achievement_version}")
    console.print(f"to {item.recipient.identifier}, issued {when(item.issued_at)}")
    if item.valid_until:
        console.print(f"valid until {when(item.valid_until)}")
    state = item.state
    if state.revoked_at:
        console.print(f"revoked {when(state.revoked_at)}: {state.revocation_reason}")
    elif state.suspended_at:
        console.print(f"suspended {when(state.suspended_at)}: {state.suspension_reason}")
    if item.renewed_from:
        console.print(f"renews {item.renewed_from}")
    typer.echo(item.credential)


@credential_app.command("export")
def export(
    ctx: typer.Context,
    credential_id: str,
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="json, jwt, png or svg.")
    ] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write ('-' for stdout).")
    ] = None,
) -> None:
    """Export a credential as JSON, VC-JWT, or a baked PNG/SVG badge.

    Example: credstack credential export 0f8e... --format png -o badge.png
    """
    exported = export_credential(services(ctx), credential_id, format)
    if output is not None and str(output) == "-":
        typer.get_binary_stream("stdout").write(exported.content)
        return
    target = output or Path(f"{credential_id}{exported.suffix}")
    try:
        target.write_bytes(exported.content)
    except OSError as error:
        fail(f"cannot write {target}: {error.strerror}")
    console.print(f"wrote {target}")


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


Reason = Annotated[str, typer.Option(help="Why (kept in the audit log; shown to verifiers).")]
Actor = Annotated[
    str | None, typer.Option(help="Who is acting (default: your login name), for the audit log.")
]


@credential_app.command("revoke")
def revoke(ctx: typer.Context, credential_id: str, reason: Reason, actor: Actor = None) -> None:
    """Revoke a credential for good: its bit is set in the issuer's revocation list.

    Example: credstack credential revoke 0f8e... --reason "issued in error"
    """
    item = change_status(
        services(ctx), credential_id, StatusAction.REVOKE, reason=reason, actor=_actor(actor)
    )
    console.print(f"revoked {item.id}; publish the lists: credstack status export DIR")


@credential_app.command("suspend")
def suspend(ctx: typer.Context, credential_id: str, reason: Reason, actor: Actor = None) -> None:
    """Suspend a credential until it is unsuspended.

    Example: credstack credential suspend 0f8e... --reason "under review"
    """
    item = change_status(
        services(ctx), credential_id, StatusAction.SUSPEND, reason=reason, actor=_actor(actor)
    )
    console.print(f"suspended {item.id}")


@credential_app.command("unsuspend")
def unsuspend(
    ctx: typer.Context,
    credential_id: str,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    actor: Actor = None,
) -> None:
    """Lift a suspension.

    Example: credstack credential unsuspend 0f8e... --reason "review closed"
    """
    item = change_status(
        services(ctx), credential_id, StatusAction.UNSUSPEND, reason=reason, actor=_actor(actor)
    )
    console.print(f"unsuspended {item.id}")


@credential_app.command("renew")
def renew(
    ctx: typer.Context,
    credential_id: str,
    valid_until: Annotated[
        str | None,
        typer.Option(help="New expiry: 2028-12-31 (default: the definition's validity period)."),
    ] = None,
    actor: Actor = None,
) -> None:
    """Issue a successor with a new validity, linked to the old credential.

    Example: credstack credential renew 0f8e... --valid-until 2028-12-31
    """
    item = award_services.renew_award(
        services(ctx), credential_id, valid_until=_parse_until(valid_until), actor=_actor(actor)
    )
    console.print(f"renewed as {item.id} (valid until {when(item.valid_until)})")
