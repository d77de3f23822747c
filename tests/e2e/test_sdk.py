"""The official anthropic SDK through Switchboard to a real llama-server,
translated (local-openai) and passed through (local-anthropic)."""
from __future__ import annotations

import re

import anthropic
import pytest

from tests.e2e.conftest import CHAT_ANTHROPIC, CHAT_OPENAI, model
from tests.e2e.helpers import T0, TOOL_ID

pytestmark = pytest.mark.e2e

PROVIDERS = [CHAT_OPENAI, CHAT_ANTHROPIC]
MAX_TOKENS = 40
PROMPT = [{"role": "user", "content": "Name three colors."}]


def assert_usage(usage: anthropic.types.Usage) -> None:
    assert isinstance(usage.input_tokens, int) and isinstance(usage.output_tokens, int)
    # llama.cpp re-evaluates at least one prompt token even on a cache hit,
    # so input_tokens (which excludes cached tokens) is never 0.
    assert usage.input_tokens > 0
    assert 0 < usage.output_tokens <= MAX_TOKENS
    # The whole prompt, cached or not: the chat template adds ~20 tokens.
    total_in = usage.input_tokens + (usage.cache_read_input_tokens or 0)
    assert 10 <= total_in <= 200, usage


def assert_text_message(msg: anthropic.types.Message) -> None:
    assert msg.type == "message" and msg.role == "assistant"
    assert re.match(TOOL_ID, msg.id)
    assert [b.type for b in msg.content] == ["text"]
    assert msg.content[0].text.strip()
    assert msg.stop_reason in ("end_turn", "max_tokens")
    if msg.stop_reason == "max_tokens":
        assert msg.usage.output_tokens == MAX_TOKENS
    assert_usage(msg.usage)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_create(client: anthropic.Anthropic, provider: str) -> None:
    raw = client.messages.with_raw_response.create(
        model=model(provider), max_tokens=MAX_TOKENS, **T0, messages=PROMPT)
    assert raw.headers["x-switchboard-target"] == model(provider)
    msg = raw.parse()
    assert_text_message(msg)
    if provider == CHAT_OPENAI:  # translated: the model the client asked for
        assert msg.model == model(provider)
        assert msg.id.startswith("msg_")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stream_and_final_message(client: anthropic.Anthropic, provider: str) -> None:
    seen: list[str] = []
    with client.messages.stream(model=model(provider), max_tokens=MAX_TOKENS, **T0,
                                system="You are terse.", messages=PROMPT) as stream:
        text_parts = []
        for event in stream:
            seen.append(event.type)
            if event.type == "text":
                text_parts.append(event.text)
        final = stream.get_final_message()
    assert seen[0] == "message_start" and seen[-1] == "message_stop"
    assert seen.count("message_delta") == 1
    assert "content_block_start" in seen and "content_block_stop" in seen
    assert_text_message(final)
    assert "".join(text_parts) == final.content[0].text
    if provider == CHAT_OPENAI:
        assert final.model == model(provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stream_and_create_agree(client: anthropic.Anthropic, provider: str) -> None:
    """Temperature 0: the stream and the non-stream answer are the same message."""
    args = dict(model=model(provider), max_tokens=MAX_TOKENS, **T0, messages=PROMPT)
    plain = client.messages.create(**args)
    with client.messages.stream(**args) as stream:
        streamed = stream.get_final_message()
    assert [b.type for b in plain.content] == [b.type for b in streamed.content]
    assert plain.stop_reason == streamed.stop_reason


def test_count_tokens(client: anthropic.Anthropic) -> None:
    short = client.messages.count_tokens(model=model(CHAT_OPENAI), messages=PROMPT)
    assert short.input_tokens > 0
    longer = client.messages.count_tokens(
        model=model(CHAT_ANTHROPIC), system="You are a helpful assistant who answers briefly.",
        messages=PROMPT + [{"role": "assistant", "content": "Red, green, blue."},
                           {"role": "user", "content": "Three more, please."}],
        tools=[{"name": "get_weather", "description": "Weather for a city",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    assert longer.input_tokens > short.input_tokens


def test_count_tokens_unknown_provider(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as info:
        client.messages.count_tokens(model="nowhere/smollm2", messages=PROMPT)
    assert info.value.body["error"]["type"] == "not_found_error"
