"""server/sse.py: encoding, and parsing what real upstreams send."""
from __future__ import annotations

import json
import random

import pytest

from server.sse import Frame, SSEParser, encode, encode_all
from tests.conftest import UPSTREAM_FIXTURES


def feed_in_pieces(data: bytes, sizes) -> list[Frame]:
    parser, out, i = SSEParser(), [], 0
    for size in sizes:
        out += parser.feed(data[i:i + size])
        i += size
    out += parser.feed(data[i:])
    return out + parser.close()


def test_encode_names_the_event_after_its_type():
    assert encode({"type": "ping"}) == b'event: ping\ndata: {"type":"ping"}\n\n'
    both = encode_all([{"type": "message_stop"}, {"type": "ping"}])
    assert both == b'event: message_stop\ndata: {"type":"message_stop"}\n\nevent: ping\ndata: {"type":"ping"}\n\n'


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_line_endings(newline):
    data = (b"event: a" + newline + b"data: 1" + newline + newline + b"data:2" + newline + newline)
    for cut in range(len(data)):
        assert feed_in_pieces(data, [cut]) == [Frame("a", "1"), Frame(None, "2")], cut


def test_comments_multiline_data_and_unknown_fields():
    data = b": OPENROUTER PROCESSING\n\nid: 7\nretry: 10\ndata: a\ndata: b\n\n:keepalive\n"
    assert feed_in_pieces(data, []) == [Frame(None, "a\nb")]


def test_utf8_split_across_reads():
    text = "data: {\"t\": \"héllo wörld ✓ 你好\"}\n\n".encode()
    for cut in range(1, len(text)):
        assert feed_in_pieces(text, [cut]) == [Frame(None, '{"t": "héllo wörld ✓ 你好"}')]


def test_missing_final_blank_line_is_dispatched_at_close():
    assert feed_in_pieces(b"data: last", []) == [Frame(None, "last")]


@pytest.mark.parametrize("path", sorted(UPSTREAM_FIXTURES.glob("*/*.sse")), ids=lambda p: p.name)
def test_recorded_streams_parse_the_same_in_any_split(path):
    data = path.read_bytes()
    whole = feed_in_pieces(data, [])
    assert whole and all(f.data for f in whole)
    for f in whole:
        if f.data != "[DONE]":
            json.loads(f.data)
    rng = random.Random(path.name)
    sizes = [rng.randint(1, 17) for _ in range(len(data))]
    assert feed_in_pieces(data, sizes) == whole
