"""Read a cohort award CSV, one learner per row, as a stream of validated rows or row errors.

A provider awards one achievement to many learners by uploading a CSV file. Such a file can
hold a million rows, so it is read one physical line at a time and every row is handed to the
caller as soon as it is parsed; nothing here keeps rows. The only state that grows with the
file is the set of keys already seen (a 16-byte digest and a line number per row, in flat
arrays: ``row_keys``), which is what lets a repeated row be reported instead of awarded twice.

File problems (a bad header, broken CSV quoting, text that is not UTF-8) raise
:class:`CsvFormatError`; problems in one row come back as :class:`RowError` items so that the
rest of the file can still be awarded and the provider gets every mistake in one pass.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

from credstack.domain.awards import AwardRequest, Recipient
from credstack.domain.errors import InvalidInputError
from credstack.services.row_keys import RowKeys

__all__ = ["CsvAward", "CsvFormatError", "RowError", "award_requests", "read_award_rows"]

_RECIPIENT_COLUMNS = ("email", "did")
_COLUMNS = ("email", "did", "name", "narrative", "evidence_url", "result", "valid_until", "id")
_ACCEPTED = (
    "accepted columns: email or did (exactly one), name, narrative, evidence_url, result, "
    "valid_until, id"
)

# Physical lines longer than this are refused before the csv module sees them: iterating a
# text stream builds each line whole, so one enormous line would otherwise be held in memory
# at once. Legitimate rows are far shorter (the longest cell, narrative, is capped at 10,000).
_MAX_LINE_CHARS = 1_048_576

_EMAIL_MAX, _LOCAL_MAX = 254, 64
_ID_MAX, _NAME_MAX, _RESULT_MAX, _NARRATIVE_MAX = 200, 200, 200, 10_000
_SHOWN_CHARS = 60

# C0, DEL and C1 controls (Unicode category Cc) and lone surrogates, which a stream decoded
# with errors="surrogateescape" can carry and which no UTF-8 database column would accept.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_PROSE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s")
# Letters and digits of any script, hyphens and underscores inside; a dot between labels.
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W_](?:[\w-]*[^\W_])?")
# W3C DID Core 1.0, section 3.1 "DID Syntax" (ABNF):
#   did                = "did:" method-name ":" method-specific-id
#   method-name        = 1*method-char ; method-char = %x61-7A / DIGIT
#   method-specific-id = *( *idchar ":" ) 1*idchar
#   idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+")

_T = TypeVar("_T")


class CsvFormatError(ValueError):
    """The file as a whole cannot be read: its header, its CSV structure or its encoding."""


@dataclass(frozen=True, slots=True)
class CsvAward:
    """One valid learner row, with every value already normalised.

    ``line`` is the 1-based physical line on which the row *starts* (the header is line 1), so
    a row whose quoted cell spans several lines is reported where the provider sees it begin.
    Exactly one of ``email`` and ``did`` is set. Optional values are ``None`` when the cell is
    empty or the column is absent. ``valid_until`` is timezone-aware UTC.
    """

    line: int
    email: str | None
    did: str | None
    name: str | None
    narrative: str | None
    evidence_url: str | None
    result: str | None
    valid_until: datetime.datetime | None
    id: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row; a row with several problems yields several errors.

    ``line`` is counted as in :class:`CsvAward`; ``message`` is a single line that starts
    with the column it concerns. A row's errors come in the order of CsvAward's fields.
    ``source_id`` is the row's ``id`` cell when that cell is valid (a report names the row by
    it); it is not compared.
    """

    line: int
    message: str
    source_id: str | None = field(default=None, compare=False)


class _FieldError(Exception):
    """A cell value is invalid; the message is completed with the column name."""


def read_award_rows(stream: TextIO) -> Iterator[CsvAward | RowError]:
    """Read the header of ``stream`` now, then its rows one at a time as they are iterated.

    ``stream`` should be opened with ``newline=""`` (as the csv module asks) so that line
    breaks inside quoted cells survive; a leading UTF-8 BOM is ignored. Each data row yields
    either one :class:`CsvAward` or one or more :class:`RowError` (same ``line``), in file
    order; empty lines and rows whose cells are all blank are skipped.

    Raises :class:`CsvFormatError` immediately when the header is missing or wrong (unknown,
    duplicate, both or neither of ``email``/``did``), and later, from the iterator, when the
    CSV structure or the UTF-8 encoding breaks at some line; rows already yielded stand.
    """
    records = _records(stream)
    header = next(records, None)
    if header is None:
        raise CsvFormatError(f"the file is empty: it needs a header row; {_ACCEPTED}")
    return _rows(records, _columns(header[1]))


def award_requests(
    achievement: str, rows: Iterable[CsvAward | RowError]
) -> Iterator[tuple[int, AwardRequest | str]]:
    """CSV rows as award requests for ``issue_awards``; a row's problems become one message
    (what ``credstack award --csv`` and the issuer API's award jobs both feed the pipeline)."""
    held: tuple[int, list[str]] | None = None
    for row in rows:
        if isinstance(row, RowError):
            if held is not None and held[0] == row.line:
                held[1].append(row.message)
            else:
                if held is not None:
                    yield held[0], "; ".join(held[1])
                held = (row.line, [row.message])
            continue
        if held is not None:
            yield held[0], "; ".join(held[1])
            held = None
        try:
            recipient = Recipient(email=row.email, did=row.did, name=row.name)
            yield (
                row.line,
                AwardRequest(
                    achievement_id=achievement,
                    recipient=recipient,
                    narrative=row.narrative,
                    evidence_url=row.evidence_url,
                    result=row.result,
                    valid_until=row.valid_until,
                    source_id=row.id,
                ),
            )
        except InvalidInputError as error:
            yield row.line, str(error)
    if held is not None:
        yield held[0], "; ".join(held[1])


def _lines(stream: TextIO) -> Iterator[str]:
    """The physical lines of ``stream``, without a leading BOM, each of bounded length."""
    number = 0
    while True:
        number += 1
        try:
            line = stream.readline(_MAX_LINE_CHARS + 1)
        except UnicodeDecodeError as exc:
            # The stream decodes ahead in chunks: the bad bytes are at or after this line.
            raise CsvFormatError(
                f"the file is not UTF-8 text ({exc.reason}) at or after line {number}"
            ) from exc
        if not line:
            return
        if len(line) > _MAX_LINE_CHARS:
            raise CsvFormatError(f"line {number} is longer than {_MAX_LINE_CHARS} characters")
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield line


def _records(stream: TextIO) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank CSV record with the physical line it starts on."""
    reader = csv.reader(_lines(stream))
    while True:
        # The reader never reads ahead, so a record starts on the line after the one where
        # the previous record (or blank line) ended, even when its quoted cells span lines.
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFormatError(f"line {reader.line_num}: {exc}") from exc
        if any(cell.strip() for cell in cells):
            yield start, cells


def _columns(cells: list[str]) -> tuple[str, ...]:
    """The canonical column names, in file order; raises :class:`CsvFormatError` if wrong."""
    written = [cell.strip() for cell in cells]
    names = [name.lower() for name in written]
    problems = []
    unknown = [name for name in written if name.lower() not in _COLUMNS]
    if unknown:
        problems.append(f"unknown column{_plural(unknown)} {_quoted(unknown)}")
    repeated = sorted({name for name in names if name in _COLUMNS and names.count(name) > 1})
    if repeated:
        problems.append(f"duplicate column{_plural(repeated)} {_quoted(repeated)}")
    recipients = [name for name in _RECIPIENT_COLUMNS if name in names]
    if len(recipients) == 2:
        problems.append("both 'email' and 'did' columns: recipients are named by exactly one")
    elif not recipients:
        problems.append("no recipient column: the header needs 'email' or 'did'")
    if problems:
        raise CsvFormatError(f"header: {'; '.join(problems)}; {_ACCEPTED}")
    return tuple(names)


def _rows(
    records: Iterator[tuple[int, list[str]]], columns: tuple[str, ...]
) -> Iterator[CsvAward | RowError]:
    """Parse each record after the header, checking keys against the earlier rows."""
    seen = RowKeys()
    for line, cells in records:
        yield from _parse_record(line, columns, cells, seen)


def _parse_record(
    line: int, columns: tuple[str, ...], cells: list[str], seen: RowKeys
) -> Iterator[CsvAward | RowError]:
    """Yield the row, or every problem found in it."""
    if len(cells) > len(columns):
        yield RowError(line, f"row has {len(cells)} cells but the header has {len(columns)}")
        return
    # Fewer cells than columns is accepted: spreadsheets drop trailing empty cells.
    values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)}
    row = _Cells(values)
    email = row.take("email", _parse_email)
    did = row.take("did", _parse_did)
    recipient_column = "email" if "email" in columns else "did"
    if not values.get(recipient_column):
        row.problems.append(f"{recipient_column} is empty")
    award = CsvAward(
        line=line,
        email=email,
        did=did,
        name=row.take("name", _text(_NAME_MAX)),
        narrative=row.take("narrative", _parse_narrative),
        evidence_url=row.take("evidence_url", _parse_url),
        result=row.take("result", _text(_RESULT_MAX)),
        valid_until=row.take("valid_until", _parse_valid_until),
        id=row.take("id", _text(_ID_MAX)),
    )
    duplicate = _check_duplicate(award, values, seen)
    if duplicate:
        row.problems.append(duplicate)
    if row.problems:
        yield from (RowError(line, message, award.id) for message in row.problems)
    else:
        yield award


class _Cells:
    """The stripped cells of one record, parsed column by column, collecting problems."""

    __slots__ = ("_values", "problems")

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self.problems: list[str] = []

    def take(self, column: str, parse: Callable[[str], _T]) -> _T | None:
        """The parsed cell, or ``None`` when it is empty, absent or invalid (noted)."""
        raw = self._values.get(column)
        if not raw:
            return None
        try:
            return parse(raw)
        except _FieldError as exc:
            self.problems.append(f"{column}: {exc}")
            return None


def _check_duplicate(award: CsvAward, values: dict[str, str], seen: RowKeys) -> str | None:
    """Note this row's key; a message naming the earlier line if the key was already seen.

    The key is the provider's row ``id`` when the row has one, else its recipient; a row
    whose key cell is invalid has no key (its own error says why). Emails are compared
    lower-cased whole, as :func:`credstack.ob.identity.identity_hash` is fed them, so two
    spellings that would hash to the same recipient count as one. Only a digest is kept.
    """
    if values.get("id"):
        column, value, key = "id", award.id, award.id
    elif award.email is not None:
        column, value, key = "email", award.email, award.email.lower()
    else:
        column, value, key = "did", award.did, award.did
    if value is None or key is None:
        return None
    material = f"{column}\0{key}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(material, digest_size=16).digest()
    earlier = seen.setdefault(digest, award.line)
    if earlier == award.line:
        return None
    return f"{column}: {_show(value)} duplicates line {earlier}"


def _parse_email(value: str) -> str:
    """A plausible address with its domain lower-cased; the local part is case-sensitive."""
    local, at, domain = value.rpartition("@")
    plausible = (
        at
        and 0 < len(local) <= _LOCAL_MAX
        and len(value) <= _EMAIL_MAX
        and "@" not in local
        and not _WHITESPACE.search(value)
        and not _CONTROL.search(value)
        and _DOMAIN.fullmatch(domain)
    )
    if not plausible:
        raise _FieldError(f"{_show(value)} is not an e-mail address")
    return f"{local}@{domain.lower()}"


def _parse_did(value: str) -> str:
    """A DID as defined by DID Core; DID URLs (path, query, fragment) are not recipients."""
    if not _DID.fullmatch(value):
        raise _FieldError(f"{_show(value)} is not a DID (did:<method>:<method-specific-id>)")
    return value


def _parse_url(value: str) -> str:
    """An absolute http(s) URL with a host, kept as written."""
    problem = f"{_show(value)} is not an absolute http or https URL"
    if _WHITESPACE.search(value) or _CONTROL.search(value):
        raise _FieldError(problem)
    try:
        parts = urllib.parse.urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise _FieldError(problem) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _FieldError(problem)
    return value


def _parse_valid_until(value: str) -> datetime.datetime:
    """A date (valid to its last second, UTC) or a datetime with an explicit time zone.

    A datetime without a zone is refused rather than guessed: the provider's zone, the
    server's and UTC differ by up to a day, and an expiry a day off is a wrong credential.
    """
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return datetime.datetime.combine(day, datetime.time(23, 59, 59), datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _FieldError(f"{_show(value)} is not an ISO 8601 date or datetime") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _FieldError(
            f"{_show(value)} has no time zone: add Z or an offset such as +02:00, or give a date"
        )
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError as exc:
        raise _FieldError(f"{_show(value)} is out of range") from exc


def _parse_narrative(value: str) -> str:
    """Prose that may span lines; Windows and old Mac line breaks become ``\\n``."""
    return _check_text(value.replace("\r\n", "\n").replace("\r", "\n"), _NARRATIVE_MAX, prose=True)


def _text(limit: int) -> Callable[[str], str]:
    """A parser for a one-line text column capped at ``limit`` characters."""

    def parse(value: str) -> str:
        return _check_text(value, limit, prose=False)

    return parse


def _check_text(value: str, limit: int, *, prose: bool) -> str:
    """``value`` unchanged if short enough and free of control characters."""
    if len(value) > limit:
        raise _FieldError(f"is {len(value)} characters long; the limit is {limit}")
    bad = (_CONTROL_IN_PROSE if prose else _CONTROL).search(value)
    if bad:
        raise _FieldError(f"contains the control character U+{ord(bad.group()):04X}")
    return value


def _show(value: str) -> str:
    """A short, quoted, single-line rendering of a cell for a message."""
    if len(value) > _SHOWN_CHARS:
        value = value[:_SHOWN_CHARS] + "…"
    return repr(value)


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _plural(items: list[str]) -> str:
    return "s" if len(items) > 1 else ""
