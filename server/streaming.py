"""The SSE response body: error events, usage tracking, pings.

A translated stream arrives as batches of Anthropic events (one batch per
upstream read, pings included) and leaves as one write per batch. A
passthrough stream is forwarded byte for byte; ``None`` in it means a ping
is due (providers/timed_body.py), sent only between frames, never inside one.
"""
from __future__ import annotations

import logging
import re
from typing import Any, AsyncIterator, Callable

from server import sse
from server.errors import ApiError, StreamInterrupted, SwitchboardError
from server.providers.base import Reply

log = logging.getLogger("switchboard")
_OUTPUT_TOKENS = re.compile(rb'"output_tokens"\s*:\s*(\d+)')
_INPUT_TOKENS = re.compile(rb'"input_tokens"\s*:\s*(\d+)')
_CACHE_TOKENS = ((re.compile(rb'"cache_read_input_tokens"\s*:\s*(\d+)'), "cache_read_input_tokens"),
                 (re.compile(rb'"cache_creation_input_tokens"\s*:\s*(\d+)'), "cache_creation_input_tokens"))


class StreamStats:
    __slots__ = ("usage", "error", "started")

    def __init__(self) -> None:
        self.usage: dict[str, Any] = {}
        self.error: SwitchboardError | None = None
        # Set once the body began: from then on its ``finally`` closes the
        # upstream; before, whoever gives up on the response must.
        self.started = False


async def event_body(reply: Reply, stats: StreamStats,
                     on_close: Callable[[], None]) -> AsyncIterator[bytes]:
    assert reply.events is not None
    stats.started = True
    try:
        async for batch in reply.events:
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


async def raw_body(reply: Reply, stats: StreamStats,
                   on_close: Callable[[], None]) -> AsyncIterator[bytes]:
    """Passthrough bytes; pings and errors only at frame boundaries."""
    assert reply.raw is not None
    stats.started = True
    tail = b"\n\n"  # the last bytes sent: a frame boundary ends in a blank line
    finished = False
    usage_frame = b""  # a message_start / message_delta frame cut by a read, until it is whole
    try:
        async for chunk in reply.raw:
            if chunk is None:  # a ping is due; only between frames
                if tail.endswith(b"\n\n"):
                    yield sse.PING
                continue
            if not chunk:
                continue
            window = tail + chunk
            usage_frame = _scan_frames(usage_frame, chunk, stats)
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


_USAGE_FRAME_HEAD = 96     # "message_delta" / "message_start" appear this early in their frame
_USAGE_FRAME_MAX = 65536   # never hold more than this of one frame


def _scan_frames(carry: bytes, chunk: bytes, stats: StreamStats) -> bytes:
    """Read usage from whole message_start / message_delta frames only.

    Reads cut frames anywhere: a number cut in two ("output_tokens":28|2) or
    a usage object in the read after its frame's name would be misread or
    lost (the usage history, issue 15, must be right). Returns the incomplete
    frame to carry into the next read, or b"" when it cannot hold usage.
    """
    data = carry + chunk if carry else chunk
    end = data.rfind(b"\n\n")
    crlf = data.rfind(b"\r\n\r\n")
    cut = max(end + 2 if end >= 0 else 0, crlf + 4 if crlf >= 0 else 0)
    done, rest = data[:cut], data[cut:]
    if done and (b"message_delta" in done or b"message_start" in done):
        _scan_usage(done, stats)
    head = rest[:_USAGE_FRAME_HEAD]
    if len(rest) <= 32 or ((b"message_delta" in head or b"message_start" in head) and len(rest) <= _USAGE_FRAME_MAX):
        return rest
    return b""


def _scan_usage(chunk: bytes, stats: StreamStats) -> None:
    out = _OUTPUT_TOKENS.findall(chunk)
    if out:
        stats.usage["output_tokens"] = int(out[-1])
    inp = _INPUT_TOKENS.findall(chunk)
    if inp:
        stats.usage["input_tokens"] = int(inp[-1])
    for pattern, key in _CACHE_TOKENS:  # usage history (issue 15): cache tokens priced on their own
        found = pattern.findall(chunk)
        if found:
            stats.usage[key] = int(found[-1])
