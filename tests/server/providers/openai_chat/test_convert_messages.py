"""Anthropic messages -> Chat Completions messages (translation.md §F.24-26, §D.19)."""
from __future__ import annotations

import orjson
import pytest

from server.errors import InvalidRequest
from server.protocol import ids, signatures
from server.protocol.events import accumulate
from server.providers.openai_chat import reasoning_details
from server.providers.openai_chat.convert_messages import convert_messages
from server.providers.openai_chat.convert_request import resolve_profile
from server.providers.openai_chat.stream import ChatStreamTranslator

from .fixture_io import chunks

PLAIN = resolve_profile(None)
DEEPSEEK = resolve_profile({"reasoning_field": "reasoning_content", "send_reasoning_back": True})
OPENROUTER = resolve_profile({"reasoning_field": "reasoning", "reasoning_details": True})
FILES = resolve_profile({"supports_file_parts": True})


def convert(messages, profile=PLAIN):
    return convert_messages(messages, profile)


def test_string_and_text_block_user_turns():
    assert convert([{"role": "user", "content": "hi"}]) == [{"role": "user", "content": "hi"}]
    out = convert([{"role": "user", "content": [
        {"type": "text", "text": "<system-reminder>x</system-reminder>"},
        {"type": "text", "text": "hello", "cache_control": {"type": "ephemeral"}}]}])
    assert out == [{"role": "user", "content": "<system-reminder>x</system-reminder>\n\nhello"}]


def test_cache_control_kept_only_when_profile_says_so():
    msg = [{"role": "user", "content": [{"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}}]}]
    out = convert(msg, resolve_profile({"keep_cache_control": True}))
    assert out == [{"role": "user", "content": [
        {"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}}]}]
    assert "cache_control" not in orjson.dumps(convert(msg)).decode()


def test_tool_results_become_tool_messages_then_rest_of_turn():
    bad_id = ids.to_client_tool_id("functions.get_weather:0")
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": bad_id, "name": "get_time", "input": {}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
            {"type": "tool_result", "tool_use_id": bad_id, "is_error": True,
             "content": [{"type": "text", "text": "timeout"}]},
            {"type": "text", "text": "thanks"},
        ]},
    ]
    out = convert(messages)
    assert out == [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "functions.get_weather:0", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "[tool error] timeout"},
        {"role": "user", "content": "thanks"},
    ]


def test_assistant_with_only_tool_calls_has_null_content():
    out = convert([{"role": "assistant", "content": [
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": [1, "é"]}}]}])
    assert out[0]["content"] is None
    assert orjson.loads(out[0]["tool_calls"][0]["function"]["arguments"]) == {"a": [1, "é"]}


def test_unparseable_arguments_kept_by_accumulate_go_back_verbatim():
    out = convert([{"role": "assistant", "content": [
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"_raw_arguments": "{bad json"}}]}])
    assert out[0]["tool_calls"][0]["function"]["arguments"] == "{bad json"


def test_tool_result_images_tool_reference_and_unknown_blocks_are_not_dropped():
    out = convert([{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t1", "content": [
            {"type": "text", "text": "screenshot:"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
            {"type": "tool_reference", "tool_name": "WebFetch"},
            {"type": "weird_block", "value": 3},
        ]},
    ]}])
    tool, user = out
    assert tool["role"] == "tool"
    assert tool["content"] == ("screenshot:\n\n[image attached in the next user message]\n\n"
                               "Tool reference: WebFetch\n\n" + '{"type":"weird_block","value":3}')
    assert user == {"role": "user", "content": [
        {"type": "text", "text": "Attachments from tool result t1:"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]}


def test_empty_and_missing_tool_result_content():
    out = convert([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]}])
    assert out == [{"role": "tool", "tool_call_id": "t1", "content": ""}]


def test_images_base64_and_url():
    out = convert([{"role": "user", "content": [
        {"type": "text", "text": "look"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
    ]}])
    assert out[0]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]


def test_pdf_is_a_file_part_where_supported_else_a_clear_400():
    doc = {"type": "document", "title": "report.pdf",
           "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBER"}}
    out = convert([{"role": "user", "content": [doc]}], FILES)
    assert out[0]["content"] == [{"type": "file", "file": {
        "filename": "report.pdf", "file_data": "data:application/pdf;base64,JVBER"}}]
    with pytest.raises(InvalidRequest) as info:
        convert([{"role": "user", "content": [doc]}])
    assert info.value.status == 400 and "document" in info.value.message


def test_plain_text_document_becomes_text():
    out = convert([{"role": "user", "content": [
        {"type": "document", "title": "notes", "source": {"type": "text", "media_type": "text/plain", "data": "abc"}}]}])
    assert out == [{"role": "user", "content": "notes\n\nabc"}]


def test_system_role_messages_are_skipped_here():
    out = convert([{"role": "system", "content": "be brief"}, {"role": "user", "content": "x"}])
    assert out == [{"role": "user", "content": "x"}]


# -- thinking in the history ---------------------------------------------------
def assistant_with(*blocks):
    return [{"role": "assistant", "content": [*blocks,
                                              {"type": "tool_use", "id": "t1", "name": "f", "input": {}}]}]


MINTED = {"type": "thinking", "thinking": "let me think", "signature": signatures.mint("oa")}
REAL = {"type": "thinking", "thinking": "claude thought", "signature": "EqoBCkgIARABGAIiQReal"}


def test_thinking_dropped_for_plain_profile():
    out = convert(assistant_with(MINTED, REAL))
    assert set(out[0]) == {"role", "content", "tool_calls"}


def test_deepseek_gets_reasoning_content_back_on_tool_call_turns():
    out = convert(assistant_with(MINTED), DEEPSEEK)
    assert out[0]["reasoning_content"] == "let me think"
    # history from another model: the field must still be present on a tool-call turn
    out = convert(assistant_with(), DEEPSEEK)
    assert out[0]["reasoning_content"] == ""
    out = convert([{"role": "assistant", "content": [{"type": "text", "text": "hi"}]}], DEEPSEEK)
    assert "reasoning_content" not in out[0]


def test_openrouter_rebuilds_reasoning_details_from_real_signature_and_redacted_data():
    out = convert(assistant_with(REAL, {"type": "redacted_thinking", "data": "EmwKAhgBEgy"}), OPENROUTER)
    assert out[0]["reasoning_details"] == [
        {"type": "reasoning.text", "text": "claude thought", "signature": "EqoBCkgIARABGAIiQReal",
         "format": "anthropic-claude-v1"},
        {"type": "reasoning.encrypted", "data": "EmwKAhgBEgy", "format": "anthropic-claude-v1"},
    ]
    # minted (unsigned) thinking is not a reasoning detail
    assert "reasoning_details" not in convert(assistant_with(MINTED), OPENROUTER)[0]


def _translate(chunk_list):
    t = ChatStreamTranslator(model="m", message_id="msg_1", provider="OpenRouter")
    events = t.start()
    for c in chunk_list:
        events += t.feed(c)
    return accumulate(events + t.finish())


def test_openrouter_round_trip_restores_the_exact_items_from_the_recorded_streams():
    name = "openrouter/stream-o3-encrypted-reasoning-details.sse"
    message = _translate(chunks(name))
    original = [d for c in chunks(name) for ch in c["choices"] for d in ch["delta"].get("reasoning_details") or []]
    back = convert([{"role": "assistant", "content": message["content"]}], OPENROUTER)[0]
    assert back["reasoning_details"] == original
    assert back["content"].startswith("I’m ChatGPT")

    name = "openrouter/stream-claude-reasoning-details-signature.sse"
    message = _translate(chunks(name))
    back = convert([{"role": "assistant", "content": message["content"]}], OPENROUTER)[0]
    sig = next(d["signature"] for c in chunks(name) for ch in c["choices"]
               for d in ch["delta"].get("reasoning_details") or [] if d.get("signature"))
    assert back["reasoning_details"] == [{"type": "reasoning.text", "text": "This is a simple arithmetic question. "
                                          "2+2 equals 4.", "signature": sig, "format": "anthropic-claude-v1"}]


def test_wrapped_foreign_signature_gets_its_text_back():
    wrapped = reasoning_details.wrap([{"type": "reasoning.text", "signature": "G", "format": "google-gemini-v1"}])
    out = convert(assistant_with({"type": "thinking", "thinking": "t", "signature": wrapped}), OPENROUTER)
    assert out[0]["reasoning_details"] == [
        {"type": "reasoning.text", "signature": "G", "format": "google-gemini-v1", "text": "t"}]


def test_deepseek_round_trip_from_recorded_stream():
    message = _translate(chunks("deepseek/stream-reasoning-then-tool-call.chunks.txt"))
    back = convert([{"role": "assistant", "content": message["content"]}], DEEPSEEK)[0]
    assert back["reasoning_content"].startswith("The user is asking for the weather")
    assert back["content"] is None
    assert back["tool_calls"] == [{"id": "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF", "type": "function",
                                   "function": {"name": "weather", "arguments": '{"location":"San Francisco"}'}}]
