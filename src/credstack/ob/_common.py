"""Building blocks shared by the OB 3.0 and CLR 2.0 wire models.

Why a base class: every wire object must survive ``model_validate(doc).to_json_ld() == doc``,
because a credential's proof signs the exact JSON-LD it carries. So the models keep unknown
properties (``extra="allow"``), keep each value in the shape it arrived in (a string stays a
string, a one-item list stays a list, ``1`` stays an int) and keep dates as the wire text,
checking only their lexical form.

Unions are discriminated by JSON shape, with tags in angle brackets (``UNION_TAGS``) that
``credstack.ob.validation`` strips from error paths, so a problem reads
``issuer.type: ...`` rather than naming a union branch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    field_validator,
)
from pydantic.alias_generators import to_camel

T = TypeVar("T")

#: Union branch tags that appear in Pydantic error locations; never JSON keys.
UNION_TAGS = frozenset({"<one>", "<many>", "<uri>", "<object>"})


def _one_or_many(value: Any) -> str:
    return "<many>" if isinstance(value, list) else "<one>"


#: A JSON value given either as one item or as an array of items (VC 2.0 allows both for
#: ``type``, ``proof``, ``credentialSchema``, ``credentialStatus``, ...). The shape is kept.
OneOrMany = Annotated[
    Annotated[T, Tag("<one>")] | Annotated[list[T], Tag("<many>")],
    Discriminator(_one_or_many),
]


def as_list(value: T | list[T] | None) -> list[T]:
    """The items of a one-or-many value (``None`` gives an empty list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class WireModel(BaseModel):
    """A JSON-LD object: camelCase wire names, unknown properties kept, exact round trip."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        strict=True,
    )

    def to_json_ld(self) -> dict[str, Any]:
        """The object as JSON data: only the properties that were given, unknown ones kept.

        For a model built by ``model_validate(doc)``, the result equals ``doc``.
        """
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class TypedModel(WireModel):
    """An object whose ``type`` is an unordered set of IRIs with required members.

    Subclasses name the IRIs in ``required_types`` (all must be present) and
    ``any_of_types`` (at least one must be present). A single string counts as a set of one.
    """

    required_types: ClassVar[tuple[str, ...]] = ()
    any_of_types: ClassVar[tuple[str, ...]] = ()

    type: OneOrMany[str]

    @field_validator("type")
    @classmethod
    def _check_type(cls, value: str | list[str]) -> str | list[str]:
        present = set(as_list(value))
        for required in cls.required_types:
            if required not in present:
                raise ValueError(f"must include '{required}'")
        if cls.any_of_types and present.isdisjoint(cls.any_of_types):
            names = ", ".join(f"'{name}'" for name in cls.any_of_types)
            raise ValueError(f"must include one of {names}")
        return value


def _number(value: Any) -> int | float:
    # JSON numbers only: a bool is not a number here, and an int stays an int so that
    # `"latitude": 1` does not come back as `1.0`.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return value


Number = Annotated[int | float, PlainValidator(_number)]


def _context_entry(value: Any) -> str | dict[str, Any]:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value
    raise ValueError("must be a URL string or an object")


ContextEntry = Annotated[str | dict[str, Any], PlainValidator(_context_entry)]


# XSD 1.1 dateTime / date lexical forms (https://www.w3.org/TR/xmlschema11-2/#dateTime).
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_DATE_TIME = re.compile(
    rf"(?P<year>{_YEAR})-(?P<month>\d\d)-(?P<day>\d\d)"
    r"T(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)(?P<fraction>\.\d+)?"
    r"(?P<tz>Z|[+-](?P<tzh>\d\d):(?P<tzm>\d\d))?"
)
_DATE = re.compile(rf"(?P<year>{_YEAR})-(?P<month>\d\d)-(?P<day>\d\d)")


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_day(year: int, month: int, day: int) -> bool:
    # Not `calendar`/`datetime`: XSD years may be 0, negative or beyond 9999.
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else _DAYS_IN_MONTH[month - 1]
    return 1 <= day <= days


def _valid_time(parts: dict[str, str | None]) -> bool:
    hour, minute, second = (int(parts[name] or 0) for name in ("hour", "minute", "second"))
    if hour == 24:  # XSD allows 24:00:00 as the end of a day
        fraction = (parts["fraction"] or ".0").strip(".0")
        return minute == 0 and second == 0 and not fraction
    return hour <= 23 and minute <= 59 and second <= 59


def _valid_offset(parts: dict[str, str | None]) -> bool:
    if parts["tzh"] is None:
        return True
    hours, minutes = int(parts["tzh"]), int(parts["tzm"] or 0)
    return minutes <= 59 and (hours < 14 or (hours == 14 and minutes == 0))


def is_xsd_date_time(value: str, *, require_timezone: bool) -> bool:
    """Whether ``value`` is an XSD dateTime (with a timezone, when required)."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    parts = match.groupdict()
    if require_timezone and parts["tz"] is None:
        return False
    return (
        _valid_day(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        and _valid_time(parts)
        and _valid_offset(parts)
    )


def is_xsd_date(value: str) -> bool:
    """Whether ``value`` is an XSD date without timezone (``YYYY-MM-DD``)."""
    match = _DATE.fullmatch(value)
    return match is not None and _valid_day(
        int(match["year"]), int(match["month"]), int(match["day"])
    )


def _date_time_z(value: str) -> str:
    if not is_xsd_date_time(value, require_timezone=True):
        raise ValueError("must be an XSD dateTime with a timezone, e.g. '2024-05-01T12:00:00Z'")
    return value


def _date_time(value: str) -> str:
    if not is_xsd_date_time(value, require_timezone=False):
        raise ValueError("must be an XSD dateTime, e.g. '2024-05-01T12:00:00Z'")
    return value


def _date(value: str) -> str:
    if not is_xsd_date(value):
        raise ValueError("must be a date of the form YYYY-MM-DD")
    return value


#: OB ``DateTimeZ``: an XSD dateTime that carries its timezone; kept as the wire text.
DateTimeZ = Annotated[str, AfterValidator(_date_time_z)]
#: OB ``DateTime``: an XSD dateTime, timezone optional; kept as the wire text.
DateTime = Annotated[str, AfterValidator(_date_time)]
#: OB ``Date``: ``YYYY-MM-DD``; kept as the wire text.
Date = Annotated[str, AfterValidator(_date)]

# The spec's extension convention for open vocabularies ("EnumExt"): an `ext:` prefix.
_EXTENSION_TERM = re.compile(r"ext:[A-Za-z0-9._-]+")


def vocabulary(name: str, terms: tuple[str, ...], *, extensible: bool) -> AfterValidator:
    """A check that a string is one of ``terms`` (or an ``ext:`` term when ``extensible``)."""
    allowed = frozenset(terms)
    extension = " or an 'ext:' extension term" if extensible else ""

    def check(value: str) -> str:
        if value in allowed or (extensible and _EXTENSION_TERM.fullmatch(value)):
            return value
        raise ValueError(f"must be a {name} value{extension}")

    return AfterValidator(check)


class Proof(WireModel):
    """An embedded proof (Data Integrity or a legacy suite). Only ``type`` is required."""

    type: OneOrMany[str]
    created: DateTime | None = None
    cryptosuite: str | None = None
    challenge: str | None = None
    domain: OneOrMany[str] | None = None
    nonce: str | None = None
    proof_purpose: str | None = None
    proof_value: str | None = None
    verification_method: str | None = None


class CredentialSchema(WireModel):
    """A schema the credential claims to conform to (``1EdTechJsonSchemaValidator2019``)."""

    id: str
    type: str


class CredentialStatus(WireModel):
    """Where to look up revocation or suspension. ``id`` is optional, as in VC 2.0."""

    id: str | None = None
    type: OneOrMany[str]


class RefreshService(WireModel):
    """Where a fresher copy of the credential can be fetched."""

    id: str
    type: str


class TermsOfUse(WireModel):
    """Policies under which the credential was issued."""

    id: str | None = None
    type: str


_VC_BASE_CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
)


def check_vc_context(value: list[str | dict[str, Any]]) -> list[str | dict[str, Any]]:
    """VC 2.0 §4.3 (VC 1.1 §4.1): the first ``@context`` entry is the base context."""
    if not value or value[0] not in _VC_BASE_CONTEXTS:
        raise ValueError(
            f"must start with '{_VC_BASE_CONTEXTS[0]}' (or, for VC 1.1, '{_VC_BASE_CONTEXTS[1]}')"
        )
    return value


#: ``@context``: an ordered list of context URLs and inline context objects.
Context = Annotated[list[ContextEntry], Field(alias="@context"), AfterValidator(check_vc_context)]
