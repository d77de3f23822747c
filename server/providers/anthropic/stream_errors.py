"""Passthrough streams: forward bytes unchanged, except malformed errors.

An Anthropic-compatible server may end a stream with an ``event: error``
whose data is not Anthropic's ``{"type":"error","error":{"type","message"}}``
(llama.cpp sends ``{"code":500,"message":...,"type":"server_error"}``); the
official SDK then raises an error with no type or message. Such a frame is
rewritten into Anthropic's shape, naming the provider; everything else,
well-formed errors included, passes byte for byte (translation.md §H.35).
Only bytes that could start an ``event: error`` line are ever held back.
"""
from __future__ import annotations

from typing import AsyncIterator

import orjson

from server import sse
from server.errors import UpstreamError
from server.providers.anthropic.errors import extract_message

_MARK = b"event: error"


def _held_suffix(data: bytes) -> int:
    """Length of the longest suffix of ``data`` that begins ``event: error``."""
    if data.endswith(b"\n"):  # a read ending at a line end (nearly all): the mark has no newline
        return 0
    for n in range(min(len(_MARK) - 1, len(data)), 0, -1):
        if data.endswith(_MARK[:n]):
            return n
    return 0


def normalize_error_frame(frame: bytes, provider: str) -> bytes:
    data_lines = [line[5:].lstrip() for line in frame.replace(b"\r\n", b"\n").split(b"\n")
                  if line.startswith(b"data:")]
    raw = b"\n".join(data_lines)
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = None
    if (isinstance(payload, dict) and payload.get("type") == "error" and isinstance(payload.get("error"), dict)
            and isinstance(payload["error"].get("type"), str) and isinstance(payload["error"].get("message"), str)):
        return frame
    status = 500
    if isinstance(payload, dict):
        for key in ("code", "status_code", "status"):
            value = payload.get(key)
            if isinstance(value, int) and 400 <= value <= 599:
                status = value
                break
    message = extract_message(raw) or "the provider reported an error mid-stream"
    return sse.encode(UpstreamError(provider, status, message).body())


async def normalize_errors(chunks: AsyncIterator[bytes | None], provider: str) -> AsyncIterator[bytes | None]:
    """``None`` (a ping is due) passes through untouched."""
    buf = b""
    async for chunk in chunks:
        if chunk is None:
            yield None
            continue
        data = buf + chunk if buf else chunk
        buf = b""
        while data:
            i = data.find(_MARK)
            if i < 0:
                keep = _held_suffix(data)
                if keep:
                    data, buf = data[:-keep], data[-keep:]
                if data:
                    yield data
                break
            end = data.find(b"\n\n", i)
            crlf_end = data.find(b"\r\n\r\n", i)
            if end < 0 and crlf_end < 0:
                if i:
                    yield data[:i]
                buf = data[i:]
                break
            stop = min(x for x in (end + 2 if end >= 0 else None, crlf_end + 4 if crlf_end >= 0 else None)
                       if x is not None)
            if i:
                yield data[:i]
            yield normalize_error_frame(data[i:stop], provider)
            data = data[stop:]
    if buf:
        yield normalize_error_frame(buf, provider) if buf.startswith(_MARK) else buf
