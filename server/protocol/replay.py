"""A complete Anthropic Message replayed as stream events.

Used when a client asked to stream but the upstream answered with a whole
message (some Anthropic-compatible servers ignore ``stream``).
"""
from __future__ import annotations

from typing import Any, AsyncIterator

import orjson

from server.errors import UpstreamProtocolError
from server.protocol.events import usage as make_usage

Event = dict[str, Any]


def message_events(message: dict[str, Any]) -> list[Event]:
    if not isinstance(message, dict) or message.get("type") != "message":
        raise UpstreamProtocolError("The provider answered with something that is not a message")
    usage = {**make_usage(), **(message.get("usage") or {})}
    start = {k: v for k, v in message.items() if k != "content"}
    start.update(content=[], stop_reason=None, stop_sequence=None, usage=usage)
    events: list[Event] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(message.get("content") or []):
        btype = block.get("type")
        if btype == "text":
            events.append(_start(index, {"type": "text", "text": ""}))
            if block.get("text"):
                events.append(_delta(index, {"type": "text_delta", "text": block["text"]}))
        elif btype == "thinking":
            events.append(_start(index, {"type": "thinking", "thinking": "", "signature": ""}))
            if block.get("thinking"):
                events.append(_delta(index, {"type": "thinking_delta", "thinking": block["thinking"]}))
            events.append(_delta(index, {"type": "signature_delta", "signature": block.get("signature", "")}))
        elif btype == "tool_use":
            events.append(_start(index, {**block, "input": {}}))
            if block.get("input"):
                events.append(_delta(index, {"type": "input_json_delta",
                                             "partial_json": orjson.dumps(block["input"]).decode()}))
        else:
            events.append(_start(index, block))
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta",
                   "delta": {"stop_reason": message.get("stop_reason"),
                             "stop_sequence": message.get("stop_sequence")},
                   "usage": usage})
    events.append({"type": "message_stop"})
    return events


async def message_to_events(message: dict[str, Any]) -> AsyncIterator[list[Event]]:
    yield message_events(message)


def _start(index: int, block: dict[str, Any]) -> Event:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, delta: dict[str, Any]) -> Event:
    return {"type": "content_block_delta", "index": index, "delta": delta}
