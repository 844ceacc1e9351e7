"""The collector's settings are raised for a cohort run and restored after, nested or not."""

from __future__ import annotations

import gc

import pytest

from credstack.services.gc_pause import RUN_THRESHOLD, fewer_collections


def test_settings_come_back_after_nested_runs_and_after_an_error() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(RUN_THRESHOLD, before[0])
        assert gc.get_freeze_count() > 0
        with fewer_collections():
            assert gc.get_threshold()[0] == max(RUN_THRESHOLD, before[0])
        assert gc.get_threshold()[0] == max(RUN_THRESHOLD, before[0])  # the outer run goes on
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a failing run")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
