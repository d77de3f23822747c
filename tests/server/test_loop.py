"""server/loop.py: the event loop and the collector settings the server runs with."""
from __future__ import annotations

import gc

import pytest

from server.loop import new_event_loop, quiet_gc


@pytest.fixture
def restore_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_quiet_gc_freezes_what_exists_and_collects_the_young_less_often(restore_gc) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    quiet_gc()
    assert gc.get_freeze_count() > 1000          # the app's modules and objects: out of the collector's walks
    assert gc.get_threshold()[0] == 20_000
    assert gc.isenabled()                         # memory is still reclaimed
    garbage = []
    garbage.append(garbage)                       # a cycle made afterwards is still collected
    del garbage
    assert gc.collect() >= 1


def test_event_loop_runs() -> None:
    loop = new_event_loop()
    try:
        assert loop.run_until_complete(_answer()) == 42
    finally:
        loop.close()


async def _answer() -> int:
    return 42
