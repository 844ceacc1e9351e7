"""Structural checks of OB 3.0 / CLR 2.0 credential documents, reported as a list of problems.

Why a list and not an exception: a document arrives from outside (an upload, a wallet, a baked
image) and the caller wants to show every problem at once, each with the JSON path of the
property at fault, e.g. ``credentialSubject.achievement.type: must include 'Achievement'``.
An empty list means the document has the shape the spec requires. Nothing here checks
proofs, status, dates against a clock, or fetches anything: that is ``credstack.vc``'s job.

Two sources of problems:

1. the Pydantic wire models (chosen by the document's ``type``), and
2. optionally a JSON Schema the caller supplies, such as 1EdTech's OB 3.0 AchievementCredential
   schema. The project does not ship that schema; pass the parsed document in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError as JsonSchemaError
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from credstack.ob._common import UNION_TAGS, as_list
from credstack.ob.clr_v2p0 import ClrCredential
from credstack.ob.v3p0 import CredentialModel, EndorsementCredential, OpenBadgeCredential

# First match wins: a ClrCredential is checked as a CLR even if it also names other types.
_MODELS_BY_TYPE: tuple[tuple[str, type[CredentialModel]], ...] = (
    ("ClrCredential", ClrCredential),
    ("EndorsementCredential", EndorsementCredential),
    ("OpenBadgeCredential", OpenBadgeCredential),
    ("AchievementCredential", OpenBadgeCredential),
)
_KNOWN_TYPES = ", ".join(f"'{name}'" for name, _ in _MODELS_BY_TYPE)
_MAX_MESSAGE = 300
# Pydantic's wording names Python types; say what the JSON should have been instead.
_MESSAGES = {
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be a boolean",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def credential_model_for(document: Mapping[str, Any]) -> type[CredentialModel] | None:
    """The model class for ``document``'s ``type``, or None when it names no known class."""
    raw = document.get("type")
    names = {name for name in as_list(raw) if isinstance(name, str)}
    for name, model in _MODELS_BY_TYPE:
        if name in names:
            return model
    return None


def validate_credential(document: object, *, schema: Mapping[str, Any] | None = None) -> list[str]:
    """Every structural problem of ``document``, as ``"<json path>: <problem>"`` strings.

    ``document`` is parsed JSON of any shape; anything but an object is one problem. The
    model is chosen by ``type`` (OpenBadgeCredential / AchievementCredential,
    EndorsementCredential, ClrCredential). When ``schema`` is given, its problems (see
    ``schema_errors``) follow, marked ``(schema)``; it is applied as is, so pass a schema that
    fits the document's class. Never raises: an unexpected failure becomes a problem too.
    """
    try:
        problems = _model_problems(document)
        if schema is not None and isinstance(document, Mapping):
            problems += [f"{problem} (schema)" for problem in schema_errors(document, schema)]
    except Exception as exc:  # the contract is "never raises"; report instead
        return [f"(root): could not be checked: {type(exc).__name__}: {exc}"]
    return list(dict.fromkeys(problems))


def schema_errors(document: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Problems found by validating ``document`` against a draft 2019-09 JSON ``schema``.

    Known quirk handled here: 1EdTech's OB 3.0 schema declares ``proof`` as an array, while
    VC 2.0 also allows a single proof object (which 1EdTech's own signed example uses). Before
    validating, a single ``proof`` object of the credential and of any embedded credential
    is wrapped in a one-item list, on a copy; ``document`` itself is not changed.

    The schema is trusted, not itself checked against the draft 2019-09 metaschema (that
    check costs some 200 ms); a malformed schema makes jsonschema raise its own errors.
    """
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = validator.iter_errors(_proofs_as_arrays(document))
    leaves = (leaf for error in errors for leaf in _specific_errors(error))
    return sorted(f"{format_path(leaf.absolute_path)}: {_shorten(leaf.message)}" for leaf in leaves)


def format_path(location: Iterable[str | int]) -> str:
    """A JSON path such as ``credentialSubject.result[1].type`` (``(root)`` when empty).

    Union branch tags that Pydantic puts in error locations are left out.
    """
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in UNION_TAGS:
            path += f".{part}" if path else part
    return path or "(root)"


def _model_problems(document: object) -> list[str]:
    if not isinstance(document, Mapping):
        return [f"(root): must be a JSON object, not {_json_kind(document)}"]
    model = credential_model_for(document)
    if model is None:
        return [f"type: must include one of {_KNOWN_TYPES}"]
    try:
        model.model_validate(dict(document))
    except ValidationError as exc:
        return [_describe(error) for error in exc.errors()]
    return []


def _describe(error: ErrorDetails) -> str:
    message = _MESSAGES.get(error["type"])
    if message is None:
        message = error["msg"].removeprefix("Value error, ")
        if message.startswith("Input should be "):
            message = "must be " + message.removeprefix("Input should be ")
    return f"{format_path(error['loc'])}: {message}"


def _specific_errors(error: JsonSchemaError) -> Iterator[JsonSchemaError]:
    # A failed oneOf/anyOf (such as issuer: URI or Profile) says only "not valid under any of
    # the given schemas" about the whole object; the branch errors that reach deeper into it
    # name the property at fault (issuer.parentOrg.type), so report those instead.
    depth = len(error.absolute_path)
    deeper = [sub for sub in error.context or () if len(sub.absolute_path) > depth]
    if not deeper:
        yield error
        return
    for sub in deeper:
        yield from _specific_errors(sub)


def _proofs_as_arrays(value: Any) -> Any:
    if isinstance(value, list):
        return [_proofs_as_arrays(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    copy = {key: _proofs_as_arrays(item) for key, item in value.items()}
    if isinstance(copy.get("proof"), Mapping) and _is_credential(copy):
        copy["proof"] = [copy["proof"]]
    return copy


def _is_credential(value: Mapping[str, Any]) -> bool:
    return "VerifiableCredential" in as_list(value.get("type"))


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in kinds.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _shorten(message: str) -> str:
    # jsonschema quotes whole instances in some messages; keep problems to one readable line.
    if len(message) <= _MAX_MESSAGE:
        return message
    return message[: _MAX_MESSAGE - 3] + "..."
