"""GeminiStreamTranslator: every recorded Gemini response replayed."""
from __future__ import annotations

import itertools
import json

import pytest

from server.errors import SwitchboardError
from server.protocol import ids, signatures
from server.protocol.events import accumulate
from server.providers.gemini.stream import GeminiStreamTranslator, translate_response

from gemini_fixture_io import (check_stream, fixture_bytes, load_chunks, random_pieces,
                               sse_chunks)

MODEL = "claude-sonnet-4-5"
MSG_ID = "msg_test"
ALL_FIXTURES = [
    "stream-function-call-empty-args.sse",
    "stream-function-call-gemini3.chunks.txt",
    "stream-text-empty-part-thought-signature.chunks.txt",
    "stream-thought-summaries-then-text.sse",
    "generate-content-parallel-calls-first-signed.json",
]


@pytest.fixture(autouse=True)
def fixed_tool_ids(monkeypatch):
    counter = itertools.count(1)
    monkeypatch.setattr(ids, "new_tool_id", lambda: f"toolu_{next(counter):02d}")


def translate(chunks, **kw):
    t = GeminiStreamTranslator(model=MODEL, message_id=MSG_ID, provider="gemini", **kw)
    events = t.start()
    for chunk in chunks:
        events += t.feed(chunk)
    events += t.finish()
    return events


def start_event(input_tokens=0):
    return {"type": "message_start", "message": {
        "id": MSG_ID, "type": "message", "role": "assistant", "model": MODEL, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 0,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}


def usage(i, o, cr=0):
    return {"input_tokens": i, "output_tokens": o, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cr}


def sig_of(chunks, n=0):
    return [p["thoughtSignature"] for c in chunks for p in c["candidates"][0]["content"]["parts"]
            if "thoughtSignature" in p][n]


def signed_thinking(index, sig):
    return [
        {"type": "content_block_start", "index": index,
         "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": index,
         "delta": {"type": "signature_delta", "signature": signatures.mint("gemini", sig)}},
        {"type": "content_block_stop", "index": index},
    ]


# -- exact event sequences for the short fixtures ---------------------------------
def test_function_call_empty_args_exact():
    chunks = load_chunks("stream-function-call-empty-args.sse")
    assert len(chunks) == 2
    events = translate(chunks, input_tokens_estimate=25)
    assert events == [
        start_event(25),
        *signed_thinking(0, sig_of(chunks)),
        {"type": "content_block_start", "index": 1, "content_block":
            {"type": "tool_use", "id": "toolu_01", "name": "get_country", "input": {}}},
        # args {}: no input_json_delta at all (the block's input {} stands)
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": usage(29, 10 + 202)},
        {"type": "message_stop"},
    ]


def test_function_call_gemini3_exact():
    chunks = load_chunks("stream-function-call-gemini3.chunks.txt")
    events = translate(chunks)
    assert events == [
        start_event(),
        *signed_thinking(0, sig_of(chunks)),
        {"type": "content_block_start", "index": 1, "content_block":
            {"type": "tool_use", "id": "toolu_01", "name": "weather", "input": {}}},
        {"type": "content_block_delta", "index": 1, "delta":
            {"type": "input_json_delta", "partial_json": '{"location":"San Francisco"}'}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": usage(29, 15 + 804)},
        {"type": "message_stop"},
    ]
    assert accumulate(events)["content"][1]["input"] == {"location": "San Francisco"}


def test_text_then_empty_signed_part_exact():
    chunks = load_chunks("stream-text-empty-part-thought-signature.chunks.txt")
    events = translate(chunks)
    assert events == [
        start_event(),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "text_delta", "text": "There are **3**"}},
        {"type": "content_block_delta", "index": 0,
         "delta": {"type": "text_delta", "text": ' "r"s in strawberry.\n\nst**r**awbe**rr**y'}},
        {"type": "content_block_stop", "index": 0},
        # the signature came on a trailing empty text part: kept, after the text
        *signed_thinking(1, sig_of(chunks)),
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": usage(9, 23 + 185)},
        {"type": "message_stop"},
    ]


# -- structure for the long ones -------------------------------------------------
def test_thought_summaries_then_text():
    chunks = load_chunks("stream-thought-summaries-then-text.sse")
    events = translate(chunks)
    check_stream(events)
    msg = accumulate(events)
    parts = [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]
    thoughts = "".join(p["text"] for p in parts if p.get("thought"))
    answer = "".join(p["text"] for p in parts if not p.get("thought"))
    assert [b["type"] for b in msg["content"]] == ["thinking", "thinking", "text"]
    assert msg["content"][0]["thinking"] == thoughts
    assert thoughts.startswith("**Clarifying User Goals**")
    # Gemini did not sign the summaries: a payload-less Switchboard signature.
    assert msg["content"][0]["signature"] == "swb1.gemini."
    assert signatures.payload_of(msg["content"][0]["signature"], "gemini") == b""
    # The text part's signature travels in the empty block right before it.
    assert msg["content"][1]["thinking"] == ""
    assert signatures.payload_of(msg["content"][1]["signature"], "gemini") == sig_of(chunks).encode()
    assert msg["content"][2]["text"] == answer
    assert answer.endswith("Always assume a driver might not see you.")
    assert msg["stop_reason"] == "end_turn"
    assert msg["usage"] == usage(34, 469 + 787)
    text_deltas = [e for e in events if e["type"] == "content_block_delta"
                   and e["delta"]["type"] == "text_delta"]
    assert len(text_deltas) == sum(1 for p in parts if not p.get("thought"))


def test_non_stream_parallel_calls():
    body = json.loads(fixture_bytes("generate-content-parallel-calls-first-signed.json"))
    msg = translate_response(body, model=MODEL, message_id=MSG_ID, provider="gemini")
    assert [b["type"] for b in msg["content"]] == ["thinking", "tool_use", "tool_use", "tool_use"]
    sig = body["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    assert signatures.payload_of(msg["content"][0]["signature"], "gemini") == sig.encode()
    assert [b["id"] for b in msg["content"][1:]] == ["toolu_01", "toolu_02", "toolu_03"]
    assert all(b["name"] == "generate_topic" and b["input"] == {} for b in msg["content"][1:])
    assert msg["stop_reason"] == "tool_use"
    assert msg["usage"] == usage(83, 30 + 190)
    assert msg["id"] == MSG_ID and msg["model"] == MODEL


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_is_well_formed(name):
    events = translate(load_chunks(name))
    check_stream(events)
    assert events[-1] == {"type": "message_stop"}


@pytest.mark.parametrize("name", ["stream-function-call-empty-args.sse",
                                  "stream-thought-summaries-then-text.sse"])
@pytest.mark.parametrize("seed", range(8))
def test_sse_split_anywhere_gives_same_events(name, seed, monkeypatch):
    raw = fixture_bytes(name)
    assert b"\r\n" in raw  # Gemini's CRLF framing is part of what is tested
    whole = translate(sse_chunks(raw))
    counter = itertools.count(1)
    monkeypatch.setattr(ids, "new_tool_id", lambda: f"toolu_{next(counter):02d}")
    split = translate(sse_chunks(raw, random_pieces(raw, seed, max_size=5 + seed)))
    assert split == whole


def test_sse_split_mid_crlf():
    raw = fixture_bytes("stream-function-call-empty-args.sse")
    cut = raw.index(b"\r\n") + 1  # between CR and LF
    assert sse_chunks(raw, [raw[:cut], raw[cut:]]) == sse_chunks(raw)


# -- finish, errors, edge cases --------------------------------------------------
def _chunk(parts, finish=None, usage_meta=None):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    chunk = {"candidates": [cand]}
    if usage_meta:
        chunk["usageMetadata"] = usage_meta
    return chunk


def test_no_finish_reason_is_an_error_not_end_turn():
    chunks = load_chunks("stream-function-call-gemini3.chunks.txt")[:1]
    events = translate(chunks)
    check_stream(events)
    assert not any(e["type"] == "message_delta" for e in events)
    assert events[-2] == {"type": "content_block_stop", "index": 1}
    assert events[-1]["type"] == "error"
    assert events[-1]["error"]["type"] == "api_error"
    assert "without a finish reason" in events[-1]["error"]["message"]
    with pytest.raises(SwitchboardError):
        accumulate(events)


def test_malformed_function_call_is_an_error_event():
    chunk = _chunk([], finish="MALFORMED_FUNCTION_CALL")
    chunk["candidates"][0]["finishMessage"] = "Malformed function call: print(x"
    events = translate([_chunk([{"text": "Let me"}]), chunk])
    check_stream(events)
    assert events[-1]["type"] == "error"
    msg = events[-1]["error"]["message"]
    assert "malformed function call" in msg and "MALFORMED_FUNCTION_CALL" in msg
    assert "print(x" in msg and msg.startswith("gemini: ")


@pytest.mark.parametrize("reason,stop", [("SAFETY", "refusal"), ("RECITATION", "refusal"),
                                         ("PROHIBITED_CONTENT", "refusal"),
                                         ("MAX_TOKENS", "max_tokens"), ("STOP", "end_turn")])
def test_finish_reasons(reason, stop):
    events = translate([_chunk([{"text": "Hi"}], finish=reason,
                               usage_meta={"promptTokenCount": 5, "candidatesTokenCount": 1})])
    assert events[-2]["delta"]["stop_reason"] == stop
    assert events[-2]["usage"] == usage(5, 1)


def test_blocked_prompt_is_a_refusal():
    events = translate([{"promptFeedback": {"blockReason": "SAFETY"},
                         "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7}}])
    check_stream(events)
    assert events[-2]["delta"]["stop_reason"] == "refusal"
    assert events[-2]["usage"] == usage(7, 0)


def test_error_chunk_mid_stream():
    err = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    events = translate([_chunk([{"text": "Hel"}]), err, _chunk([{"text": "lo"}], finish="STOP")])
    check_stream(events)
    assert events[-1] == {"type": "error", "error": {
        "type": "overloaded_error", "message": "gemini: The model is overloaded. (UNAVAILABLE)"}}
    assert not any(e["type"] == "message_delta" for e in events)


def test_usage_is_the_last_seen_and_cache_is_split_out():
    chunks = [_chunk([{"text": "a"}], usage_meta={"promptTokenCount": 100, "candidatesTokenCount": 1}),
              _chunk([{"text": "b"}], finish="STOP",
                     usage_meta={"promptTokenCount": 100, "cachedContentTokenCount": 60,
                                 "candidatesTokenCount": 2, "thoughtsTokenCount": 3})]
    events = translate(chunks, input_tokens_estimate=90)
    assert events[0]["message"]["usage"]["input_tokens"] == 90
    assert events[-2]["usage"] == usage(40, 5, cr=60)


def test_thought_part_with_its_own_signature_and_text_signature_mid_stream():
    events = translate([
        _chunk([{"text": "plan", "thought": True}]),
        _chunk([{"text": " more", "thought": True, "thoughtSignature": "AAA"}]),
        _chunk([{"text": "Hi"}]),
        _chunk([{"text": " there", "thoughtSignature": "BBB"}], finish="STOP"),
    ])
    check_stream(events)
    msg = accumulate(events)
    assert [(b["type"], b.get("thinking", b.get("text")), b.get("signature")) for b in msg["content"]] == [
        ("thinking", "plan more", signatures.mint("gemini", "AAA")),
        ("text", "Hi", None),
        ("thinking", "", signatures.mint("gemini", "BBB")),
        ("text", " there", None),
    ]


def test_signed_call_after_unsigned_thoughts_gets_its_own_block():
    events = translate([
        _chunk([{"text": "thinking...", "thought": True}]),
        _chunk([{"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "SIG"},
                {"functionCall": {"name": "g", "args": {}}}], finish="STOP"),
    ])
    check_stream(events)
    msg = accumulate(events)
    assert [b["type"] for b in msg["content"]] == ["thinking", "thinking", "tool_use", "tool_use"]
    assert msg["content"][0]["signature"] == "swb1.gemini."
    assert msg["content"][1] == {"type": "thinking", "thinking": "",
                                 "signature": signatures.mint("gemini", "SIG")}
    assert msg["content"][2]["input"] == {"a": 1} and msg["content"][3]["input"] == {}


def test_name_map_restores_client_tool_names():
    events = translate([_chunk([{"functionCall": {"name": "mcp__a_b_1234abcd", "args": {}}}],
                               finish="STOP")], name_map={"mcp__a_b_1234abcd": "mcp__a/b"})
    assert accumulate(events)["content"][0]["name"] == "mcp__a/b"


def test_nothing_after_the_end():
    t = GeminiStreamTranslator(model=MODEL, message_id=MSG_ID, provider="gemini")
    t.start()
    t.feed(_chunk([{"text": "x"}], finish="STOP"))
    assert t.finish()[-1] == {"type": "message_stop"}
    assert t.done
    assert t.feed(_chunk([{"text": "late"}])) == []
    assert t.finish() == []
    assert t.fail(SwitchboardError("boom")) == []


def test_fail_closes_open_block():
    t = GeminiStreamTranslator(model=MODEL, message_id=MSG_ID, provider="gemini")
    events = t.start() + t.feed(_chunk([{"text": "partial"}]))
    events += t.fail(SwitchboardError("gemini: connection reset", status=500))
    check_stream(events)
    assert events[-2] == {"type": "content_block_stop", "index": 0}
    assert events[-1]["error"] == {"type": "api_error", "message": "gemini: connection reset"}
