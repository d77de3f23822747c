"""providers/timed_body.py: pings in silence, joined reads, idle limit, cleanup."""
from __future__ import annotations

import asyncio

import pytest

from server.providers.timed_body import timed_body


class Source:
    """An async byte source driven by a script of (delay, bytes)."""

    def __init__(self, script):
        self.script = script
        self.closed = False

    async def gen(self):
        for delay, data in self.script:
            await asyncio.sleep(delay)
            yield data

    async def close(self):
        self.closed = True


def collect(src: Source, **kw):
    async def run():
        out = []
        async for item in timed_body(src.gen(), close=src.close,
                                     on_idle=lambda s: TimeoutError(f"idle {s}"), **kw):
            out.append(item)
        return out

    return asyncio.run(run())


def test_pings_only_while_silent():
    src = Source([(0, b"a"), (0.35, b"b"), (0, b"c")])
    out = collect(src, ping=0.1, idle=None)
    assert out[0] == b"a" and out[-1] in (b"c", b"bc")
    assert 2 <= out.count(None) <= 4
    assert b"".join(x for x in out if x) == b"abc"
    assert src.closed


def test_waiting_reads_are_joined():
    async def run():
        src = Source([(0, b"x")] * 20)
        gen = timed_body(src.gen(), ping=None, idle=None, on_idle=TimeoutError, close=src.close)
        first = await gen.__anext__()
        await asyncio.sleep(0.05)  # the reader gets ahead of the consumer
        return [first] + [item async for item in gen]

    out = asyncio.run(run())
    assert b"".join(out) == b"x" * 20
    assert out[1] == b"x" * 19  # everything that waited came as one piece


def test_idle_silence_raises():
    src = Source([(0, b"a"), (5, b"never")])
    with pytest.raises(TimeoutError, match="idle 0.2"):
        collect(src, ping=0.05, idle=0.2)
    assert src.closed


def test_read_errors_are_mapped():
    class Broken(Source):
        async def gen(self):
            yield b"a"
            raise ConnectionResetError("gone")

    src = Broken([])

    async def run():
        async for _ in timed_body(src.gen(), ping=None, idle=None, on_idle=TimeoutError,
                                  on_error=lambda e: RuntimeError(f"mapped {type(e).__name__}"),
                                  close=src.close):
            pass

    with pytest.raises(RuntimeError, match="mapped ConnectionResetError"):
        asyncio.run(run())
    assert src.closed


def test_closing_the_consumer_stops_the_reader_and_closes_the_source():
    async def run():
        src = Source([(0, b"a")] + [(0.05, b"b")] * 100)
        gen = timed_body(src.gen(), ping=1, idle=None, on_idle=TimeoutError, close=src.close)
        assert await gen.__anext__() == b"a"
        await gen.aclose()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return src.closed, tasks

    closed, leftover = asyncio.run(run())
    assert closed and leftover == []
