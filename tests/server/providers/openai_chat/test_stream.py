"""ChatStreamTranslator over recorded upstream streams (translation.md §A-E)."""
from __future__ import annotations

import orjson
import pytest

from server.errors import InvalidRequest
from server.protocol import signatures
from server.protocol.events import accumulate
from server.providers.openai_chat import reasoning_details
from server.providers.openai_chat.stream import ChatStreamTranslator, message_to_chunk

from .fixture_io import STREAM_FIXTURES, check_invariants, chunks, frames, read_json

ZERO = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def new(provider: str = "test", estimate: int = 0) -> ChatStreamTranslator:
    return ChatStreamTranslator(model="claude-sonnet-5", message_id="msg_test", provider=provider,
                                input_tokens_estimate=estimate)


def run(chunk_list, provider: str = "test", estimate: int = 0) -> list[dict]:
    t = new(provider, estimate)
    events = t.start()
    for c in chunk_list:
        events += t.feed(c)
    return events + t.finish()


def run_fixture(name: str, seed: int | None = None, provider: str = "test") -> list[dict]:
    return run(chunks(name, seed), provider)


def message_start(usage=None) -> dict:
    return {"type": "message_start", "message": {
        "id": "msg_test", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
        "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage or dict(ZERO)}}


def usage(inp=0, out=0, read=0, write=0) -> dict:
    return {"input_tokens": inp, "output_tokens": out, "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read}


def text_of(events, dtype="text_delta", key="text") -> str:
    return "".join(e["delta"][key] for e in events if e["type"] == "content_block_delta"
                   and e["delta"]["type"] == dtype)


def block_types(events) -> list[str]:
    return [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]


def final_delta(events) -> dict:
    found = [e for e in events if e["type"] == "message_delta"]
    assert len(found) == 1
    return found[0]


# -- invariants over every recorded stream, whole and split into random reads --
@pytest.mark.parametrize("name", STREAM_FIXTURES)
@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_invariants_hold_for_every_fixture(name, seed):
    events = run_fixture(name, seed)
    check_invariants(events)
    # The split reads must not change anything.
    if seed is not None:
        assert events == run_fixture(name, None)


def test_fixture_list_is_complete():
    assert len(STREAM_FIXTURES) == 12  # openai 5, deepseek 2, openrouter 3, groq 2


def test_random_splits_parse_to_the_same_frames():
    # The o3 stream has multi-byte characters (’) and long JSON lines.
    name = "openrouter/stream-o3-encrypted-reasoning-details.sse"
    whole = frames(name)
    for seed in range(10):
        assert frames(name, seed) == whole


# -- exact event lists for the short streams --------------------------------------
def test_groq_whole_tool_call_in_one_delta_exact():
    events = run_fixture("groq/stream-tool-call-single-chunk.chunks.txt")
    assert events == [
        message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "tk85n1k4m", "name": "weather", "input": {}}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{}"}},
        {"type": "content_block_stop", "index": 0},
        # usage from x_groq.usage / usage on the finish chunk: 210 prompt, 15 completion
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": usage(210, 15)},
        {"type": "message_stop"},
    ]


def test_openai_finish_length_exact():
    events = run_fixture("openai/stream-finish-length.sse", seed=7)
    assert events == [
        message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": '{"'}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
         "usage": usage(79, 1)},
        {"type": "message_stop"},
    ]


def test_openai_tool_call_with_obfuscation_and_null_usage_exact():
    events = run_fixture("openai/stream-tool-call-obfuscation.sse")
    fragments = ['{"', "country", '":"', "UK", '"}']  # the first, empty fragment is skipped
    assert events == [
        message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "call_ZR5UUuTt3pf61kjwAJIYdVMj", "name": "get_capital", "input": {}}},
        *[{"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": f}}
          for f in fragments],
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
         "usage": usage(53, 15)},
        {"type": "message_stop"},
    ]


def test_openai_refusal_exact():
    events = run_fixture("openai/stream-refusal.sse")
    words = ["I'm", " sorry", ",", " I", " can't", " assist", " with", " that", " request", "."]
    assert events == [
        message_start(),
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *[{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}} for w in words],
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": None},
         "usage": usage(79, 11)},
        {"type": "message_stop"},
    ]


# -- longer streams: structure, text, stop reason, usage ---------------------------
def test_openai_text_then_separate_usage_chunk():
    events = run_fixture("openai/stream-text-usage-chunk.sse", seed=11)
    assert block_types(events) == ["text"]
    assert text_of(events) == ("I'm unable to provide real-time weather updates. To get the current weather in "
                               "San Francisco, I recommend checking a reliable weather website or a weather app.")
    assert final_delta(events) == {"type": "message_delta",
                                   "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                   "usage": usage(14, 30)}


def test_openai_parallel_tool_calls_are_consecutive_blocks():
    events = run_fixture("openai/stream-parallel-tool-calls.sse", seed=5)
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"]
    assert [(b["type"], b["id"], b["name"]) for b in starts] == [
        ("tool_use", "call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs"),
        ("tool_use", "call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price"),
    ]
    message = accumulate(events)
    assert [b["input"] for b in message["content"]] == [
        {"city": "Edinburgh", "country": "GB", "units": "c"},
        {"ticker": "AAPL", "exchange": "NASDAQ"},
    ]
    assert message["stop_reason"] == "tool_use"
    assert message["usage"] == usage(149, 60)


def test_deepseek_reasoning_content_then_text_usage_in_finish_chunk():
    events = run_fixture("deepseek/stream-reasoning-content.sse", seed=3)
    assert block_types(events) == ["thinking", "text"]
    thinking = text_of(events, "thinking_delta", "thinking")
    assert len(thinking) == 882
    assert thinking.startswith('Hmm, the user just said "Hello".')
    assert thinking.endswith("they might not reply further - and that's okay too.")
    assert text_of(events) == "Hello there! 😊 How can I help you today?"
    sig = [e for e in events if e["type"] == "content_block_delta" and e["delta"]["type"] == "signature_delta"]
    # DeepSeek signs nothing: a Switchboard signature of kind "oa" is minted.
    assert len(sig) == 1 and signatures.payload_of(sig[0]["delta"]["signature"], "oa") == b""
    # prompt 6, cache hit 0; completion 212 includes 198 reasoning tokens
    assert final_delta(events)["usage"] == usage(6, 212)
    assert final_delta(events)["delta"]["stop_reason"] == "end_turn"


def test_deepseek_reasoning_then_tool_call():
    events = run_fixture("deepseek/stream-reasoning-then-tool-call.chunks.txt")
    message = accumulate(events)
    assert [b["type"] for b in message["content"]] == ["thinking", "tool_use"]
    assert message["content"][0]["thinking"].startswith("The user is asking for the weather in San Francisco.")
    assert len(message["content"][0]["thinking"]) == 191
    assert message["content"][1]["input"] == {"location": "San Francisco"}
    assert message["content"][1]["id"] == "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF"
    assert message["stop_reason"] == "tool_use"
    # prompt 339 of which 320 cache hits -> 19 uncached input
    assert message["usage"] == usage(19, 83, read=320)


def test_openrouter_claude_reasoning_details_with_real_signature():
    name = "openrouter/stream-claude-reasoning-details-signature.sse"
    events = run_fixture(name, seed=9)
    assert block_types(events) == ["thinking", "text"]
    # reasoning and reasoning_details carry the same text: emitted once.
    assert text_of(events, "thinking_delta", "thinking") == "This is a simple arithmetic question. 2+2 equals 4."
    assert text_of(events) == "2 + 2 = 4"
    expected_sig = next(
        d["signature"] for c in chunks(name) for ch in c["choices"]
        for d in ch["delta"].get("reasoning_details") or [] if d.get("signature"))
    assert expected_sig.startswith("Et0BCkgIChACGAIqQA2s7h7t")
    sig_events = [e for e in events if e["type"] == "content_block_delta" and e["delta"]["type"] == "signature_delta"]
    assert [e["delta"]["signature"] for e in sig_events] == [expected_sig]  # passed through unchanged
    # usage arrives after the finish chunk (finish_reason null there)
    assert final_delta(events)["usage"] == usage(43, 36)
    assert final_delta(events)["delta"]["stop_reason"] == "end_turn"


def test_openrouter_o3_encrypted_reasoning_is_a_redacted_block_not_empty_thinking():
    name = "openrouter/stream-o3-encrypted-reasoning-details.sse"
    events = run_fixture(name, seed=4)
    assert block_types(events) == ["redacted_thinking", "text"]
    data = events[1]["content_block"]["data"]
    original = next(d for c in chunks(name) for ch in c["choices"]
                    for d in ch["delta"].get("reasoning_details") or [])
    assert reasoning_details.unwrap(data) == [original]
    assert original["type"] == "reasoning.encrypted" and original["id"].startswith("rs_0aa4f2c4")
    text = text_of(events)
    assert text.startswith("I’m ChatGPT, a large-language-model assistant created by OpenAI.")
    assert text.endswith("just let me know!")
    assert final_delta(events)["usage"] == usage(9, 104)


def test_openrouter_duplicate_finish_gives_one_message_delta_with_late_usage():
    events = run_fixture("openrouter/stream-annotations-duplicate-finish.sse")
    assert block_types(events) == ["text"]
    assert text_of(events) == ("The URL for Pydantic AI's GitHub repository is:  \n\n"
                               "https://github.com/pydantic/pydantic-ai")
    # the second finish chunk carries usage: 2317 prompt (cached 0, cache_write 0), 53 completion
    assert final_delta(events)["usage"] == usage(2317, 53)
    assert final_delta(events)["delta"]["stop_reason"] == "end_turn"


def test_groq_midstream_error_event_closes_thinking_and_fails():
    name = "groq/stream-midstream-error-event.sse"
    parsed = frames(name, seed=2)
    assert parsed[-1][0] == "error"  # the upstream `event: error` line
    events = run_fixture(name, seed=2, provider="Groq")
    assert block_types(events) == ["thinking"]
    assert len(text_of(events, "thinking_delta", "thinking")) == 412
    assert not [e for e in events if e["type"] in ("message_delta", "message_stop")]
    err = events[-1]
    assert err["type"] == "error"
    assert err["error"]["type"] == "invalid_request_error"  # status_code 400 inside the payload
    assert err["error"]["message"].startswith("Groq: Tool call validation failed")
    assert events[-2] == {"type": "content_block_stop", "index": 0}
    with pytest.raises(Exception) as info:
        accumulate(events)
    assert "Tool call validation failed" in str(info.value)


# -- non-streaming bodies through the same translator ----------------------------------
def translate_body(body: dict) -> dict:
    t = new()
    return accumulate(t.start() + t.feed(message_to_chunk(body)) + t.finish())


def test_deepseek_non_stream_order_and_cache_usage():
    message = translate_body(read_json("deepseek/message-reasoning-tool-call-cache-hit.json"))
    assert [b["type"] for b in message["content"]] == ["thinking", "text", "tool_use"]
    assert message["content"][0]["thinking"].startswith("The user wants to play a dice game.")
    assert message["content"][1]["text"] == "Let me load the dice rolling capability!"
    assert message["content"][2] == {"type": "tool_use", "id": "call_00_sXqYgMESDht75NCLLZtt9804",
                                     "name": "load_capability", "input": {"id": "DICE_ROLL"}}
    assert message["stop_reason"] == "tool_use"
    # 563 prompt - 512 cached = 51; output 116 includes 60 reasoning tokens
    assert message["usage"] == usage(51, 116, read=512)


def test_ollama_non_stream_reasoning_field_and_empty_content():
    message = translate_body(read_json("ollama/message-v1-tool-call-reasoning.json"))
    assert [b["type"] for b in message["content"]] == ["thinking", "tool_use"]  # content "" -> no text block
    assert message["content"][0]["thinking"].startswith("The conversation: user asked")
    assert message["content"][1]["input"] == {"city": "Paris", "country": "France"}
    assert message["usage"] == usage(206, 194)


def test_message_to_chunk_assigns_positions_and_defaults_finish():
    body = {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi", "tool_calls": [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}, "index": 0},
        {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{\"x\":1}"}, "index": 0},
    ]}}], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}
    chunk = message_to_chunk(body)
    assert [tc["index"] for tc in chunk["choices"][0]["delta"]["tool_calls"]] == [0, 1]
    assert chunk["choices"][0]["finish_reason"] == "stop"
    message = translate_body(body)
    assert [(b["type"], b.get("name")) for b in message["content"]] == [("text", None), ("tool_use", "f"), ("tool_use", "g")]
    assert message["stop_reason"] == "tool_use"  # "stop" after tool calls
    assert message["usage"] == usage(3, 4)


def test_message_to_chunk_error_body_fails():
    t = new("OpenRouter")
    events = t.start() + t.feed(message_to_chunk({"error": {"message": "boom", "code": 502}})) + t.finish()
    assert events[-1]["type"] == "error" and events[-1]["error"]["message"] == "OpenRouter: boom"
    check_invariants(events)


# -- synthetic edge cases (§B-D) ---------------------------------------------------------------
def delta_chunk(delta: dict, finish=None, **extra) -> dict:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def test_stream_without_finish_reason_is_an_error_never_end_turn():
    events = run([delta_chunk({"content": "partial"})])
    check_invariants(events)
    assert events[-1]["type"] == "error"
    assert events[-1]["error"]["type"] == "api_error"
    assert not [e for e in events if e["type"] == "message_delta"]
    assert events[-2] == {"type": "content_block_stop", "index": 0}


def test_missing_usage_falls_back_to_estimate_not_invented_output():
    events = run([delta_chunk({"content": "x"}, "stop")], estimate=1234)
    assert events[0]["message"]["usage"] == usage(1234, 0)
    assert final_delta(events)["usage"] == usage(1234, 0)


def test_leading_prompt_filter_chunk_and_odd_chunks_are_ignored():
    events = run([
        {"id": "", "model": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]},
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}], "usage": None},
        {"unexpected": True},
        delta_chunk({"content": "ok"}),
        delta_chunk({}, "stop"),
        delta_chunk({"content": ""}, "stop"),  # duplicate finish
        {"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
    ])
    check_invariants(events)
    assert text_of(events) == "ok"
    assert final_delta(events)["usage"] == usage(10, 2)


def test_tool_call_index_starting_at_one_name_late_and_empty_id_continuations():
    events = run([
        delta_chunk({"tool_calls": [{"index": 1, "id": "call_a", "function": {"arguments": '{"q"'}}]}),
        delta_chunk({"tool_calls": [{"index": 1, "id": "", "function": {"name": "search", "arguments": ":"}}]}),
        delta_chunk({"tool_calls": [{"index": 1, "id": "", "function": {"name": "", "arguments": '"x"}'}}]}),
        delta_chunk({"tool_calls": [{"index": 5, "id": "call_b", "function": {"name": "noargs", "arguments": ""}}]}),
        delta_chunk({}, "tool_calls"),
    ])
    check_invariants(events)
    # nothing emitted before the name was known; the buffered fragment comes first
    first_deltas = [e["delta"]["partial_json"] for e in events
                    if e["type"] == "content_block_delta" and e["index"] == 0]
    assert first_deltas == ['{"q":', '"x"}']
    message = accumulate(events)
    assert [(b["id"], b["name"], b["input"]) for b in message["content"]] == [
        ("call_a", "search", {"q": "x"}), ("call_b", "noargs", {})]


def test_new_id_on_same_index_is_a_new_call_and_text_after_tool_opens_new_block():
    events = run([
        delta_chunk({"content": "Let me look."}),
        delta_chunk({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "a", "arguments": "{}"}}]}),
        delta_chunk({"tool_calls": [{"index": 0, "id": "c2", "function": {"name": "b", "arguments": "{}"}}]}),
        delta_chunk({"content": "Done."}),
        delta_chunk({}, "stop"),
    ])
    check_invariants(events)
    assert block_types(events) == ["text", "tool_use", "tool_use", "text"]
    assert final_delta(events)["delta"]["stop_reason"] == "tool_use"  # "stop" after tool calls


def test_calls_without_index_correlate_by_id_and_bad_ids_are_encoded():
    events = run([
        delta_chunk({"tool_calls": [{"id": "functions.get_weather:0", "function": {"name": "get_weather"}}]}),
        delta_chunk({"tool_calls": [{"id": "functions.get_weather:0", "function": {"arguments": '{"a":1}'}}]}),
        delta_chunk({"tool_calls": [{"function": {"name": "x"}}]}),  # no index, no id: a continuation
        delta_chunk({}, "tool_calls"),
    ])
    check_invariants(events)
    message = accumulate(events)
    assert len(message["content"]) == 1
    tool = message["content"][0]
    assert tool["id"].startswith("toolu_") and ":" not in tool["id"]
    assert tool["name"] == "get_weather" and tool["input"] == {"a": 1}


def test_missing_tool_id_gets_a_generated_toolu_id():
    events = run([delta_chunk({"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "{}"}}]}, "tool_calls")])
    tool = accumulate(events)["content"][0]
    assert tool["id"].startswith("toolu_")


def test_reasoning_content_wins_over_duplicate_reasoning_field():
    events = run([
        delta_chunk({"reasoning_content": "think", "reasoning": "think"}),
        delta_chunk({"reasoning": " more"}),
        delta_chunk({"content": "answer"}, "stop"),
    ])
    check_invariants(events)
    assert text_of(events, "thinking_delta", "thinking") == "think more"


def test_foreign_format_signature_is_wrapped_and_summary_is_thinking():
    events = run([
        delta_chunk({"reasoning_details": [{"type": "reasoning.summary", "summary": "plan"}]}),
        delta_chunk({"reasoning_details": [{"type": "reasoning.text", "text": "", "signature": "GEMSIG",
                                            "format": "google-gemini-v1"}]}),
        delta_chunk({"content": "hi"}, "stop"),
    ])
    check_invariants(events)
    message = accumulate(events)
    thinking = message["content"][0]
    assert thinking["thinking"] == "plan"
    assert reasoning_details.unwrap(thinking["signature"]) == [
        {"type": "reasoning.text", "signature": "GEMSIG", "format": "google-gemini-v1"}]


def test_error_chunk_and_finish_reason_error_fail_the_stream():
    events = run([delta_chunk({"content": "a"}), {"error": {"code": 429, "message": "slow down"}}])
    check_invariants(events)
    assert events[-1]["error"] == {"type": "rate_limit_error", "message": "test: slow down"}
    t = new()
    events = t.start() + t.feed(delta_chunk({"content": "a"}, "error"))
    assert t.done and events[-1]["type"] == "error"
    assert t.finish() == []
    check_invariants(events)


def test_nothing_after_the_end_and_start_is_implicit():
    t = new()
    events = t.feed(delta_chunk({"content": "a"}, "stop"))
    assert events[0]["type"] == "message_start"
    assert not t.done  # usage may still come after the finish chunk
    events += t.finish()
    assert t.done
    assert t.feed(delta_chunk({"content": "late"})) == []
    assert t.finish() == [] and t.fail(InvalidRequest("x")) == []
    check_invariants(events)


def test_chunks_after_finish_before_done_are_still_read():
    # usage-only chunk after finish, then an extra content chunk some servers send empty
    events = run([delta_chunk({"content": "a"}, "length"),
                  {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 1,
                                            "prompt_tokens_details": {"cached_tokens": 2}}}])
    assert final_delta(events) == {"type": "message_delta",
                                   "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
                                   "usage": usage(3, 1, read=2)}


def test_parsed_argument_objects_are_serialised():
    events = run([delta_chunk({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f",
                                                                                  "arguments": {"k": "v"}}}]},
                              "tool_calls")])
    assert accumulate(events)["content"][0]["input"] == {"k": "v"}
    assert orjson.loads(text_of(events, "input_json_delta", "partial_json")) == {"k": "v"}
