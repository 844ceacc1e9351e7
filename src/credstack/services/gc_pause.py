"""Fewer runs of the cyclic garbage collector while a cohort is issued.

A credential is built, walked into RDF and signed in a few thousand short-lived objects
(dicts, lists, tuples, strings), none of which form cycles worth looking for mid-run; the
collector's youngest generation is swept every 700 allocations, and the older ones grow with
everything the process already holds (modules, SQLAlchemy's caches). During a run the young
threshold is raised and what existed before is frozen out of the sweeps (``gc.freeze``);
afterwards the settings are as they were. Reference counting still frees everything at once;
only cycles wait a little longer.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["fewer_collections"]

#: young-generation threshold during a run (CPython's default is 700)
RUN_THRESHOLD = 50_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Within: collections a hundred times rarer. Runs may overlap (threads): the first in
    saves the settings, the last out puts them back."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(RUN_THRESHOLD, _saved[0]), *_saved[1:])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()
