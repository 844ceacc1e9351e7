"""Frozen JSON values: immutable all the way down, yet a dict and a list to everyone else."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from credstack.vc.frozen import FrozenDict, FrozenList, freeze

DOCUMENT = {"id": "urn:x", "list": [1, {"nested": ["a", None, True, 2.5]}], "obj": {"k": "v"}}


def test_freeze_makes_every_level_frozen_and_keeps_the_json() -> None:
    frozen = freeze(DOCUMENT)
    assert type(frozen) is FrozenDict
    assert type(frozen["list"]) is FrozenList
    assert type(frozen["list"][1]) is FrozenDict
    assert type(frozen["list"][1]["nested"]) is FrozenList
    assert frozen == DOCUMENT
    assert json.loads(json.dumps(frozen)) == DOCUMENT


def test_the_constructors_freeze_what_they_are_given() -> None:
    # a FrozenDict built directly must not hold a mutable value either
    made = FrozenDict({"inner": {"a": [1]}})
    assert type(made["inner"]) is FrozenDict
    assert type(made["inner"]["a"]) is FrozenList
    assert type(FrozenList([{"a": 1}])[0]) is FrozenDict


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("id", "other"),
        lambda d: d.__delitem__("id"),
        lambda d: d.update({"x": 1}),
        lambda d: d.setdefault("x", 1),
        lambda d: d.pop("id"),
        lambda d: d.popitem(),
        lambda d: d.clear(),
        lambda d: d.__ior__({"x": 1}),
        lambda d: d["list"].append(3),
        lambda d: d["list"].extend([3]),
        lambda d: d["list"].insert(0, 3),
        lambda d: d["list"].__setitem__(0, 3),
        lambda d: d["list"].__delitem__(0),
        lambda d: d["list"].pop(),
        lambda d: d["list"].remove(1),
        lambda d: d["list"].clear(),
        lambda d: d["list"].sort(),
        lambda d: d["list"].reverse(),
        lambda d: d["list"].__iadd__([3]),
        lambda d: d["list"].__imul__(2),
        lambda d: d["list"][1]["nested"].append("deep"),
    ],
)
def test_no_level_can_be_changed(change: Any) -> None:
    frozen = freeze(DOCUMENT)
    with pytest.raises(TypeError, match="cannot be changed"):
        change(frozen)
    assert frozen == DOCUMENT


def test_copies_are_the_object_itself_and_pickles_are_equal_and_frozen() -> None:
    frozen = freeze(DOCUMENT)
    assert copy.copy(frozen) is frozen
    assert copy.deepcopy({"a": frozen})["a"] is frozen
    again = pickle.loads(pickle.dumps(frozen))
    assert again == frozen
    assert type(again) is FrozenDict
    assert type(again["list"][1]["nested"]) is FrozenList


def test_freeze_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError, match="set is not a JSON value"):
        freeze({"a": {1, 2}})
    assert freeze("text") == "text"
    assert freeze(None) is None
