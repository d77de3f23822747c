"""The official ``anthropic`` Python SDK against a running Switchboard.

The SDK is the strictest ordinary client: its stream helper needs
``event:`` lines, usage in message_start and message_delta, and well-ordered
blocks. Behind Switchboard is a fake OpenAI-compatible upstream (real HTTP)
replaying recorded responses, and a fake Anthropic-compatible one.
"""
from __future__ import annotations

import base64
import json

import anthropic
import httpx
import pytest

from tests.conftest import UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import json_script, sse_file_script
from tests.support.live_server import ACCESS_KEY

OPENAI = UPSTREAM_FIXTURES / "openai"
ANTHROPIC = UPSTREAM_FIXTURES / "anthropic"

CHAT_COMPLETION = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}

TOOL_CALL_COMPLETION = {
    "id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "m1",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": None,
        "tool_calls": [{"id": "call_abc", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}],
    "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49},
}

WEATHER_TOOL = {"name": "get_weather", "description": "Weather for a city",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                                 "required": ["city"]}}


def sdk(server, **kw) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0, **kw)


@pytest.fixture
def openai_server(upstream, make_server):
    return make_server(gateway_config(upstream.url))


def test_create_non_streaming(openai_server, upstream):
    upstream.queue(json_script(CHAT_COMPLETION))
    msg = sdk(openai_server).messages.create(
        model="claude-sonnet-5", max_tokens=100,
        messages=[{"role": "user", "content": "Say hello"}])
    assert msg.type == "message" and msg.role == "assistant"
    assert msg.model == "claude-sonnet-5"
    assert msg.id.startswith("msg_")
    assert [b.type for b in msg.content] == ["text"]
    assert msg.content[0].text == "Hello there."
    assert msg.stop_reason == "end_turn"
    assert msg.usage.input_tokens == 12 and msg.usage.output_tokens == 3
    sent = upstream.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer upstream-secret-key-123"
    assert sent.json["model"] == "m1"
    assert sent.json["messages"] == [{"role": "user", "content": "Say hello"}]


def test_stream_text_and_final_message(openai_server, upstream):
    upstream.queue(sse_file_script(OPENAI / "stream-text-usage-chunk.sse", split=37))
    with sdk(openai_server).messages.stream(
        model="claude-opus-4-8", max_tokens=200,
        messages=[{"role": "user", "content": "What's the weather in SF?"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and text == final.content[0].text
    assert final.stop_reason == "end_turn"
    assert final.model == "claude-opus-4-8"
    # The fixture's usage chunk: prompt_tokens 14, completion_tokens 30.
    assert final.usage.input_tokens == 14 and final.usage.output_tokens == 30
    sent = upstream.requests[-1].json
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}


def test_stream_parallel_tool_calls(openai_server, upstream):
    upstream.queue(sse_file_script(OPENAI / "stream-parallel-tool-calls.sse", split=64))
    with sdk(openai_server).messages.stream(
        model="claude-opus-4-8", max_tokens=200, tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "weather in Edinburgh and NYC?"}],
    ) as stream:
        final = stream.get_final_message()
    tool_blocks = [b for b in final.content if b.type == "tool_use"]
    assert len(tool_blocks) == 2
    assert final.stop_reason == "tool_use"
    for block in tool_blocks:
        assert isinstance(block.input, dict) and block.input
        assert block.id and all(c.isalnum() or c in "_-" for c in block.id)


def test_count_tokens(openai_server):
    client = sdk(openai_server)
    small = client.messages.count_tokens(model="claude-sonnet-5",
                                         messages=[{"role": "user", "content": "hi"}])
    big = client.messages.count_tokens(
        model="claude-sonnet-5", system="You are terse. " * 50, tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "hi " * 300}])
    assert 0 < small.input_tokens < 20
    assert big.input_tokens > small.input_tokens + 300


def test_two_turn_tool_round_trip(openai_server, upstream):
    upstream.queue(json_script(TOOL_CALL_COMPLETION), json_script(CHAT_COMPLETION))
    client = sdk(openai_server)
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.messages.create(model="claude-sonnet-5", max_tokens=300,
                                   tools=[WEATHER_TOOL], messages=messages)
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "Paris"}
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call.id, "content": "18°C and sunny"},
            {"type": "text", "text": "Thanks; answer briefly."}]},
    ]
    second = client.messages.create(model="claude-sonnet-5", max_tokens=300,
                                    tools=[WEATHER_TOOL], messages=messages)
    assert second.content[0].text == "Hello there."
    sent = upstream.requests[-1].json["messages"]
    roles = [m["role"] for m in sent]
    assert roles == ["user", "assistant", "tool", "user"]
    assert sent[1]["tool_calls"][0]["id"] == "call_abc"
    assert sent[2] == {"role": "tool", "tool_call_id": "call_abc", "content": "18°C and sunny"}
    assert "Thanks; answer briefly." in json.dumps(sent[3])


def test_image_message(openai_server, upstream):
    upstream.queue(json_script(CHAT_COMPLETION))
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
    sdk(openai_server).messages.create(
        model="claude-sonnet-5", max_tokens=50,
        messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}},
            {"type": "text", "text": "What is this?"}]}])
    parts = upstream.requests[-1].json["messages"][0]["content"]
    assert parts[0] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}
    assert parts[1] == {"type": "text", "text": "What is this?"}


@pytest.mark.parametrize("style", ["x-api-key", "bearer"])
def test_auth_failure_both_header_styles(openai_server, style):
    if style == "x-api-key":
        client = anthropic.Anthropic(base_url=openai_server.url, api_key="wrong", max_retries=0)
    else:
        client = anthropic.Anthropic(base_url=openai_server.url, auth_token="wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as info:
        client.messages.create(model="claude-sonnet-5", max_tokens=10,
                               messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 401
    error = info.value.body["error"]
    assert info.value.body["type"] == "error" and error["type"] == "authentication_error"
    # Issue 13 §11: say whose key it is and what fixes it.
    assert error["message"].startswith("Invalid API key")
    assert "Switchboard's local access key" in error["message"]
    assert '"Connect Claude Code"' in error["message"] and "Claude Code screen" in error["message"]


def test_bearer_auth_accepted(openai_server, upstream):
    upstream.queue(json_script(CHAT_COMPLETION))
    client = anthropic.Anthropic(base_url=openai_server.url, auth_token=ACCESS_KEY, max_retries=0)
    msg = client.messages.create(model="claude-sonnet-5", max_tokens=10,
                                 messages=[{"role": "user", "content": "hi"}])
    assert msg.content[0].text == "Hello there."


def test_thread_field_is_refused_with_the_sdk_error_code(openai_server):
    client = sdk(openai_server)
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model="claude-sonnet-5", max_tokens=10,
                               messages=[{"role": "user", "content": "hi"}],
                               extra_body={"thread": {"type": "create"}})
    assert info.value.body["error"]["details"]["error_code"] == "thread_unsupported_request"


def test_anthropic_passthrough_stream_is_byte_for_byte(upstream, make_server):
    server = make_server(gateway_config(upstream.url, kind="anthropic"))
    raw = (ANTHROPIC / "stream-thinking-signature-text.sse").read_bytes()
    upstream.queue(sse_file_script(ANTHROPIC / "stream-thinking-signature-text.sse", split=500))
    with sdk(server).messages.stream(
        model="claude-sonnet-5", max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "think"}],
    ) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].signature
    sent = upstream.requests[-1]
    assert sent.json["model"] == "m1"
    assert sent.headers["x-api-key"] == "upstream-secret-key-123"
    assert "authorization" not in sent.headers
    upstream.queue(sse_file_script(ANTHROPIC / "stream-thinking-signature-text.sse", split=300))
    with httpx.stream("POST", server.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY},
                      json={"model": "x", "max_tokens": 2048, "stream": True,
                            "messages": [{"role": "user", "content": "again"}]}) as r:
        body = b"".join(r.iter_bytes())
    assert body == raw


def test_anthropic_passthrough_non_stream(upstream, make_server):
    server = make_server(gateway_config(upstream.url, kind="anthropic"))
    raw = (ANTHROPIC / "message-text-and-tool-use.json").read_bytes()
    upstream.queue(json_script(json.loads(raw)))
    msg = sdk(server).messages.create(model="claude-sonnet-5", max_tokens=100,
                                      messages=[{"role": "user", "content": "hi"}])
    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert msg.stop_reason == "tool_use"
