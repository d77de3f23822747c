"""Raw SSE reading and the stream grammar checks (translation.md §A.1-5)."""
from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.live_server import ACCESS_KEY, LiveServer

HEADERS = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
TOOL_ID = r"^[a-zA-Z0-9_-]+$"
# The SDK (2.x) has no temperature argument any more; it still goes on the wire.
T0: dict[str, Any] = {"extra_body": {"temperature": 0}}


def parse_sse(text: str) -> list[tuple[str | None, dict[str, Any]]]:
    """(event name, decoded data) per frame; frames without data are dropped."""
    frames = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            frames.append((name, json.loads("\n".join(data))))
    return frames


def post_stream(gateway: LiveServer, body: dict[str, Any], timeout: float = 120) -> tuple[httpx.Response, list[tuple[str | None, dict[str, Any]]]]:
    with httpx.stream("POST", gateway.url + "/v1/messages", json={**body, "stream": True},
                      headers=HEADERS, timeout=timeout) as response:
        text = response.read().decode("utf-8")
    return response, (parse_sse(text) if response.status_code == 200 else [])


def check_grammar(frames: list[tuple[str | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Assert the Anthropic stream grammar; return the events without pings."""
    for name, data in frames:
        assert name == data.get("type"), f"event name {name!r} != data type {data.get('type')!r}"
    events = [data for _, data in frames if data["type"] != "ping"]
    types = [e["type"] for e in events]
    assert types[0] == "message_start", types
    assert types[-1] == "message_stop", types
    assert types.count("message_delta") == 1 and types[-2] == "message_delta", types
    assert "error" not in types, events
    start = events[0]["message"]
    assert start["id"] and start["role"] == "assistant" and start["content"] == []
    assert isinstance(start["usage"]["input_tokens"], int)
    open_index, next_index = None, 0
    for e in events[1:-2]:
        if e["type"] == "content_block_start":
            assert open_index is None, "a block started while another was open"
            assert e["index"] == next_index, "block indexes must be 0, 1, 2... without gaps"
            open_index = e["index"]
        elif e["type"] == "content_block_delta":
            assert e["index"] == open_index
            delta = e["delta"]
            if delta["type"] == "text_delta":
                assert delta["text"] != "", "empty text delta"
        elif e["type"] == "content_block_stop":
            assert e["index"] == open_index
            open_index, next_index = None, next_index + 1
        else:
            raise AssertionError(f"unexpected event {e['type']} inside the message")
    assert open_index is None, "a block was left open"
    return events


def block_types(events: list[dict[str, Any]]) -> list[str]:
    return [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]


def stop_reason(events: list[dict[str, Any]]) -> str:
    return next(e for e in events if e["type"] == "message_delta")["delta"]["stop_reason"]


def final_usage(events: list[dict[str, Any]]) -> dict[str, Any]:
    usage = dict(events[0]["message"]["usage"])
    usage.update(next(e for e in events if e["type"] == "message_delta").get("usage") or {})
    return usage
