"""The SSE response body: keep-alive pings, error events, usage tracking.

A translated stream arrives as batches of Anthropic events (one batch per
upstream read) and leaves as one write per batch. A passthrough stream is
forwarded byte for byte. While the upstream is silent, a ``ping`` goes out
every ``interval`` seconds so clients and proxies keep the connection
(translation.md §A.6) — only between frames, never inside one.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, AsyncIterator, Callable, TypeVar

from server import sse
from server.errors import ApiError, StreamInterrupted, SwitchboardError
from server.providers.base import Reply

T = TypeVar("T")
log = logging.getLogger("switchboard")
_OUTPUT_TOKENS = re.compile(rb'"output_tokens"\s*:\s*(\d+)')
_INPUT_TOKENS = re.compile(rb'"input_tokens"\s*:\s*(\d+)')


async def keepalive(source: AsyncIterator[T], interval: float) -> AsyncIterator[T | None]:
    """Items of ``source``; ``None`` after each ``interval`` s of silence.

    The pending ``__anext__`` survives a timeout (asyncio.wait does not cancel
    it), so no upstream data is lost; cancelling this generator (client gone)
    cancels the pending read and closes the source.
    """
    iterator = source.__aiter__()
    pending: asyncio.Future[T] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait((pending,), timeout=interval)
            if not done:
                yield None
                continue
            try:
                item = pending.result()
            except StopAsyncIteration:
                pending = None
                return
            pending = None
            yield item
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            try:
                await pending
            except (asyncio.CancelledError, StopAsyncIteration, Exception):
                pass
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                pass


class StreamStats:
    __slots__ = ("usage", "error")

    def __init__(self) -> None:
        self.usage: dict[str, Any] = {}
        self.error: SwitchboardError | None = None


async def event_body(reply: Reply, interval: float, stats: StreamStats,
                     on_close: Callable[[], None]) -> AsyncIterator[bytes]:
    assert reply.events is not None
    try:
        async for batch in keepalive(reply.events, interval):
            if batch is None:
                yield sse.PING
                continue
            for event in batch:
                etype = event["type"]
                if etype == "message_start":
                    stats.usage.update(event["message"].get("usage") or {})
                elif etype == "message_delta":
                    stats.usage.update(event.get("usage") or {})
                elif etype == "error":
                    stats.error = SwitchboardError(event["error"]["message"], error_type=event["error"]["type"])
            yield sse.encode_all(batch)
    except SwitchboardError as exc:
        stats.error = exc
        yield sse.encode(exc.body())
    except Exception:
        log.exception("stream failed")
        err = ApiError("Switchboard failed while streaming the response")
        stats.error = err
        yield sse.encode(err.body())
    finally:
        await reply.aclose()
        on_close()


async def raw_body(reply: Reply, interval: float, stats: StreamStats,
                   on_close: Callable[[], None]) -> AsyncIterator[bytes]:
    """Passthrough bytes; pings and errors only at frame boundaries."""
    assert reply.raw is not None
    tail = b"\n\n"  # the last bytes sent: a frame boundary ends in a blank line
    finished = False
    try:
        async for chunk in keepalive(reply.raw, interval):
            if chunk is None:
                if tail.endswith(b"\n\n"):
                    yield sse.PING
                continue
            if not chunk:
                continue
            window = tail + chunk
            if b"message_delta" in window or b"message_start" in window:
                _scan_usage(chunk, stats)
            if b"message_stop" in window or b"event: error" in window:
                finished = True
            tail = window[-16:]
            yield chunk
        if not finished:
            # The upstream closed without message_stop: never a silent end (§A.9).
            raise StreamInterrupted("the provider's stream ended before the message was complete")
    except SwitchboardError as exc:
        stats.error = exc
        yield (b"" if tail.endswith(b"\n\n") else b"\n\n") + sse.encode(exc.body())
    except Exception:
        log.exception("stream failed")
        err = ApiError("Switchboard failed while streaming the response")
        stats.error = err
        yield (b"" if tail.endswith(b"\n\n") else b"\n\n") + sse.encode(err.body())
    finally:
        await reply.aclose()
        on_close()


def _scan_usage(chunk: bytes, stats: StreamStats) -> None:
    out = _OUTPUT_TOKENS.findall(chunk)
    if out:
        stats.usage["output_tokens"] = int(out[-1])
    inp = _INPUT_TOKENS.findall(chunk)
    if inp:
        stats.usage["input_tokens"] = int(inp[-1])
