"""The cohort award CSV reader: header rules, per-row validation, line numbers and streaming.

Line numbers are asserted exactly because they are what a provider uses to find a mistake in a
file of a million rows; the streaming tests use a stream that refuses to be read whole.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from collections.abc import Iterator
from typing import TextIO, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

import credstack.services.award_csv as award_csv
from credstack.services.award_csv import CsvAward, CsvFormatError, RowError, read_award_rows

UTC = datetime.UTC
END_OF_JUNE_30 = datetime.datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)


def read(text: str) -> list[CsvAward | RowError]:
    """Every item read from ``text`` (small inputs only)."""
    return list(read_award_rows(io.StringIO(text, newline="")))


def errors_for(column: str, value: str) -> list[RowError]:
    """The errors for a file whose only data row, on line 3, has ``value`` in ``column``.

    Line 2 is a valid row so that the asserted line proves the count is not always 2.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["email", column] if column != "email" else ["email"])
    writer.writerow(["first@example.org", ""] if column != "email" else ["first@example.org"])
    writer.writerow(["bob@example.org", value] if column != "email" else [value])
    items = read(out.getvalue())
    assert items[0] == row(2, email="first@example.org")
    return [item for item in items[1:] if isinstance(item, RowError)]


def row(line: int, **values: object) -> CsvAward:
    """An expected row: ``line`` plus the given fields, the rest ``None``."""
    fields = dict.fromkeys(CsvAward.__dataclass_fields__, None) | {"line": line} | values
    return CsvAward(**fields)  # type: ignore[arg-type]


def test_public_surface_is_the_snapshot() -> None:
    assert set(award_csv.__all__) == {
        "CsvAward",
        "CsvFormatError",
        "RowError",
        "award_requests",
        "read_award_rows",
    }


# --- happy paths -----------------------------------------------------------------------------


def test_all_columns_are_parsed_and_normalised() -> None:
    text = (
        "email,name,narrative,evidence_url,result,valid_until,id\r\n"
        "  Ada.Lovelace@Example.ORG , Ada Lovelace ,Built the engine.\t,"
        "https://example.org/e/1, Distinction ,2027-06-30,row-1\r\n"
    )
    assert read(text) == [
        row(
            2,
            email="Ada.Lovelace@example.org",
            name="Ada Lovelace",
            narrative="Built the engine.",
            evidence_url="https://example.org/e/1",
            result="Distinction",
            valid_until=END_OF_JUNE_30,
            id="row-1",
        )
    ]


def test_did_recipients() -> None:
    text = "did,name\ndid:web:example.com%3A8443:users:alice,Alice\ndid:key:z6MkhaXg,\n"
    assert read(text) == [
        row(2, did="did:web:example.com%3A8443:users:alice", name="Alice"),
        row(3, did="did:key:z6MkhaXg"),
    ]


def test_empty_optional_cells_are_absent_and_short_rows_are_padded() -> None:
    text = "email,name,result,id\nbob@example.org,  ,,\ncarol@example.org\n"
    assert read(text) == [row(2, email="bob@example.org"), row(3, email="carol@example.org")]


def test_header_names_are_case_insensitive_and_trimmed() -> None:
    assert read(" EMAIL ,\tName ,Valid_Until\nbob@example.org,Bob,2027-06-30\n") == [
        row(2, email="bob@example.org", name="Bob", valid_until=END_OF_JUNE_30)
    ]


@pytest.mark.parametrize("header", ["\ufeffemail,name", '\ufeff"email","name"'])
def test_a_utf8_bom_is_ignored(header: str) -> None:
    assert read(f"{header}\nbob@example.org,Bob\n") == [row(2, email="bob@example.org", name="Bob")]


def test_a_bom_in_a_utf8_byte_stream_is_ignored() -> None:
    data = "email\r\nbob@example.org\r\n".encode("utf-8-sig")
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    assert list(read_award_rows(stream)) == [row(2, email="bob@example.org")]


def test_empty_and_blank_lines_are_skipped_but_counted() -> None:
    text = "\nemail\n\nbob@example.org\n , \n\ncarol@example.org\n"
    assert read(text) == [row(4, email="bob@example.org"), row(7, email="carol@example.org")]


def test_quoted_cells_keep_commas_and_newlines_and_rows_report_their_first_line() -> None:
    text = (
        "email,name,narrative\r\n"
        'bob@example.org,"Smith, Bob","First line,\r\nsecond line\r\n\r\nlast"\r\n'
        'carol@example.org,Carol,"one\rtwo"\r\n'
        "dan@example.org,,\r\n"
    )
    assert read(text) == [
        row(
            2,
            email="bob@example.org",
            name="Smith, Bob",
            narrative="First line,\nsecond line\n\nlast",
        ),
        row(6, email="carol@example.org", name="Carol", narrative="one\ntwo"),
        row(8, email="dan@example.org"),  # a lone CR ends a physical line too
    ]


def test_errors_after_a_multi_line_cell_have_the_right_line() -> None:
    text = 'email,narrative\nbob@example.org,"a\nb\nc"\nnot-an-address,\n'
    assert read(text)[1] == RowError(5, "email: 'not-an-address' is not an e-mail address")


# --- valid_until -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-06-30", END_OF_JUNE_30),
        ("2027-06-30T12:00:00Z", datetime.datetime(2027, 6, 30, 12, tzinfo=UTC)),
        ("2027-06-30T12:00:00+02:00", datetime.datetime(2027, 6, 30, 10, tzinfo=UTC)),
        ("2027-06-30T23:30:00-05:00", datetime.datetime(2027, 7, 1, 4, 30, tzinfo=UTC)),
    ],
)
def test_valid_until_dates_and_zoned_datetimes_become_utc(
    value: str, expected: datetime.datetime
) -> None:
    [item] = read(f"email,valid_until\nbob@example.org,{value}\n")
    assert isinstance(item, CsvAward)
    assert item.valid_until == expected
    assert item.valid_until is not None
    assert item.valid_until.utcoffset() == datetime.timedelta(0)
    assert item.valid_until.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2027-06-30T12:00:00",
            "valid_until: '2027-06-30T12:00:00' has no time zone: add Z or an offset such as "
            "+02:00, or give a date",
        ),
        ("2027-06-31", "valid_until: '2027-06-31' is not an ISO 8601 date or datetime"),
        ("30/06/2027", "valid_until: '30/06/2027' is not an ISO 8601 date or datetime"),
        ("9999-12-31T23:00:00-05:00", "valid_until: '9999-12-31T23:00:00-05:00' is out of range"),
    ],
)
def test_invalid_valid_until(value: str, message: str) -> None:
    assert errors_for("valid_until", value) == [RowError(3, message)]


# --- one error per problem, with the row's line ----------------------------------------------

BAD_EMAILS = [
    "bob@",
    "bob",
    "@example.org",
    "bob@localhost",
    "bob smith@example.org",
    "bob@exa mple.org",
    "bob@@example.org",
    "a@b@example.org",
    "bob@example..org",
    "bob@.example.org",
    "bob@example.org.",
    "bob@-example.org",
    "bob\x07@example.org",
    "a" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org",
]


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_implausible_emails(value: str) -> None:
    assert errors_for("email", value) == [
        RowError(3, f"email: {award_csv._show(value)} is not an e-mail address")
    ]


def test_email_limits_are_inclusive() -> None:
    local = "a" * 64
    longest = local + "@" + "b" * (254 - 64 - 1 - 4) + ".org"
    assert len(longest) == 254
    assert read(f"email\n{longest}\n") == [row(2, email=longest)]


@pytest.mark.parametrize("text", ["email,name\n,Bob\n", "email,name\n  ,Bob\n"])
def test_a_missing_email_is_reported(text: str) -> None:
    assert read(text) == [RowError(2, "email is empty")]


def test_a_missing_did_is_reported() -> None:
    assert read("name,did\nBob,\n") == [RowError(2, "did is empty")]


@pytest.mark.parametrize(
    "value",
    [
        "did:example:123",
        "did:web:example.com",
        "did:web:example.com%3A8443:users:alice",
        "did:example::a",
        "did:ex4mple:A.b-c_d%aF",
    ],
)
def test_valid_dids(value: str) -> None:
    assert read(f"did\n{value}\n") == [row(2, did=value)]


@pytest.mark.parametrize(
    "value",
    [
        "did:Web:example.com",
        "did:web:",
        "did:web:example.com:",
        "did:web:a%2",
        "did:web:a%zz",
        "did:web:example.com#key-1",
        "did:web:example.com/path",
        "did:web:exa mple.com",
        "did:ex-ample:1",
        "web:example.com",
        "DID:web:example.com",
    ],
)
def test_invalid_dids(value: str) -> None:
    expected = f"did: {award_csv._show(value)} is not a DID (did:<method>:<method-specific-id>)"
    assert read(f"did\n{value}\n") == [RowError(2, expected)]


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.org/e",
        "/evidence/1",
        "example.org/evidence",
        "https://",
        "https:///path",
        "http://[::1",
        "https://example.org:99999/",
        "https://exa mple.org/",
        "javascript:alert(1)",
    ],
)
def test_invalid_evidence_urls(value: str) -> None:
    expected = f"evidence_url: {award_csv._show(value)} is not an absolute http or https URL"
    assert errors_for("evidence_url", value) == [RowError(3, expected)]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("id", "x" * 201, "id: is 201 characters long; the limit is 200"),
        ("id", "a\x07b", "id: contains the control character U+0007"),
        ("name", "n" * 201, "name: is 201 characters long; the limit is 200"),
        ("name", "Bob\x00", "name: contains the control character U+0000"),
        ("name", "Bob\nSmith", "name: contains the control character U+000A"),
        ("name", "Bo\x85b", "name: contains the control character U+0085"),
        ("result", "r" * 201, "result: is 201 characters long; the limit is 200"),
        ("result", "A\x1b[31m", "result: contains the control character U+001B"),
        ("narrative", "n" * 10_001, "narrative: is 10001 characters long; the limit is 10000"),
        ("narrative", "a\x0bb", "narrative: contains the control character U+000B"),
        ("narrative", "a\x7fb", "narrative: contains the control character U+007F"),
    ],
)
def test_text_limits_and_control_characters(column: str, value: str, message: str) -> None:
    assert errors_for(column, value) == [RowError(3, message)]


@pytest.mark.parametrize(("column", "limit"), [("id", 200), ("name", 200), ("narrative", 10_000)])
def test_text_limits_are_inclusive(column: str, limit: int) -> None:
    assert errors_for(column, "x" * limit) == []


def test_narrative_keeps_newlines_and_tabs() -> None:
    [item] = read('email,narrative\nbob@example.org,"Line 1\n\tindented"\n')
    assert isinstance(item, CsvAward)
    assert item.narrative == "Line 1\n\tindented"


def test_every_problem_in_a_row_is_reported_and_the_next_row_is_still_read() -> None:
    text = (
        "email,evidence_url,valid_until,name\n"
        "bob@,ftp://x,2027-06-30T12:00,B\x00b\n"
        "carol@example.org,,,\n"
    )
    assert read(text) == [
        RowError(2, "email: 'bob@' is not an e-mail address"),
        RowError(2, "name: contains the control character U+0000"),
        RowError(2, "evidence_url: 'ftp://x' is not an absolute http or https URL"),
        RowError(
            2,
            "valid_until: '2027-06-30T12:00' has no time zone: add Z or an offset such as "
            "+02:00, or give a date",
        ),
        row(3, email="carol@example.org"),
    ]


def test_more_cells_than_the_header_is_an_error_naming_the_count() -> None:
    text = "email,name\nbob@example.org,Bob\ncarol@example.org,Carol,extra,more\ndan@example.org\n"
    assert read(text) == [
        row(2, email="bob@example.org", name="Bob"),
        RowError(3, "row has 4 cells but the header has 2"),
        row(4, email="dan@example.org"),
    ]


def test_even_one_empty_extra_cell_is_an_error() -> None:
    assert read("email,name\nbob@example.org,Bob,\n") == [
        RowError(2, "row has 3 cells but the header has 2")
    ]


def test_messages_stay_on_one_line_and_short() -> None:
    value = "bob\n" + "x" * 500 + "@"
    [error] = read(f'email\n"{value}"\n')
    assert isinstance(error, RowError)
    assert "\n" not in error.message
    assert len(error.message) < 120


# --- duplicates ------------------------------------------------------------------------------


def test_a_repeated_id_names_the_earlier_line() -> None:
    text = "email,id\na@example.org,r1\nb@example.org,r2\n\nc@example.org,r1\n"
    assert read(text) == [
        row(2, email="a@example.org", id="r1"),
        row(3, email="b@example.org", id="r2"),
        RowError(5, "id: 'r1' duplicates line 2"),
    ]


def test_with_ids_the_same_recipient_may_appear_twice() -> None:
    text = "email,id\na@example.org,r1\na@example.org,r2\n"
    assert read(text) == [
        row(2, email="a@example.org", id="r1"),
        row(3, email="a@example.org", id="r2"),
    ]


def test_without_ids_a_repeated_email_is_an_error_ignoring_case() -> None:
    text = "email\nBob@Example.org\ncarol@example.org\nbob@EXAMPLE.ORG\n"
    assert read(text) == [
        row(2, email="Bob@example.org"),
        row(3, email="carol@example.org"),
        RowError(4, "email: 'bob@example.org' duplicates line 2"),
    ]


def test_without_ids_a_repeated_did_is_an_error() -> None:
    text = "did\ndid:example:1\ndid:example:2\ndid:example:1\n"
    assert read(text)[2] == RowError(4, "did: 'did:example:1' duplicates line 2")


def test_a_row_with_an_empty_id_is_keyed_by_its_recipient() -> None:
    text = "email,id\na@example.org,\na@example.org,\n"
    assert read(text)[1] == RowError(3, "email: 'a@example.org' duplicates line 2")


def test_an_id_and_an_email_with_the_same_text_are_different_keys() -> None:
    text = "email,id\na@example.org,b@example.org\nb@example.org,\n"
    assert all(isinstance(item, CsvAward) for item in read(text))


def test_a_duplicate_of_an_invalid_row_is_still_a_duplicate() -> None:
    text = "email,id,evidence_url\na@example.org,r1,ftp://x\nb@example.org,r1,\n"
    assert read(text)[1:] == [RowError(3, "id: 'r1' duplicates line 2")]


def test_only_a_digest_of_each_key_is_kept() -> None:
    seen: dict[bytes, int] = {}
    award = row(2, email="bob@example.org", id="r" * 200)
    assert award_csv._check_duplicate(award, {"id": "r" * 200}, seen) is None
    assert list(seen.values()) == [2]
    assert all(len(key) == 16 for key in seen)


# --- the header ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("email,nmae,grade\n", ["unknown columns 'nmae', 'grade'"]),
        ("email,name,\n", ["unknown column ''"]),
        ("email,name,Email\n", ["duplicate column 'email'"]),
        ("email,did,name\n", ["both 'email' and 'did' columns"]),
        ("name,id\n", ["no recipient column"]),
        ("Name,Mail,name\n", ["unknown column 'Mail'", "duplicate column 'name'", "no recipient"]),
        ("email;name\n", ["unknown column 'email;name'"]),
        ("", ["the file is empty"]),
        ("\n \n,,\n", ["the file is empty"]),
    ],
)
def test_a_bad_header_is_an_error_for_the_whole_file(text: str, named: list[str]) -> None:
    stream = io.StringIO(text + "bob@example.org,Bob\n" if text.strip(" \n,") else text)
    # Raised by the call itself, before any row is asked for.
    with pytest.raises(CsvFormatError) as raised:
        read_award_rows(stream)
    message = str(raised.value)
    for part in named:
        assert part in message
    assert "accepted columns: email or did (exactly one), name, narrative" in message
    assert "\n" not in message


def test_csv_format_error_is_a_value_error() -> None:
    assert issubclass(CsvFormatError, ValueError)


# --- file-level breakage mid-stream ----------------------------------------------------------


def test_text_that_is_not_utf8_stops_the_file() -> None:
    valid = "".join(f"learner{n}@example.org\r\n" for n in range(2000))
    data = f"email\r\n{valid}".encode() + b"carol@exa\xffmple.org\r\n"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    rows = read_award_rows(stream)
    assert next(rows) == row(2, email="learner0@example.org")
    # The stream decodes in chunks, so the error surfaces near, not exactly at, the bad line.
    with pytest.raises(CsvFormatError, match=r"^the file is not UTF-8 text \(invalid start byte\)"):
        for _ in rows:
            pass


def test_broken_csv_structure_stops_the_file_with_its_line() -> None:
    # A bare carriage return inside an unquoted cell, read without newline="".
    rows = read_award_rows(io.StringIO("email\nbob@example.org\ncarol\r@example.org\n"))
    assert next(rows) == row(2, email="bob@example.org")
    with pytest.raises(CsvFormatError, match=r"^line 3: new-line character seen"):
        next(rows)


def test_an_enormous_line_is_refused_before_it_is_held_whole() -> None:
    text = "email\n" + "x" * (award_csv._MAX_LINE_CHARS + 1) + "\n"
    rows = read_award_rows(io.StringIO(text))
    with pytest.raises(CsvFormatError, match=r"^line 2 is longer than"):
        next(rows)


# --- streaming -------------------------------------------------------------------------------


class LazyCsv:
    """A CSV of ``rows`` learners made line by line on demand, counting what was handed out.

    It offers the line-by-line parts of a text file (``readline``, iteration); reading it
    whole (``read``, ``readlines``) fails the test: a million-row upload must be consumed
    line by line.
    """

    def __init__(self, rows: int) -> None:
        self.served = 0
        self._lines = itertools.chain(
            ["email,name,id\r\n"],
            (f"learner{n}@example.org,Learner {n},r{n}\r\n" for n in range(rows)),
        )

    def readline(self, size: int = -1) -> str:
        line = next(self._lines, "")
        self.served += bool(line)
        return line

    def __iter__(self) -> Iterator[str]:
        return iter(self.readline, "")

    def read(self, size: int = -1) -> str:
        raise AssertionError("the whole stream was read")

    def readlines(self, hint: int = -1) -> list[str]:
        raise AssertionError("the whole stream was read")

    def as_text_io(self) -> TextIO:
        return cast("TextIO", self)


def test_rows_are_yielded_as_lines_are_read() -> None:
    stream = LazyCsv(100_000)
    rows = read_award_rows(stream.as_text_io())
    assert stream.served == 1  # only the header so far
    assert next(rows) == row(2, email="learner0@example.org", name="Learner 0", id="r0")
    assert stream.served == 2
    thousandth = next(itertools.islice(rows, 998, None))
    assert thousandth == row(1001, email="learner999@example.org", name="Learner 999", id="r999")
    assert stream.served == 1001


def test_a_hundred_thousand_rows_stream_through() -> None:
    stream = LazyCsv(100_000)
    counted = 0
    last: CsvAward | RowError | None = None
    for item in read_award_rows(stream.as_text_io()):
        assert isinstance(item, CsvAward)
        counted += 1
        last = item
    assert counted == 100_000
    assert last == row(100_001, email="learner99999@example.org", name="Learner 99999", id="r99999")


# --- properties ------------------------------------------------------------------------------

NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200).filter(
    lambda name: len(name.strip()) <= 200
)


def write_rows(header: list[str], *rows: list[str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@given(email=st.emails(), name=NAMES)
def test_valid_emails_and_names_round_trip_through_a_csv_writer(email: str, name: str) -> None:
    local, _, domain = email.rpartition("@")
    text = write_rows(["email", "name"], [email, name])
    assert read(text) == [row(2, email=f"{local}@{domain.lower()}", name=name.strip() or None)]


@given(st.from_regex(award_csv._DID, fullmatch=True))
def test_every_did_matching_the_abnf_is_accepted(did: str) -> None:
    assert read(write_rows(["did"], [did])) == [row(2, did=did)]


@given(st.lists(st.text(max_size=30), min_size=1, max_size=9))
def test_any_cells_give_a_row_or_single_line_errors_never_an_exception(cells: list[str]) -> None:
    header = ["email", "name", "narrative", "evidence_url", "result", "valid_until", "id", "x"]
    text = write_rows(header[:-1], cells)
    items: Iterator[CsvAward | RowError] = read_award_rows(io.StringIO(text, newline=""))
    found = list(items)
    if not any(cell.strip() for cell in cells):
        assert found == []
        return
    assert found
    assert all(item.line == 2 for item in found)
    rows = [item for item in found if isinstance(item, CsvAward)]
    assert len(rows) in (0, 1)
    assert not rows or len(found) == 1
    assert all("\n" not in item.message for item in found if isinstance(item, RowError))
