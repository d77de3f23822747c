"""Server-sent events: encode Anthropic events; parse upstream streams.

Encoding: every frame is ``event: <type>`` + ``data: <json>``, the event name
equal to the JSON ``type`` (translation.md §A.1: clients drop data-only frames).

Parsing follows the WHATWG event-stream rules
(https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream):
CRLF / CR / LF line endings (Gemini sends CRLF), ``:`` comment lines
(OpenRouter's ``: OPENROUTER PROCESSING``), ``data:`` with or without a space,
multi-line data, and frames or UTF-8 characters split across network reads.
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple

import orjson

from server.errors import UpstreamProtocolError

# The longest SSE line (and frame) Switchboard holds while it waits for the
# rest: an upstream that never ends a line must not fill the memory.
MAX_LINE_BYTES = 16 * 1024 * 1024

PING = b'event: ping\ndata: {"type":"ping"}\n\n'


def encode(event: dict[str, Any]) -> bytes:
    return b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"


def encode_all(events: Iterable[dict[str, Any]]) -> bytes:
    """One buffer for a batch of events: one write instead of one per event."""
    return b"".join(
        [b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events]
    )


class Frame(NamedTuple):
    event: str | None
    data: str


class SSEParser:
    """Incremental parser: ``feed(bytes)`` returns the frames completed so far."""

    __slots__ = ("_buf", "_event", "_data", "_pending_cr", "_size", "max_line")

    def __init__(self, max_line: int | None = None) -> None:
        self._buf = b""
        self._event: str | None = None
        self._data: list[str] = []
        self._pending_cr = False
        self._size = 0  # characters of data in the frame so far
        self.max_line = MAX_LINE_BYTES if max_line is None else max_line

    def feed(self, chunk: bytes) -> list[Frame]:
        if not chunk:
            return []
        if self._pending_cr and chunk.startswith(b"\n"):
            # The CR of a CRLF pair ended the previous read.
            chunk = chunk[1:]
        self._pending_cr = False
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            if buf.endswith(b"\r"):
                self._pending_cr = True
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        # The last element is an incomplete line (or b"" after a newline).
        self._buf = lines.pop()
        if len(self._buf) > self.max_line:
            self._buf = b""
            raise self._too_long()
        frames: list[Frame] = []
        for raw in lines:
            self._line(raw, frames)
        return frames

    def close(self) -> list[Frame]:
        """End of stream: dispatch a final frame that lacked its blank line."""
        frames: list[Frame] = []
        if self._buf:
            self._line(self._buf, frames)
            self._buf = b""
        self._line(b"", frames)
        return frames

    def _line(self, raw: bytes, frames: list[Frame]) -> None:
        if not raw:
            if self._data:
                frames.append(Frame(self._event, "\n".join(self._data)))
            self._event = None
            self._data = []
            self._size = 0
            return
        if raw[0] == 0x3A:  # ':' comment / keep-alive
            return
        line = raw.decode("utf-8", errors="replace")
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._size += len(value)
            if self._size > self.max_line:
                self._data = []
                raise self._too_long()
            self._data.append(value)
        elif field == "event":
            self._event = value
        # "id" and "retry" carry nothing Switchboard needs.

    def _too_long(self) -> UpstreamProtocolError:
        return UpstreamProtocolError(
            f"the provider sent a stream event larger than {self.max_line // (1024 * 1024)} MB; "
            f"Switchboard stopped reading it")
