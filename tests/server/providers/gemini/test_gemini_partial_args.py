"""Function calls whose arguments Gemini streams in pieces (Vertex AI
``streamFunctionCallArguments``): one ``tool_use`` per call, never a nameless
one, an ``event: error`` when the pieces cannot be put together.

Fixtures: tests/fixtures/upstream/GEMINI_SOURCES.md, "Streamed function-call
arguments" (three recorded Vertex AI streams, three written from Google's
reference).
"""
from __future__ import annotations

import itertools
import json

import pytest

from server.errors import SwitchboardError
from server.protocol import ids, signatures
from server.protocol.events import accumulate
from server.providers.gemini.partial_calls import parse_json_path
from server.providers.gemini.stream import GeminiStreamTranslator

from gemini_fixture_io import check_stream, load_chunks

MODEL = "claude-sonnet-4-5"
RECORDED = ["stream-vertex-partial-args-two-calls.chunks.txt",
            "stream-vertex-partial-args-nested.chunks.txt",
            "stream-vertex-partial-args-no-terminal.chunks.txt"]


@pytest.fixture(autouse=True)
def fixed_tool_ids(monkeypatch):
    counter = itertools.count(1)
    monkeypatch.setattr(ids, "new_tool_id", lambda: f"toolu_{next(counter):02d}")


def translate(chunks, **kw):
    t = GeminiStreamTranslator(model=MODEL, message_id="msg_test", provider="vertex", **kw)
    events = t.start()
    for chunk in chunks:
        events += t.feed(chunk)
    return events + t.finish()


def tool_blocks(events):
    return [e["content_block"] for e in events
            if e["type"] == "content_block_start" and e["content_block"]["type"] == "tool_use"]


def first_signature(chunks):
    return next(p["thoughtSignature"] for c in chunks for p in c["candidates"][0]["content"]["parts"]
                if "thoughtSignature" in p)


def _chunk(parts, finish=None):
    cand = {"content": {"role": "model", "parts": parts}}
    if finish:
        cand["finishReason"] = finish
    return {"candidates": [cand]}


@pytest.mark.parametrize("name", RECORDED)
def test_recorded_streams_never_emit_a_nameless_tool_use(name):
    chunks = load_chunks(name)
    # The fixture really is the piecewise shape: more functionCall parts than calls.
    parts = [p for c in chunks for p in c["candidates"][0]["content"]["parts"] if "functionCall" in p]
    named = [p for p in parts if p["functionCall"].get("name")]
    assert len(parts) > 2 * len(named)
    events = translate(chunks)
    check_stream(events)
    blocks = tool_blocks(events)
    assert len(blocks) == len(named)
    assert all(b["name"] for b in blocks)
    assert events[-1] == {"type": "message_stop"}


def test_two_sequential_calls_exact():
    chunks = load_chunks("stream-vertex-partial-args-two-calls.chunks.txt")
    events = translate(chunks)
    check_stream(events)
    sig = signatures.mint("gemini", first_signature(chunks))
    assert events[1:] == [
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": sig}},
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block":
            {"type": "tool_use", "id": "toolu_01", "name": "getWeather", "input": {}}},
        {"type": "content_block_delta", "index": 1,
         "delta": {"type": "input_json_delta", "partial_json": '{"location":"Boston"}'}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block":
            {"type": "tool_use", "id": "toolu_02", "name": "getWeather", "input": {}}},
        {"type": "content_block_delta", "index": 2,
         "delta": {"type": "input_json_delta", "partial_json": '{"location":"San Francisco"}'}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": {"input_tokens": 26, "output_tokens": 23 + 132,
                   "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}},
        {"type": "message_stop"},
    ]


def test_nested_arguments_are_rebuilt_whole():
    chunks = load_chunks("stream-vertex-partial-args-nested.chunks.txt")
    msg = accumulate(translate(chunks))
    assert [b["type"] for b in msg["content"]] == ["thinking", "tool_use"]
    call = msg["content"][1]
    assert call["name"] == "cookRecipe"
    recipe = call["input"]["recipe"]
    assert list(call["input"]) == ["recipe"]
    assert recipe["name"] == "Lasagna"
    assert len(recipe["ingredients"]) == 10
    assert recipe["ingredients"][0] == {"amount": "16 oz", "name": "Lasagna noodles"}
    assert recipe["ingredients"][9] == {"amount": "1/2 tsp", "name": "Pepper"}
    assert len(recipe["steps"]) == 10
    # Strings continued over several pieces (willContinue) are joined.
    assert recipe["steps"][1] == "Cook lasagna noodles according to package directions, drain and set aside."
    assert recipe["steps"][4] == "In a 9x13 baking dish, spread a thin layer of meat sauce."
    assert recipe["steps"][0] == "Preheat oven to 375°F (190°C)."
    assert msg["stop_reason"] == "tool_use"


def test_call_ending_without_an_empty_terminal_part():
    msg = accumulate(translate(load_chunks("stream-vertex-partial-args-no-terminal.chunks.txt")))
    call = msg["content"][-1]
    assert call["name"] == "writeItems"
    assert call["input"] == {"operations": [
        {"action": "add", "description": "Fresh red apple", "itemid": "apple_001", "price": 0.5},
        {"action": "add", "description": "Ripe yellow banana", "itemid": "banana_001", "price": 0.3},
    ]}


def test_interleaved_parallel_calls_correlate_by_id():
    chunks = load_chunks("stream-vertex-partial-args-interleaved-ids.chunks.txt")
    events = translate(chunks)
    check_stream(events)
    msg = accumulate(events)
    assert [b["type"] for b in msg["content"]] == ["tool_use", "thinking", "tool_use"]
    # Bash ended first, so it is shown first; Edit keeps its signature right before it.
    bash, sig_block, edit = msg["content"]
    assert bash["name"] == "Bash"
    assert bash["input"] == {"command": 'ls -la "my dir"', "timeout": 120000,
                             "run_in_background": False, "description": None}
    assert sig_block == {"type": "thinking", "thinking": "",
                         "signature": signatures.mint("gemini", "c2lnbmF0dXJlLWE=")}
    assert edit["name"] == "Edit"
    assert edit["input"] == {"file_path": "/src/app.py", "old string": "x = 1\ny = 2 # ü",
                             "edits": [{"line": 3, "text": "z = 3"}, {"line": 4.5}],
                             "replace_all": True}
    assert msg["stop_reason"] == "tool_use"


def test_piece_without_a_call_is_an_error_event():
    events = translate(load_chunks("stream-vertex-partial-args-orphan-piece.chunks.txt"))
    check_stream(events)
    assert not tool_blocks(events)
    assert events[-1]["type"] == "error"
    assert events[-1]["error"]["type"] == "api_error"
    assert "could not be put together" in events[-1]["error"]["message"]
    assert not any(e["type"] == "message_delta" for e in events)


def test_stream_ending_mid_call_is_an_error_event():
    events = translate(load_chunks("stream-vertex-partial-args-cut-off.chunks.txt"))
    check_stream(events)
    assert not tool_blocks(events)
    assert events[-1]["type"] == "error"
    assert "still arriving" in events[-1]["error"]["message"]
    with pytest.raises(SwitchboardError):
        accumulate(events)


def test_second_idless_call_before_the_first_ended_is_an_error():
    events = translate([
        _chunk([{"functionCall": {"name": "a", "willContinue": True}}]),
        _chunk([{"functionCall": {"name": "b", "willContinue": True}}]),
        _chunk([{"functionCall": {}}], finish="STOP"),
    ])
    check_stream(events)
    assert not tool_blocks(events)
    assert events[-1]["type"] == "error"


@pytest.mark.parametrize("call", [{}, None, {"willContinue": False}])
def test_stray_end_marker_is_ignored(call):
    events = translate([_chunk([{"text": "Done."}, {"functionCall": call}], finish="STOP")])
    check_stream(events)
    assert not tool_blocks(events)
    assert accumulate(events)["content"] == [{"type": "text", "text": "Done."}]


def test_nameless_whole_call_is_never_a_tool_use():
    events = translate([_chunk([{"functionCall": {"args": {"x": 1}}}], finish="STOP")])
    check_stream(events)
    assert not tool_blocks(events)
    assert events[-1]["type"] == "error"


def test_whole_calls_are_unchanged():
    events = translate([_chunk([{"functionCall": {"name": "f", "args": {"a": [1, 2]}}},
                                {"functionCall": {"name": "g"}}], finish="STOP")])
    msg = accumulate(events)
    assert [(b["name"], b["input"]) for b in msg["content"]] == [("f", {"a": [1, 2]}), ("g", {})]


def test_pieces_split_across_chunks_or_in_one_chunk_give_the_same_call():
    parts = [p for c in load_chunks("stream-vertex-partial-args-no-terminal.chunks.txt")
             for p in c["candidates"][0]["content"]["parts"]]
    one = accumulate(translate([_chunk(parts, finish="STOP")]))
    assert one["content"][-1]["input"]["operations"][1]["price"] == 0.3
    assert json.dumps(one["content"][-1]["input"]) == json.dumps(
        accumulate(translate(load_chunks("stream-vertex-partial-args-no-terminal.chunks.txt")))["content"][-1]["input"])


def test_name_map_applies_to_streamed_calls():
    events = translate([
        _chunk([{"functionCall": {"name": "mcp__a_b_1234abcd", "willContinue": True}}]),
        _chunk([{"functionCall": {"partialArgs": [{"jsonPath": "$.q", "stringValue": "x"}]}}], finish="STOP"),
    ], name_map={"mcp__a_b_1234abcd": "mcp__a/b"})
    assert accumulate(events)["content"][0] == {"type": "tool_use", "id": "toolu_01",
                                                "name": "mcp__a/b", "input": {"q": "x"}}


@pytest.mark.parametrize("raw,path", [
    ("$.a", ("a",)), ("$.a.b[0].c", ("a", "b", 0, "c")), ("$['a b'][12]", ("a b", 12)),
    ('$["q\\"x"]', ('q"x',)), ("$", ()),
])
def test_json_paths(raw, path):
    assert parse_json_path(raw) == path


@pytest.mark.parametrize("raw", ["a.b", "$.a[", "$..a", "$[*]", None, 5])
def test_unreadable_json_paths(raw):
    assert parse_json_path(raw) is None


def test_unreadable_path_in_a_stream_is_an_error_event():
    events = translate([
        _chunk([{"functionCall": {"name": "f", "willContinue": True}}]),
        _chunk([{"functionCall": {"partialArgs": [{"jsonPath": "$..x", "numberValue": 1}]}}], finish="STOP"),
    ])
    check_stream(events)
    assert events[-1]["type"] == "error" and "jsonPath" in events[-1]["error"]["message"]
