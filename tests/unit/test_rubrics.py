"""Rubrics (``domain.rubrics``), file kinds by content (``domain.evidence_files``) and the
submission rules of ``domain.evidence``: every malformed input refused, and said why."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from credstack.domain.errors import ConflictError, InvalidInputError
from credstack.domain.evidence import SubmissionState, check_link, next_version
from credstack.domain.evidence_files import check_file, detect_kind, safe_filename
from credstack.domain.rubrics import DEFAULT_MAX_BYTES
from credstack.services.rubric_files import parse_rubric

BASE: dict[str, Any] = {
    "id": "essay",
    "title": "Essay",
    "pass_points": 3,
    "criteria": [
        {
            "id": "argument",
            "title": "Argument",
            "levels": [
                {"id": "weak", "title": "Weak", "points": 0},
                {"id": "clear", "title": "Clear", "points": 2},
            ],
        },
        {
            "id": "style",
            "title": "Style",
            "minimum": "ok",
            "levels": [
                {"id": "poor", "title": "Poor", "points": 0},
                {"id": "ok", "title": "OK", "points": 1},
                {"id": "fine", "title": "Fine", "points": 2},
            ],
        },
    ],
}


def rubric(**changes: Any) -> Any:
    import json

    return parse_rubric(json.dumps({**BASE, **changes}), media="json")[1]


def test_defaults_and_scoring() -> None:
    spec = rubric()
    assert spec.max_points == 4
    assert spec.max_bytes == DEFAULT_MAX_BYTES
    assert spec.accepts == ["text", "link", "file"]
    assert "pdf" in spec.file_types
    good = spec.score({"argument": "clear", "style": "ok"})
    assert (good.points, good.passes, good.shortfalls) == (3, True, ())
    low = spec.score({"argument": "clear", "style": "poor"})
    assert low.passes is False
    assert low.shortfalls == ("2 points, 3 needed", "'Style' is below 'OK'")
    strict = rubric(no_lowest=True, pass_points=2)
    assert strict.score({"argument": "weak", "style": "fine"}).shortfalls == (
        "'Argument' is at its lowest level",
    )


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"argument": "clear"}, "choose a level for 'Style'"),
        ({"argument": "best", "style": "ok"}, "'best' is not a level of 'Argument'"),
        ({"argument": "clear", "style": "ok", "tone": "x"}, "no criterion tone"),
    ],
)
def test_levels_that_do_not_fit_are_refused(levels: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        rubric().score(levels)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pass_points": 5}, "pass_points 5 is more than the 4 there are"),
        ({"id": "Not A Slug"}, "id: rubric id 'Not A Slug' must be"),
        ({"max_bytes": 26 * 1024 * 1024}, "max_bytes: Input should be less than or equal"),
        ({"file_types": ["exe"]}, "'exe' is not a file type credstack can check"),
        ({"file_types": ["html"]}, "'html' is not a file type"),
        ({"accepts": ["text", "text"]}, "each of text, link, file once"),
        ({"accepts": ["video"]}, "accepts.0"),
        ({"criteria": []}, "criteria: List should have at least 1 item"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        (
            {"criteria": [{**BASE["criteria"][1], "minimum": "great"}]},
            "minimum 'great' is not a level",
        ),
        (
            {"criteria": [{**BASE["criteria"][0], "levels": BASE["criteria"][0]["levels"][::-1]}]},
            "from the lowest points to the highest",
        ),
        ({"criteria": [BASE["criteria"][0], BASE["criteria"][0]]}, "criterion ids must be unique"),
    ],
)
def test_bad_rubrics_say_what_is_wrong(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        rubric(**changes)


def test_file_types_by_name_extension_or_media_type() -> None:
    assert rubric(file_types=["PDF", ".jpg", "image/png", "jpeg"]).file_types == [
        "pdf",
        "jpeg",
        "png",
    ]


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<doc/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"GIF89a", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"Plain notes\n", "txt"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><p>", "markup"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "markup"),
        (b'<?xml version="1.0"?><a/>', "markup"),
        (office("word/"), "docx"),
        (office("xl/"), "xlsx"),
        (b"PK\x03\x04broken", None),
        (b"\x00\x01binary", None),
    ],
)
def test_kinds_are_found_by_content(data: bytes, kind: str | None) -> None:
    assert detect_kind(data) == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.pdf", b"", "the file is empty"),
        ("a.pdf", b"%PDF-" + b"0" * 100, "larger than the 50 bytes"),
        ("a.pdf", b"<html><script>alert(1)</script>", "web pages"),
        ("a.png", b"%PDF-1.4", "named '.png' but its content is pdf"),
        ("a", b"%PDF-1.4", r"named '.\(none\)'"),
        ("a.docx", office("word/"), "it is a docx file; allowed: pdf, txt"),
    ],
)
def test_files_that_cannot_be_kept(name: str, data: bytes, message: str) -> None:
    limit = 50 if "larger" in message else 10_000
    with pytest.raises(InvalidInputError, match=message):
        check_file(name, data, allowed=("pdf", "txt"), max_bytes=limit)


def test_safe_filenames() -> None:
    assert safe_filename("C:\\Users\\ann\\Report (final).PDF") == "Report_final_.pdf"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('x"; filename="evil.html') == "x_filename_evil.html"
    assert safe_filename("...") == "evidence"
    assert safe_filename("Ünïcodé.txt") == "Unicode.txt"
    assert len(safe_filename("a" * 300 + ".pdf")) == 100


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("https://example.org/work", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("https://user:pw@example.org", False),
        ("//example.org", False),
        ("https://exa mple.org", False),
        ("ftp://example.org", False),
    ],
)
def test_links(link: str, ok: bool) -> None:
    if ok:
        assert check_link(link) == link
    else:
        with pytest.raises(InvalidInputError):
            check_link(link)


def test_one_open_version_and_none_after_acceptance() -> None:
    import dataclasses
    import datetime as dt

    from credstack.domain.evidence import Submission

    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    first = Submission("s1", "i", "o", "r", "b", "u", 1, SubmissionState.SUBMITTED, at, "t")
    assert next_version([]) == 1
    with pytest.raises(ConflictError, match="waits for review"):
        next_version([first])
    returned = dataclasses.replace(first, state=SubmissionState.RETURNED)
    assert next_version([returned]) == 2
    with pytest.raises(ConflictError, match="accepted"):
        next_version([returned, dataclasses.replace(first, state=SubmissionState.ACCEPTED)])
