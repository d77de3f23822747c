"""An upstream body read with keep-alive pings and an idle limit.

Yields the bytes as they arrive, joined when several reads are waiting
(one parse, one translation and one client write for all of them), and
``None`` whenever ``ping`` seconds pass without data: the caller then sends
an Anthropic ``ping`` so clients and proxies keep the connection
(translation.md §A.6). ``idle`` seconds of silence end the stream with
StreamInterrupted.

Why not ``asyncio.wait``/``wait_for`` around each read: that creates a Task
per chunk, about 30 µs (build/bench, issue 7), more than the translation
itself. Here one reader task per stream appends to a deque and wakes the
consumer; one timer per ``ping`` interval checks for silence. Cancelling the
consumer (the client went away) cancels the reader, which closes the
upstream response at once (§A.7).
"""
from __future__ import annotations

import asyncio
import collections
from typing import AsyncIterator, Awaitable, Callable

_END = object()


class _Error:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


async def timed_body(
    source: AsyncIterator[bytes],
    *,
    ping: float | None,
    idle: float | None,
    on_idle: Callable[[float], BaseException],
    on_error: Callable[[BaseException], BaseException] = lambda exc: exc,
    close: Callable[[], Awaitable[None]] | None = None,
) -> AsyncIterator[bytes | None]:
    """See the module docstring. ``on_error`` maps a read failure to the
    exception the consumer sees; ``close`` releases the upstream at the end."""
    loop = asyncio.get_running_loop()
    queue: collections.deque[object] = collections.deque()
    waiter: list[asyncio.Future[None] | None] = [None]
    last = [loop.time()]

    def wake() -> None:
        w = waiter[0]
        if w is not None and not w.done():
            w.set_result(None)

    async def read() -> None:
        try:
            async for chunk in source:
                queue.append(chunk)
                last[0] = loop.time()
                wake()
            queue.append(_END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the consumer, raised there
            queue.append(_Error(on_error(exc)))
        wake()

    reader = loop.create_task(read())
    timer: list[asyncio.TimerHandle | None] = [None]
    period = min(x for x in (ping, idle) if x) if (ping or idle) else None

    last_ping = [last[0]]

    def tick() -> None:
        now = loop.time()
        if idle and now - last[0] >= idle:
            queue.append(_Error(on_idle(idle)))
            wake()
            return
        if ping and now - max(last[0], last_ping[0]) >= ping:
            queue.append(None)
            last_ping[0] = now  # the next ping a full interval later
            wake()
        timer[0] = loop.call_later(period, tick)  # type: ignore[arg-type]

    if period:
        timer[0] = loop.call_later(period, tick)
    try:
        while True:
            if not queue:
                waiter[0] = loop.create_future()
                await waiter[0]
                waiter[0] = None
            item = queue.popleft()
            if isinstance(item, bytes) and queue and isinstance(queue[0], bytes):
                parts = [item]
                while queue and isinstance(queue[0], bytes):
                    parts.append(queue.popleft())  # type: ignore[arg-type]
                item = b"".join(parts)
            if item is _END:
                return
            if isinstance(item, _Error):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        if timer[0] is not None:
            timer[0].cancel()
        if not reader.done():
            reader.cancel()
            try:
                await reader
            except BaseException:
                pass
        if close is not None:
            try:
                await close()
            except Exception:
                pass
