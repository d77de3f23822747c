"""Pump an upstream SSE response through a stream translator.

Shared by every translating provider (OpenAI-compatible, Gemini): parse the
bytes as they arrive (server/sse.py), decode each frame's JSON, hand it to
the provider's ``on_payload`` (which calls the translator's ``feed`` or,
for an error payload, ``fail``), and yield one batch of Anthropic events per
network read. A broken connection or a missing finish becomes the
translator's ``fail`` events (translation.md §A.9), never a fake end.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Protocol

import httpx
import orjson

from server.errors import SwitchboardError, UpstreamProtocolError
from server.providers import http
from server.sse import SSEParser

Event = dict[str, Any]


class Translator(Protocol):
    @property
    def done(self) -> bool: ...
    def start(self) -> list[Event]: ...
    def feed(self, chunk: dict[str, Any]) -> list[Event]: ...
    def finish(self) -> list[Event]: ...
    def fail(self, error: SwitchboardError) -> list[Event]: ...


PayloadHandler = Callable[[str | None, dict[str, Any]], list[Event]]


PING_BATCH: list[Event] = [{"type": "ping"}]


async def pump(response: httpx.Response, t: Translator, provider: str,
               on_payload: PayloadHandler, idle: float | None = None,
               ping: float | None = None) -> AsyncIterator[list[Event]]:
    parser = SSEParser()

    def decode(frames: list[Any]) -> list[Event]:
        batch: list[Event] = []
        for frame in frames:
            if t.done:
                break
            data = frame.data
            if data == "[DONE]":
                continue
            try:
                payload = orjson.loads(data)
            except orjson.JSONDecodeError:
                batch += t.fail(UpstreamProtocolError(f"{provider}: the stream carried data that is not JSON"))
                break
            if isinstance(payload, dict):
                batch += on_payload(frame.event, payload)
        return batch

    yield t.start()
    try:
        async for chunk in http.iter_bytes(response, provider, idle, ping):
            if chunk is None:  # the upstream is silent: keep the client's connection
                yield PING_BATCH
                continue
            batch = decode(parser.feed(chunk))
            if batch:
                yield batch
            if t.done:
                return
        yield decode(parser.close()) + t.finish()
    except SwitchboardError as exc:
        yield t.fail(exc)


async def once(events: list[Event]) -> AsyncIterator[list[Event]]:
    """A finished event list as a one-batch stream."""
    yield events


def parse_json_object(data: bytes, provider: str) -> dict[str, Any]:
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise UpstreamProtocolError(f"{provider}: the answer was not JSON") from None
    if not isinstance(parsed, dict):
        raise UpstreamProtocolError(f"{provider}: the answer was not a JSON object")
    return parsed
