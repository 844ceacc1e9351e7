"""Deeply immutable JSON values, so that what many documents share is processed once.

A cohort's credentials share most of their text: the issuer's profile, the achievement with
its alignments, results and EU elements. When those parts are built once as ``FrozenDict`` /
``FrozenList`` values and placed in every document, the fast JSON-LD path
(``credstack.vc.jsonld_rdf``) turns each shared part into quads once and reuses the quads, keyed
by the object's identity. That is only sound because the object can never change: every
mutating method raises, and the constructor freezes whatever it is given, all the way down.

They are still a ``dict`` and a ``list`` to everyone else (pyld, ``json``, Pydantic), and they
copy and pickle as themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

__all__ = ["FrozenDict", "FrozenList", "freeze"]


def _refuse(*_: Any, **__: Any) -> NoReturn:
    raise TypeError("frozen JSON values cannot be changed; build a new one")


class FrozenDict(dict[str, Any]):
    """A JSON object that cannot change; its values are frozen too."""

    __slots__ = ()

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        items = mapping.items() if isinstance(mapping, Mapping) else mapping
        super().__init__((key, freeze(value)) for key, value in items)

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: Any) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A JSON array that cannot change; its items are frozen too."""

    __slots__ = ()

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(freeze(item) for item in items)

    __setitem__ = _refuse
    __delitem__ = _refuse
    __iadd__ = _refuse
    __imul__ = _refuse
    append = _refuse
    extend = _refuse
    insert = _refuse
    pop = _refuse
    remove = _refuse
    clear = _refuse
    sort = _refuse
    reverse = _refuse

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: Any) -> FrozenList:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenList, (list(self),))


def freeze(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, strings, numbers, booleans, ``None``) made immutable.

    Raises ``TypeError`` for anything that is not JSON.
    """
    if isinstance(value, FrozenDict | FrozenList) or value is None:
        return value
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return FrozenDict(value)
    if isinstance(value, list | tuple):
        return FrozenList(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")
