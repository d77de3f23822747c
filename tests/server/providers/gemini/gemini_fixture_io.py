"""Shared helpers for the Gemini tests: fixture loading and stream invariants."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from server.sse import SSEParser
from tests.conftest import CLIENT_FIXTURES

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = ROOT / "tests" / "fixtures" / "upstream" / "gemini"
# ../shared/fixtures/clients (or $SWITCHBOARD_SHARED), as every other test finds it.
CLIENTS = CLIENT_FIXTURES

# https://ai.google.dev/api/caching#Schema, minus documentation-only fields.
ALLOWED = {"type", "format", "description", "nullable", "enum", "maxItems", "minItems",
           "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
           "pattern", "example", "anyOf", "propertyOrdering", "items", "minimum", "maximum"}
TYPES = {"string", "number", "integer", "boolean", "array", "object"}
NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$")


def unsupported(schema, path="$"):
    """Every problem in a converted schema (Gemini would answer 400), as readable paths."""
    problems = []
    if not isinstance(schema, dict):
        return [f"{path}: not an object"]
    for key, value in schema.items():
        if key not in ALLOWED:
            problems.append(f"{path}.{key}")
    if "type" in schema and schema["type"] not in TYPES:
        problems.append(f"{path}.type={schema['type']!r}")
    if "enum" in schema and not all(isinstance(v, str) for v in schema["enum"]):
        problems.append(f"{path}.enum non-string")
    if schema.get("type") == "array" and "items" not in schema:
        problems.append(f"{path}: array without items")
    for name, sub in (schema.get("properties") or {}).items():
        problems += unsupported(sub, f"{path}.properties.{name}")
    if "required" in schema:
        missing = set(schema["required"]) - set(schema.get("properties") or {})
        if missing:
            problems.append(f"{path}.required names missing properties {missing}")
    if "items" in schema:
        problems += unsupported(schema["items"], f"{path}.items")
    for i, sub in enumerate(schema.get("anyOf") or []):
        problems += unsupported(sub, f"{path}.anyOf[{i}]")
    return problems


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sse_chunks(raw: bytes, pieces: list[bytes] | None = None) -> list[dict[str, Any]]:
    """Parse a raw SSE body (fed as ``pieces`` when given) into JSON payloads."""
    parser = SSEParser()
    frames = []
    for piece in pieces if pieces is not None else [raw]:
        frames.extend(parser.feed(piece))
    frames.extend(parser.close())
    return [json.loads(f.data) for f in frames]


def random_pieces(raw: bytes, seed: int, max_size: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(raw):
        n = rng.randint(1, max_size)
        out.append(raw[i:i + n])
        i += n
    return out


def load_chunks(name: str) -> list[dict[str, Any]]:
    """Every Gemini fixture as the list of response chunks it contains."""
    raw = fixture_bytes(name)
    if name.endswith(".sse"):
        return sse_chunks(raw)
    if name.endswith(".chunks.txt"):
        return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    return [json.loads(raw)]


def check_stream(events: list[dict[str, Any]]) -> None:
    """The §A invariants every translated stream must satisfy."""
    assert events[0]["type"] == "message_start"
    usage = events[0]["message"]["usage"]
    assert set(usage) == {"input_tokens", "output_tokens",
                          "cache_read_input_tokens", "cache_creation_input_tokens"}
    open_index = None
    next_index = 0
    kinds: dict[int, str] = {}
    signed: set[int] = set()
    ended = False
    for ev in events[1:]:
        assert not ended, f"event after the end: {ev}"
        t = ev["type"]
        if t == "content_block_start":
            assert open_index is None, "two blocks open"
            assert ev["index"] == next_index
            open_index = ev["index"]
            kinds[open_index] = ev["content_block"]["type"]
            next_index += 1
        elif t == "content_block_delta":
            assert ev["index"] == open_index
            d = ev["delta"]
            if d["type"] == "text_delta":
                assert d["text"] and kinds[open_index] == "text"
            elif d["type"] == "thinking_delta":
                assert d["thinking"] and kinds[open_index] == "thinking" and open_index not in signed
            elif d["type"] == "signature_delta":
                assert kinds[open_index] == "thinking" and open_index not in signed
                signed.add(open_index)
            elif d["type"] == "input_json_delta":
                assert kinds[open_index] == "tool_use" and d["partial_json"]
        elif t == "content_block_stop":
            assert ev["index"] == open_index
            if kinds[open_index] == "thinking":
                assert open_index in signed, "thinking block closed without a signature"
            open_index = None
        elif t == "message_delta":
            assert open_index is None
            nxt = events[events.index(ev) + 1]
            assert nxt["type"] == "message_stop"
        elif t == "message_stop":
            ended = True
        elif t == "error":
            assert open_index is None
            ended = True
        else:
            raise AssertionError(f"unexpected event {t}")
    assert ended
    assert sum(1 for e in events if e["type"] == "message_delta") <= 1
