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
    """Keep the cyclic garbage collector off the stream path.

    Everything alive once the app is built (Quart, aiohttp, catalogues, the
    config: ~200k objects) is moved out of the collector's sight with
    ``gc.freeze()``, so a full collection no longer walks it and stalls
    every stream for tens of ms (issue 7); the youngest generation is
    collected every 20,000 allocations instead of 700 (a stream's chunks
    allocate a few dozen short-lived objects each, freed by reference
    counting, not by the collector): on 64 paced streams the added time to
    first token fell from ~30 to ~18 ms (issue 22). Memory is still
    reclaimed: the collector only runs less often.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(20_000, gen1, gen2)
