"""``credstack award-job ...``: the bulk award jobs submitted through the issuer API."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer

from credstack.cli.output import console, print_json, print_table, when
from credstack.cli.state import services
from credstack.domain.award_jobs import AwardJob, ReportLine
from credstack.services.award_jobs import list_jobs, report_lines, show_job

app = typer.Typer(
    help="Bulk award jobs of the issuer API (POST .../award-jobs): list, show, report.\n\n"
    "Example: credstack award-job list --issuer demo-academy",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _job_json(job: AwardJob) -> dict[str, object]:
    return {
        "id": job.id,
        "issuer": job.issuer_id,
        "status": job.status.value,
        "achievement": job.achievement_id,
        "submitted_by": job.submitted_by,
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "issued": job.issued,
        "already_issued": job.already_issued,
        "errors": job.errors,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "message": job.message,
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The organisation (issuer id).")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    json: Json = False,
) -> None:
    """List an organisation's award jobs, newest first.

    Example: credstack award-job list --issuer demo-academy --json
    """
    _, jobs = list_jobs(services(ctx), issuer, limit=limit)
    if json:
        print_json([_job_json(job) for job in jobs])
        return
    print_table(
        "Award jobs",
        ["id", "status", "achievement", "done", "issued", "already", "errors", "created"],
        [
            (j.id, j.status.value, j.achievement_id or "(JSON)", f"{j.done}/{j.total}", j.issued,
             j.already_issued, j.errors, when(j.created_at))
            for j in jobs
        ],
    )  # fmt: skip


@app.command("show")
def show(ctx: typer.Context, job_id: str, json: Json = False) -> None:
    """Show an award job: status, counts, progress.

    Example: credstack award-job show 0f8e...
    """
    job = show_job(services(ctx), None, job_id)
    if json:
        print_json(_job_json(job))
        return
    console.print(f"[bold]{job.id}[/] ({job.issuer_id}): {job.status.value}, {job.percent}%")
    console.print(
        f"{job.done} of {job.total} rows: issued {job.issued}, already issued "
        f"{job.already_issued}, errors {job.errors}"
    )
    if job.message:
        console.print(job.message, markup=False)


def _line_cells(line: ReportLine) -> list[str]:
    return [str(line.row), line.source_id or "", line.outcome.value, line.award_id or "",
            line.message or ""]  # fmt: skip


@app.command("report")
def report(ctx: typer.Context, job_id: str) -> None:
    """Print an award job's report as CSV: one line per input row.

    Example: credstack award-job report 0f8e... > report.csv
    """
    lines = report_lines(services(ctx), None, job_id)
    writer = csv.writer(sys.stdout)
    writer.writerow(["row", "id", "outcome", "award_id", "message"])
    for line in lines:
        writer.writerow(_line_cells(line))
