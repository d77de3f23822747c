"""protocol/events.py: the invariants every translated stream relies on."""
from __future__ import annotations

import pytest

from server.errors import StreamInterrupted, SwitchboardError
from server.protocol import signatures
from server.protocol.events import MessageStream, accumulate, usage


def stream() -> MessageStream:
    return MessageStream(model="claude-x", message_id="msg_1")


def test_one_block_open_at_a_time_and_indexes_without_gaps():
    ms = stream()
    ev = ms.start(usage(5))
    ev += ms.thinking("hmm") + ms.text("Hi") + ms.text("") + ms.tool_use("toolu_1", "f")
    ev += ms.tool_input('{"a"') + ms.tool_input(": 1}") + ms.text("after")
    ev += ms.finish("tool_use", usage(5, 9))
    types = [(e["type"], e.get("index")) for e in ev]
    assert types == [
        ("message_start", None),
        ("content_block_start", 0), ("content_block_delta", 0), ("content_block_delta", 0), ("content_block_stop", 0),
        ("content_block_start", 1), ("content_block_delta", 1), ("content_block_stop", 1),
        ("content_block_start", 2), ("content_block_delta", 2), ("content_block_delta", 2), ("content_block_stop", 2),
        ("content_block_start", 3), ("content_block_delta", 3), ("content_block_stop", 3),
        ("message_delta", None), ("message_stop", None),
    ]
    # The unsigned thinking block got a minted signature just before its stop.
    assert ev[3]["delta"]["type"] == "signature_delta"
    assert signatures.is_minted(ev[3]["delta"]["signature"])
    msg = accumulate(ev)
    assert [b["type"] for b in msg["content"]] == ["thinking", "text", "tool_use", "text"]
    assert msg["content"][2]["input"] == {"a": 1}
    assert msg["usage"]["output_tokens"] == 9 and msg["stop_reason"] == "tool_use"
    assert ms.finish("end_turn", usage()) == []  # nothing after message_stop


def test_start_usage_has_all_four_fields():
    start = stream().start()[0]
    assert start["message"]["usage"] == {"input_tokens": 0, "output_tokens": 0,
                                         "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def test_real_signature_closes_the_thinking_block():
    ms = stream()
    ev = ms.start() + ms.thinking("x") + ms.signature("EqQBCkYIBhgCIkB") + ms.thinking("y")
    kinds = [(e["type"], e.get("delta", {}).get("type")) for e in ev[1:]]
    assert kinds == [("content_block_start", None), ("content_block_delta", "thinking_delta"),
                     ("content_block_delta", "signature_delta"), ("content_block_stop", None),
                     ("content_block_start", None), ("content_block_delta", "thinking_delta")]


def test_fail_closes_the_open_block_then_error():
    ms = stream()
    ev = ms.start() + ms.text("par") + ms.fail(StreamInterrupted("broke"))
    assert [e["type"] for e in ev][-2:] == ["content_block_stop", "error"]
    assert ev[-1] == {"type": "error", "error": {"type": "api_error", "message": "broke"}}
    with pytest.raises(SwitchboardError, match="broke"):
        accumulate(ev)


def test_tool_with_no_arguments_accumulates_to_empty_object():
    ms = stream()
    ev = ms.start() + ms.tool_use("toolu_1", "now") + ms.tool_input("") + ms.finish("tool_use", usage())
    assert accumulate(ev)["content"][0]["input"] == {}
