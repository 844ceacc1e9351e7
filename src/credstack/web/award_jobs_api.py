"""The issuer API's bulk awards: a cohort as a background job, its progress and its report.

``POST .../award-jobs`` takes the cohort CSV of ``credstack award --csv`` (``text/csv``, with
``?achievement=``) or JSON awards in the shape of the issue-one body (a list, or
``{"awards": [...]}``), checks it whole, stores it and answers 202 with the job; a runner
(``services.award_job_runner``, started with the application) issues it. The body is
streamed to a spool file (memory up to 1 MB, then disk) and from there to the database in
chunks, so a large cohort is never held twice; its own size limit is ``max_job_body``.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from credstack.domain.award_jobs import AwardItem, AwardJob, ItemError, ReportLine
from credstack.domain.errors import InvalidInputError, first_problem
from credstack.services.accounts import require
from credstack.services.award_jobs import (
    cancel_job,
    list_jobs,
    report_lines,
    show_job,
    submit_csv_job,
    submit_json_job,
)
from credstack.services.deps import ServiceDeps
from credstack.web.auth import Caller, deps_of
from credstack.web.issuer_api import AwardIn
from credstack.web.paging import Limit, Offset, page_headers
from credstack.web.problems import Problem
from credstack.web.responses import json_response
from credstack.web.vc_api import json_bytes

__all__ = ["SUBMIT_PATH", "router"]

PREFIX = "/api/v1/organisations/{issuer_id}"
#: the submit route's path as a regular expression, for its own body limit (``BodyLimit``)
SUBMIT_PATH = r"/api/v1/organisations/[^/]+/award-jobs/?"
_SPOOL_BYTES = 1 << 20

router = APIRouter(prefix=PREFIX, tags=["Issuer API: award jobs"])

_JOB_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"$ref": "#/components/schemas/AwardIn"}},
                        {
                            "type": "object",
                            "properties": {
                                "awards": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/AwardIn"},
                                }
                            },
                            "required": ["awards"],
                        },
                    ]
                }
            },
        },
        "description": "the cohort CSV of credstack award --csv (with ?achievement=), or "
        "a list of awards as the body of POST .../awards",
    }
}


def _job_out(job: AwardJob) -> dict[str, Any]:
    base = f"/api/v1/organisations/{job.issuer_id}/award-jobs/{job.id}"
    return {
        "id": job.id,
        "status": job.status.value,
        "achievement": job.achievement_id,
        "submittedBy": job.submitted_by,
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "issued": job.issued,
        "alreadyIssued": job.already_issued,
        "errors": job.errors,
        "cancelRequested": job.cancel_requested,
        "createdAt": job.created_at.isoformat(),
        "startedAt": job.started_at.isoformat() if job.started_at else None,
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "heartbeatAt": job.heartbeat_at.isoformat() if job.heartbeat_at else None,
        "message": job.message,
        "links": {
            "self": base,
            "report": f"{base}/report",
            "reportCsv": f"{base}/report?format=csv",
            "cancel": f"{base}/cancel",
        },
    }


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _item(data: Any) -> AwardItem | ItemError:
    """One award of the request, or why it is not one (that row's error in the report)."""
    try:
        body = AwardIn.model_validate(data)
    except ValidationError as error:
        own = data.get("id") if isinstance(data, dict) else None
        valid_id = own if isinstance(own, str) and len(own) <= 200 else None
        return ItemError(first_problem(error, "award"), valid_id)
    return AwardItem(
        achievement_id=body.achievement,
        email=body.recipient.email,
        did=body.recipient.did,
        name=body.recipient.name,
        narrative=body.narrative,
        evidence_url=body.evidence_url,
        result=body.result,
        valid_until=body.valid_until,
        source_id=body.source_id,
    )


class _JsonReader:
    """The body's top-level structure read piece by piece, each award decoded on its own
    (``json.JSONDecoder.raw_decode``), so that a large list is never held whole: only the
    piece being read and one award."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._at = 0
        self._ended = False

    def _more(self) -> bool:
        if self._ended:
            return False
        piece = self._stream.read(_PIECE_CHARS)
        if not piece:
            self._ended = True
            return False
        self._buffer = self._buffer[self._at :] + piece
        self._at = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self._at < len(self._buffer) and self._buffer[self._at] in " \t\r\n":
                self._at += 1
            if self._at < len(self._buffer):
                return self._buffer[self._at]
            if not self._more():
                return ""

    def expect(self, characters: str) -> str:
        found = self.peek()
        if not found:
            raise InvalidInputError("body: not JSON (it ends too soon)")
        if found not in characters:
            raise InvalidInputError(_SHAPE)
        self._at += 1
        return found

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._at)
            except json.JSONDecodeError as error:
                # an award cut by the end of the piece read so far: read on and try again
                if self._more():
                    continue
                raise InvalidInputError(f"body: not JSON ({error.msg})") from None
            # a number at the very end of the piece may go on in the next one
            at_end = end == len(self._buffer)
            if at_end and not isinstance(value, (dict, list, str)) and self._more():
                continue
            self._at = end
            return value


_SHAPE = 'body: send a list of awards, or {"awards": [...]}'
_PIECE_CHARS = 1 << 16


def _json_awards(spool: IO[bytes]) -> Iterator[Any]:
    """Each award of ``[...]`` or ``{"awards": [...]}``; ``InvalidInputError`` (raised while
    iterating) when the body is not JSON of that shape."""
    spool.seek(0)
    text = io.TextIOWrapper(spool, encoding="utf-8-sig")
    try:
        reader = _JsonReader(text)
        wrapped = reader.expect("[{") == "{"
        if wrapped:
            if reader.peek() != '"' or reader.value() != "awards":
                raise InvalidInputError(_SHAPE)
            reader.expect(":")
            reader.expect("[")
        if reader.peek() == "]":
            raise InvalidInputError("body: the list of awards is empty")
        while True:
            yield reader.value()
            if reader.expect(",]") == "]":
                break
        if wrapped:
            reader.expect("}")
        if reader.peek():
            raise InvalidInputError("body: not JSON (extra data after the awards)")
    except UnicodeDecodeError:
        raise InvalidInputError("body: not JSON (it is not UTF-8 text)") from None
    except RecursionError:
        raise InvalidInputError("body: not JSON (nested too deeply)") from None
    finally:
        text.detach()  # the spool stays open


def _submit(
    deps: ServiceDeps,
    issuer_id: str,
    token_id: str,
    media: str,
    achievement: str | None,
    spool: IO[bytes],
) -> AwardJob:
    if media == "text/csv":
        if achievement is None:
            raise InvalidInputError("achievement: a CSV job names it: ?achievement=<id>")
        job = submit_csv_job(deps, issuer_id, token_id, achievement, spool)
    else:
        items = (_item(award) for award in _json_awards(spool))
        job = submit_json_job(deps, issuer_id, token_id, items)
    return job


@router.post(
    "/award-jobs",
    status_code=202,
    summary="Award a cohort (CSV or JSON) as a background job",
    openapi_extra=_JOB_BODY,
)
async def submit(
    request: Request,
    issuer_id: str,
    caller: Caller,
    achievement: Annotated[
        str | None, Query(max_length=64, description="the achievement of a CSV job")
    ] = None,
) -> Response:
    require(caller, issuer_id, "awards:write")
    media = _media(request)
    if media not in ("text/csv", "application/json"):
        raise Problem(415, "send the cohort as text/csv or application/json")
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        if getattr(request.state, "body_cut", False):  # too large: nothing is stored
            raise Problem(413, "the request body is too large")
        job = await run_in_threadpool(
            _submit, deps_of(request), issuer_id, caller.token_id, media, achievement, spool
        )
    location = f"{request.url.path.rstrip('/')}/{job.id}"
    return json_response(_job_out(job), 202, {"Location": location})


@router.get("/award-jobs", summary="The organisation's award jobs, newest first")
def jobs(
    request: Request,
    issuer_id: str,
    caller: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    require(caller, issuer_id, "awards:read")
    total, page = list_jobs(deps_of(request), issuer_id, offset=offset, limit=limit)
    headers = page_headers(request, total=total, offset=offset, limit=limit)
    return json_response([_job_out(job) for job in page], headers=headers)


@router.get("/award-jobs/{job_id}", summary="An award job: status, counts and progress")
def job(request: Request, issuer_id: str, job_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:read")
    return json_response(_job_out(show_job(deps_of(request), issuer_id, job_id)))


@router.post(
    "/award-jobs/{job_id}/cancel",
    summary="Cancel an award job (a running one stops after its batch; what it issued stays)",
)
def cancel(request: Request, issuer_id: str, job_id: str, caller: Caller) -> Response:
    require(caller, issuer_id, "awards:write")
    return json_response(_job_out(cancel_job(deps_of(request), issuer_id, job_id)))


_CSV_COLUMNS = ("row", "id", "outcome", "award_id", "credential_url", "message")


def _line_out(deps: ServiceDeps, line: ReportLine) -> dict[str, Any]:
    url = f"{deps.public_url}/credentials/{line.award_id}" if line.award_id else None
    return {
        "row": line.row,
        "id": line.source_id,
        "outcome": line.outcome.value,
        "awardId": line.award_id,
        "credentialUrl": url,
        "message": line.message,
    }


def _cell(value: Any) -> str:
    """A report cell; text a spreadsheet would run as a formula is quoted (OWASP CSV
    injection), since ids and messages quote what the provider's file held."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_report(deps: ServiceDeps, lines: Iterator[ReportLine]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_CSV_COLUMNS)
    for line in lines:
        item = _line_out(deps, line)
        writer.writerow(_cell(item[key]) for key in ("row", "id", "outcome", "awardId",
                                                   "credentialUrl", "message"))  # fmt: skip
        if out.tell() > 65536:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _json_report(deps: ServiceDeps, lines: Iterator[ReportLine]) -> Iterator[bytes]:
    yield b"["
    for number, line in enumerate(lines):
        yield (b"," if number else b"") + json_bytes(_line_out(deps, line))
    yield b"]"


@router.get(
    "/award-jobs/{job_id}/report",
    summary="One line per input row: its outcome, the award and its URL, or the error",
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def report(
    request: Request,
    issuer_id: str,
    job_id: str,
    caller: Caller,
    format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,
) -> Response:
    require(caller, issuer_id, "awards:read")
    deps = deps_of(request)
    lines = report_lines(deps, issuer_id, job_id)
    first = next(lines, None)  # the job's existence is checked before the answer starts

    def all_lines() -> Iterator[ReportLine]:
        if first is not None:
            yield first
            yield from lines

    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return StreamingResponse(
            _csv_report(deps, all_lines()),
            media_type="text/csv; charset=utf-8",
            headers={"Vary": "Accept"},
        )
    return StreamingResponse(
        _json_report(deps, all_lines()), media_type="application/json", headers={"Vary": "Accept"}
    )
