"""JSON-LD processing from several threads at once, as a threaded web server or bulk issuing does.

Signing (eddsa-rdfc-2022) and verifying both expand the credential with pyld. A race shows up
only under thread switches inside pyld's caches, so the test makes switches very frequent and
tries several rounds; each round starts its threads together.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from credstack.vc.jsonld import expand
from tests.conftest import ob_badge

THREADS = 8
ROUNDS = 12
PER_THREAD = 20


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_expanding_in_several_threads_at_once_always_succeeds() -> None:
    documents = [
        ob_badge("did:example:issuer", id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}")
        for n in range(THREADS)
    ]
    expected = [expand(document) for document in documents]
    failures: list[str] = []

    def run(index: int, start: threading.Barrier) -> None:
        start.wait()
        for _ in range(PER_THREAD):
            try:
                result = expand(documents[index])
            except Exception as error:  # any failure is the finding; record and stop
                failures.append(repr(error))
                return
            if result != expected[index]:
                failures.append(f"thread {index}: different expansion")
                return

    for _ in range(ROUNDS):
        start = threading.Barrier(THREADS)
        threads = [threading.Thread(target=run, args=(i, start)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            break
    assert failures == []
