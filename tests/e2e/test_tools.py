"""A real tool turn on the tool-calling llama-server instance.

tool_choice {"type": "any"} must reach the upstream as "required" (the
translated path) — the only way this 135M model emits a tool call, so a
tool_use block with valid JSON input is the proof. The tool_result turn that
follows must be accepted by the real server.
"""
from __future__ import annotations

import json
import re
from typing import Any

import anthropic
import pytest

from tests.e2e.conftest import TOOLS_ANTHROPIC, TOOLS_OPENAI, model
from tests.e2e.helpers import T0, TOOL_ID, block_types, check_grammar, post_stream, stop_reason
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

WEATHER = {"name": "get_weather", "description": "Get the current weather for a city",
           "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                            "properties": {"city": {"type": "string", "description": "City name"}},
                            "required": ["city"]}}
QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]
ANY = {"type": "any"}
PROVIDERS = [TOOLS_OPENAI, TOOLS_ANTHROPIC]


def assert_tool_turn(msg: anthropic.types.Message) -> anthropic.types.ToolUseBlock:
    assert msg.stop_reason == "tool_use"
    types = [b.type for b in msg.content]
    assert "tool_use" in types, types
    # Text may come first, never after the calls, and never empty (llama.cpp
    # sends content "" alongside its tool calls).
    assert types == sorted(types, key=lambda t: t == "tool_use"), types
    for block in msg.content:
        if block.type == "text":
            assert block.text != ""
    calls = [b for b in msg.content if b.type == "tool_use"]
    for call in calls:
        assert re.match(TOOL_ID, call.id), call.id
        assert call.name == "get_weather"
        assert isinstance(call.input, dict)
    return calls[0]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_choice_any_then_tool_result(client: anthropic.Anthropic, provider: str) -> None:
    first = client.messages.create(model=model(provider), max_tokens=200, **T0,
                                   tools=[WEATHER], tool_choice=ANY, messages=QUESTION)
    call = assert_tool_turn(first)
    if provider == TOOLS_OPENAI:
        assert first.id.startswith("msg_") and call.id  # ids minted/mapped by Switchboard

    history = QUESTION + [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21 degrees C"},
            {"type": "text", "text": "Thanks."}]},
    ]
    # "any" again: on this instance "auto" may make llama.cpp answer 500 (see test_errors).
    second = client.messages.create(model=model(provider), max_tokens=200, **T0,
                                    tools=[WEATHER], tool_choice=ANY, messages=history)
    assert second.type == "message" and second.role == "assistant"
    assert_tool_turn(second)
    assert second.usage.input_tokens > 0 and second.usage.output_tokens > 0
    # The tool result made the prompt longer than the first turn's.
    assert (second.usage.input_tokens + (second.usage.cache_read_input_tokens or 0)
            > first.usage.input_tokens + (first.usage.cache_read_input_tokens or 0))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streamed_tool_call(client: anthropic.Anthropic, provider: str) -> None:
    deltas: list[str] = []
    with client.messages.stream(model=model(provider), max_tokens=200, **T0,
                                tools=[WEATHER], tool_choice=ANY, messages=QUESTION) as stream:
        for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                deltas.append(event.delta.partial_json)
        final = stream.get_final_message()
    call = assert_tool_turn(final)
    assert deltas, "the call's arguments must stream as input_json_delta"
    if provider == TOOLS_OPENAI:
        assert all(d != "" for d in deltas), "empty argument fragments are skipped (§C.13)"
    # The streamed fragments of the (single) call are its input as JSON.
    if len([b for b in final.content if b.type == "tool_use"]) == 1:
        assert json.loads("".join(deltas)) == call.input


def test_raw_tool_stream_grammar(gateway: LiveServer) -> None:
    body: dict[str, Any] = {"model": model(TOOLS_OPENAI), "max_tokens": 200, "temperature": 0,
                            "tools": [WEATHER], "tool_choice": ANY, "messages": QUESTION}
    response, frames = post_stream(gateway, body)
    assert response.status_code == 200
    events = check_grammar(frames)
    assert "tool_use" in block_types(events)
    assert stop_reason(events) == "tool_use"
    starts = [e["content_block"] for e in events if e["type"] == "content_block_start"
              and e["content_block"]["type"] == "tool_use"]
    for block in starts:
        assert block["input"] == {} and block["name"] == "get_weather"
        assert re.match(TOOL_ID, block["id"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_any_becomes_required(client: anthropic.Anthropic, provider: str) -> None:
    """On this prompt the tool instance answers "auto" with HTTP 500 and
    "none" with text (test_errors.py); only "required" yields a tool call.
    So a tool_use here proves {"type": "any"} went upstream as "required"."""
    msg = client.messages.create(model=model(provider), max_tokens=60, **T0, tools=[WEATHER],
                                 tool_choice=ANY, messages=[{"role": "user", "content": "Say hello."}])
    call = assert_tool_turn(msg)
    assert isinstance(call.input.get("city"), str)  # valid JSON matching the schema's shape
