"""Reading recorded upstream fixtures, and the stream invariant checker."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

from server.sse import SSEParser

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "upstream"
CLIENT_CAPTURES = Path("/work/shared/fixtures/clients")

STREAM_FIXTURES = sorted(
    str(p.relative_to(FIXTURES))
    for provider in ("openai", "deepseek", "openrouter", "groq")
    for p in (FIXTURES / provider).iterdir()
    if p.name.endswith((".sse", ".chunks.txt"))
)


def read_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def read_json(name: str) -> Any:
    return orjson.loads(read_bytes(name))


def _split(data: bytes, rng: random.Random | None) -> list[bytes]:
    if rng is None:
        return [data]
    pieces, i = [], 0
    while i < len(data):
        n = rng.randint(1, 40)
        pieces.append(data[i:i + n])
        i += n
    return pieces


def frames(name: str, seed: int | None = None) -> list[tuple[str | None, str]]:
    """(event, data) per frame. .sse goes through SSEParser fed in random
    small pieces when seed is given (splits land inside JSON and inside
    multi-byte UTF-8); .chunks.txt is one data payload per line."""
    data = read_bytes(name)
    if name.endswith(".chunks.txt"):
        return [(None, line) for line in data.decode("utf-8").splitlines() if line.strip()]
    parser = SSEParser()
    out = []
    for piece in _split(data, random.Random(seed) if seed is not None else None):
        out.extend(parser.feed(piece))
    out.extend(parser.close())
    return [(f.event, f.data) for f in out]


def chunks(name: str, seed: int | None = None) -> list[dict[str, Any]]:
    """Parsed JSON payloads, without the [DONE] terminator."""
    return [orjson.loads(data) for _, data in frames(name, seed) if data.strip() != "[DONE]"]


def check_invariants(events: list[dict[str, Any]]) -> None:
    """translation.md §A.2-5 and §A.9 over a complete event list."""
    assert events, "no events"
    assert events[0]["type"] == "message_start"
    usage = events[0]["message"]["usage"]
    assert set(usage) == {"input_tokens", "output_tokens", "cache_read_input_tokens",
                          "cache_creation_input_tokens"}
    open_index: int | None = None
    open_type: str | None = None
    next_index = 0
    last_delta: str | None = None
    deltas = 0
    ended = False
    for i, ev in enumerate(events[1:], start=1):
        kind = ev["type"]
        assert not ended, f"event after the end: {ev}"
        if kind == "ping":
            continue
        if kind == "content_block_start":
            assert open_index is None, "a block opened while another is open"
            assert ev["index"] == next_index, "block indexes must be contiguous from 0"
            open_index, open_type = ev["index"], ev["content_block"]["type"]
            next_index += 1
            last_delta = None
            block = ev["content_block"]
            if open_type == "text":
                assert block == {"type": "text", "text": ""}
            elif open_type == "thinking":
                assert block == {"type": "thinking", "thinking": "", "signature": ""}
            elif open_type == "tool_use":
                assert set(block) == {"type", "id", "name", "input"} and block["input"] == {}
                assert block["id"] and all(c.isalnum() or c in "_-" for c in block["id"])
            elif open_type == "redacted_thinking":
                assert block["data"]
            else:
                raise AssertionError(f"unknown block type {open_type}")
        elif kind == "content_block_delta":
            assert ev["index"] == open_index, "delta for a block that is not open"
            delta = ev["delta"]
            dtype = delta["type"]
            assert last_delta != "signature_delta", "nothing may follow a signature_delta"
            allowed = {"text": {"text_delta"}, "thinking": {"thinking_delta", "signature_delta"},
                       "tool_use": {"input_json_delta"}, "redacted_thinking": set()}[open_type]
            assert dtype in allowed, f"{dtype} inside a {open_type} block"
            if dtype == "text_delta":
                assert delta["text"]
            elif dtype == "thinking_delta":
                assert delta["thinking"]
            elif dtype == "signature_delta":
                assert delta["signature"]
            elif dtype == "input_json_delta":
                assert delta["partial_json"]
            last_delta = dtype
        elif kind == "content_block_stop":
            assert ev["index"] == open_index, "stop for a block that is not open"
            if open_type == "thinking":
                assert last_delta == "signature_delta", "thinking must end with one signature_delta"
            open_index = open_type = None
        elif kind == "message_delta":
            assert open_index is None, "message_delta with a block open"
            deltas += 1
            assert ev["delta"]["stop_reason"] in ("end_turn", "max_tokens", "tool_use", "refusal",
                                                  "stop_sequence", "pause_turn")
            assert set(ev["usage"]) >= {"input_tokens", "output_tokens"}
            assert events[i + 1]["type"] == "message_stop"
        elif kind == "message_stop":
            assert deltas == 1, "exactly one message_delta before message_stop"
            ended = True
        elif kind == "error":
            assert open_index is None, "error with a block open"
            assert deltas == 0
            assert set(ev["error"]) >= {"type", "message"} and ev["error"]["message"]
            ended = True
        else:
            raise AssertionError(f"unexpected event {kind}")
    assert ended, "stream neither stopped nor failed"
    sig_count = sum(1 for e in events if e["type"] == "content_block_delta"
                    and e["delta"]["type"] == "signature_delta")
    thinking_blocks = sum(1 for e in events if e["type"] == "content_block_start"
                          and e["content_block"]["type"] == "thinking")
    assert sig_count == thinking_blocks
