"""The event loop the server runs on: uvloop where it is installed.

Measured with build/bench (issue 7): on 64 concurrent streams whose chunks
arrive 5 ms apart, the gateway spends most of its time in the event loop and
socket calls; uvloop (libuv) cut its CPU per stream by about a quarter.
uvloop has no Windows build; there the standard asyncio loop serves.
"""
from __future__ import annotations

import asyncio
import gc


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def quiet_gc() -> None:
    """Keep the cyclic garbage collector off the stream path (issue 22).

    Everything alive once the app is built (modules, catalogues, the
    config) is moved out of the collector's sight with ``gc.freeze()``, so
    a full collection no longer walks it; the youngest generation is
    collected every 20,000 allocations instead of 700 (a stream's chunks
    allocate a few dozen short-lived objects each, freed by reference
    counting, not by the collector). Memory is still reclaimed: this only
    makes the collector run less often.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(20_000, gen1, gen2)
