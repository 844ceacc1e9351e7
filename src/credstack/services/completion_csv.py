"""Importing a CSV of completions into one offering: all rows or none.

Columns (a header row is required, in any order): ``learner`` (e-mail), ``requirement_id``
and ``external_id`` must be there; ``completed_at`` (ISO 8601 with a zone; empty: now),
``score``, ``grade`` and ``url`` may be. The system of each row is the one its requirement
names. The whole file is checked first, against what is stored, in the transaction that
then writes it: one bad row and nothing is written, and every bad row is reported by line
and column. Rows already recorded (the same system and external id, the same content) are
counted, not written again.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterator

from credstack.domain.completions import (
    Completion,
    CompletionRejectedError,
    RowError,
    same_report,
)
from credstack.domain.errors import InvalidInputError, NotFoundError
from credstack.domain.offerings import Offering
from credstack.services import earning
from credstack.services.completions import (
    CompletionReport,
    RefusedError,
    external_leaf,
    own_offering_for_completions,
    prepare_completion,
    record_prepared,
)
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = ["COLUMNS", "REQUIRED", "ImportSummary", "import_completions"]

COLUMNS = ("learner", "requirement_id", "completed_at", "external_id", "score", "grade", "url")
REQUIRED = ("learner", "requirement_id", "external_id")
#: more bad rows than this are counted, not listed
_LISTED = 50


@dataclasses.dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did: completions recorded, rows already recorded (same external id,
    same content), and credentials issued because of them."""

    recorded: int
    already_recorded: int
    credentials_issued: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]


def _rows(text: str) -> Iterator[_Row]:
    """The data rows with their line numbers; ``CompletionRejectedError`` for a bad header."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CompletionRejectedError("the file is empty: a header row is needed")
        names = [name.strip().lower() for name in header]
        unknown = [name for name in names if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in names]
        if unknown or missing or len(set(names)) != len(names):
            problem = (
                f"unknown column {', '.join(unknown)}"
                if unknown
                else f"missing column {', '.join(missing)}"
                if missing
                else "a column is named twice"
            )
            raise CompletionRejectedError(
                f"line 1: {problem} (columns: {', '.join(COLUMNS)}; "
                f"required: {', '.join(REQUIRED)})",
                [RowError(1, "header", problem)],
            )
        line = reader.line_num
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(names):
                    yield _Row(line + 1, {"": f"{len(cells)} cells, the header has {len(names)}"})
                else:
                    yield _Row(line + 1, dict(zip(names, (c.strip() for c in cells), strict=True)))
            line = reader.line_num
    except csv.Error as error:
        raise CompletionRejectedError(f"line {reader.line_num}: not valid CSV ({error})") from None


def _report(row: _Row, offering: Offering) -> CompletionReport:
    """The row as a report; ``RefusedError`` for a time that does not parse."""
    cells = row.cells
    stamp = cells.get("completed_at") or None
    at = None
    if stamp is not None:
        try:
            at = dt.datetime.fromisoformat(stamp)
        except ValueError:
            raise RefusedError(
                "completed_at", f"'{stamp}' is not an ISO 8601 time", InvalidInputError
            ) from None
    leaf = external_leaf(offering, cells.get("requirement_id", ""))
    return CompletionReport(
        offering_id=offering.id,
        requirement_id=leaf.id,
        learner=cells.get("learner", ""),
        system=leaf.ref,
        external_id=cells.get("external_id", ""),
        completed_at=at,
        score=cells.get("score") or None,
        grade=cells.get("grade") or None,
        url=cells.get("url") or None,
    )


def _check_rows(
    uow: UnitOfWork,
    issuer_id: str,
    offering: Offering,
    text: str,
    *,
    reported_by: str,
    now: dt.datetime,
    progress: Callable[[int], None] | None,
) -> tuple[list[Completion], int, list[RowError]]:
    """Every row checked: the new completions, the count already recorded, the errors."""
    new: list[Completion] = []
    repeats = 0
    errors: list[RowError] = []
    seen: dict[tuple[str, str], tuple[int, Completion]] = {}
    for count, row in enumerate(_rows(text), 1):
        if "" in row.cells:
            errors.append(RowError(row.line, "*", row.cells[""]))
            continue
        try:
            report = _report(row, offering)
            completion = prepare_completion(
                uow, issuer_id, offering, report, reported_by=reported_by, now=now
            )
        except RefusedError as refused:
            errors.append(RowError(row.line, refused.field, refused.message))
            continue
        key = (completion.system, completion.external_id)
        earlier = seen.get(key)
        stored = uow.completions.by_external_id(issuer_id, *key)
        given = report.completed_at is not None
        if earlier is not None:
            same = same_report(earlier[1], completion, completed_at_given=given)
            if not same:
                errors.append(
                    RowError(row.line, "external_id", f"is on line {earlier[0]} with other content")
                )
            repeats += same
        elif stored is not None:
            if not same_report(stored, completion, completed_at_given=given):
                errors.append(
                    RowError(
                        row.line,
                        "external_id",
                        f"{completion.system} reported '{completion.external_id}' already, "
                        "with other content",
                    )
                )
            repeats += 1
            seen[key] = (row.line, stored)
        else:
            new.append(completion)
            seen[key] = (row.line, completion)
        if progress is not None:
            progress(count)
    return new, repeats, errors


def import_completions(
    deps: ServiceDeps,
    issuer_id: str,
    offering_id: str,
    text: str,
    *,
    reported_by: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Check every row of ``text`` (the CSV), then record them all in one transaction and
    settle the learners' enrolments. ``progress`` is told how many rows were checked.

    Raises ``CompletionRejectedError`` (its ``errors``: every bad row, by line and column;
    its message: the first, and how many there are) and writes nothing when a row is wrong;
    ``NotFoundError`` for another organisation's or no offering.
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        try:
            offering = own_offering_for_completions(uow, issuer_id, offering_id)
        except RefusedError:
            raise NotFoundError(f"no offering '{offering_id}'") from None
        new, repeats, errors = _check_rows(
            uow, issuer_id, offering, text, reported_by=reported_by, now=now, progress=progress
        )
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise CompletionRejectedError(f"nothing imported: {errors[0]}{more}", errors[:_LISTED])
        due: set[str] = set()
        for completion in new:
            due.update(record_prepared(uow, completion))
        uow.commit()
    issued = earning.settle(deps, sorted(due))
    return ImportSummary(len(new), repeats, len(issued))
