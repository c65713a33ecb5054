"""The web process freezes its long-lived heap after warm-up (hotline/web/heap.py, issue #20 item 7).

The slow GET in twenty on four console pages was a full garbage-collector pass over ~400,000
long-lived objects; frozen objects are skipped by every later pass."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hotline.config import get_settings
from hotline.main import create_app
from hotline.web import heap

collections: list[int] = []


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """As if the process had served nothing yet, with nothing frozen; records each freeze (the request
    it followed) and each collection's oldest generation in ``collections``."""
    gc.unfreeze()
    monkeypatch.setattr(heap, "_served", 0)
    monkeypatch.setattr(heap, "FREEZE_AFTER", (1, 3))
    monkeypatch.setattr(heap, "_after_full", 0)
    monkeypatch.setattr(heap, "_full_pass", False)
    freezes: list[int] = []
    real = heap.freeze_long_lived

    def recording(**full: bool) -> None:
        freezes.append(heap._served)
        real(**full)

    monkeypatch.setattr(heap, "freeze_long_lived", recording)
    collections.clear()
    collect = gc.collect
    monkeypatch.setattr(heap.gc, "collect", lambda generation=2: collections.append(generation) or collect(generation))
    yield freezes
    gc.unfreeze()


def test_the_first_request_freezes_the_startup_heap(fresh_process: list[int]) -> None:
    assert gc.get_freeze_count() == 0
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        # the app, its routes and models are alive: they are now outside every later collection
        assert gc.get_freeze_count() > 10_000
        for _ in range(4):
            client.get("/healthz")
    assert fresh_process == [1, 3], "frozen after the 1st and the 3rd request, not after every one"
    # only the first freeze walks the whole heap; a later one collects the young generations (a full pass
    # there held the event loop 57–138 ms after the 50th and the 1,000th request)
    assert collections == [2, 1], collections


def test_the_setting_turns_it_off(fresh_process: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_GC_FREEZE", "false")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            client.get("/healthz")
    finally:
        monkeypatch.delenv("HOTLINE_GC_FREEZE")
        get_settings.cache_clear()
    assert fresh_process == [] and gc.get_freeze_count() == 0


def test_a_full_pass_of_the_collector_is_followed_by_a_freeze(fresh_process: list[int],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Once warm, the caches go on growing and CPython's own full passes walked them all, 50–100 ms each on the
    demo; after a request during which the collector made one, the heap is frozen again (young generations
    collected first), so the next full pass walks only what arrived since."""
    with TestClient(create_app()) as client:
        for _ in range(4):
            client.get("/healthz")
        assert fresh_process == [1, 3]
        client.get("/healthz")
        assert fresh_process == [1, 3], "no full pass, no freeze"
        gc.collect()  # the collector's own full pass (the middleware's callback sees it), during a request
        client.get("/healthz")
        assert fresh_process == [1, 3, 6], "frozen after the request the full pass fell into"
        client.get("/healthz")
        assert fresh_process == [1, 3, 6], "once"
        monkeypatch.setattr(heap, "MAX_AFTER_FULL_PASS", 1)  # a bounded number of times a process
        gc.collect()
        client.get("/healthz")
        assert fresh_process == [1, 3, 6], "not more than MAX_AFTER_FULL_PASS times"
    assert collections == [2, 1, 2, 1, 2], collections
