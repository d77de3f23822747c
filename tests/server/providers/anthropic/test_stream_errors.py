"""Passthrough streams keep their bytes; only malformed error frames change."""
from __future__ import annotations

import asyncio
import json
import random

import pytest

from server.providers.anthropic.stream_errors import normalize_errors
from tests.conftest import UPSTREAM_FIXTURES


def run(parts: list[bytes]) -> bytes:
    async def source():
        for p in parts:
            yield p

    async def collect():
        return b"".join([c async for c in normalize_errors(source(), "local")])

    return asyncio.run(collect())


def splits(data: bytes, seed: int) -> list[bytes]:
    rng, out, i = random.Random(seed), [], 0
    while i < len(data):
        n = rng.randint(1, 15)
        out.append(data[i:i + n])
        i += n
    return out


@pytest.mark.parametrize("name", ["stream-thinking-signature-text.sse", "stream-redacted-thinking-text.sse"])
def test_recorded_streams_pass_byte_for_byte(name):
    data = (UPSTREAM_FIXTURES / "anthropic" / name).read_bytes()
    assert run([data]) == data
    for seed in range(5):
        assert run(splits(data, seed)) == data


GOOD_ERROR = b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
LLAMA_ERROR = (b'event: error\ndata: {"code":500,"message":"The model produced output that does not match",'
               b'"type":"server_error"}\n\n')
START = b'event: ping\ndata: {"type": "ping"}\n\n'


def test_anthropic_shaped_error_passes_unchanged():
    data = START + GOOD_ERROR
    for seed in range(10):
        assert run(splits(data, seed)) == data


def test_foreign_error_is_rewritten_into_anthropics_shape():
    for seed in range(10):
        out = run(splits(START + LLAMA_ERROR, seed))
        assert out.startswith(START)
        name, data = out[len(START):].strip().split(b"\n")
        assert name == b"event: error"
        assert json.loads(data[6:]) == {"type": "error", "error": {
            "type": "api_error", "message": "local: The model produced output that does not match"}}
