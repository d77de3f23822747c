"""Usage read from a passthrough stream however the reads cut it (issue 15:
the history's numbers must be right). Every cut point of recorded Anthropic
streams, and random cuts, give the final event's usage."""
from __future__ import annotations

import random

import pytest

from server.streaming import StreamStats, _scan_frames
from tests.conftest import UPSTREAM_FIXTURES

A = UPSTREAM_FIXTURES / "anthropic"
CASES = [
    ("stream-thinking-signature-text.sse", {"input_tokens": 43, "output_tokens": 282}),
    ("stream-redacted-thinking-text.sse", {"input_tokens": 92, "output_tokens": 189}),
]


def _usage(parts: list[bytes]) -> dict:
    stats = StreamStats()
    carry = b""
    for part in parts:
        carry = _scan_frames(carry, part, stats)
    return stats.usage


def _expected(data: bytes, want: dict) -> dict:
    return {**want, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}


@pytest.mark.parametrize("name, want", CASES)
def test_every_two_piece_cut(name, want):
    data = (A / name).read_bytes()
    expected = _expected(data, want)
    for cut in range(1, len(data)):
        assert _usage([data[:cut], data[cut:]]) == expected, cut


@pytest.mark.parametrize("name, want", CASES)
def test_random_small_reads(name, want):
    data = (A / name).read_bytes()
    rng = random.Random(15)
    for _ in range(200):
        parts, i = [], 0
        while i < len(data):
            n = rng.randint(1, 40)
            parts.append(data[i:i + n])
            i += n
        assert _usage(parts) == _expected(data, want)


def test_crlf_frames_and_cache_numbers():
    frames = (b'event: message_start\r\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,'
              b'"cache_read_input_tokens":700,"cache_creation_input_tokens":30,"output_tokens":1}}}\r\n\r\n'
              b'event: message_delta\r\ndata: {"type":"message_delta","usage":{"output_tokens":1234}}\r\n\r\n')
    for cut in range(1, len(frames)):
        assert _usage([frames[:cut], frames[cut:]]) == {"input_tokens": 5, "output_tokens": 1234,
                                                        "cache_read_input_tokens": 700,
                                                        "cache_creation_input_tokens": 30}


def test_a_long_text_frame_is_not_held():
    stats = StreamStats()
    big = b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"' + b"x" * 100_000
    assert _scan_frames(b"", big, stats) == b""
