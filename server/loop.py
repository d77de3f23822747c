"""The event loop the server runs on: uvloop where it is installed.

Measured with build/bench (issue 7): on 64 concurrent streams whose chunks
arrive 5 ms apart, the gateway spends most of its time in the event loop and
socket calls; uvloop (libuv) cut its CPU per stream by about a quarter.
uvloop has no Windows build; there the standard asyncio loop serves.
"""
from __future__ import annotations

import asyncio


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
