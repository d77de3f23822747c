"""One Anthropic request, two ways to the same real server: translated to its
Chat Completions endpoint (local-openai) and passed through to its own
/v1/messages (local-anthropic). The two answers must agree in structure."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CHAT_ANTHROPIC, CHAT_OPENAI, model
from tests.e2e.helpers import HEADERS, block_types, check_grammar, final_usage, post_stream, stop_reason
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

USAGE_FIELDS = ("input_tokens", "output_tokens")


# (max_tokens, last user turn, expected stop reason): at temperature 0 the
# model greets briefly, and never finishes the essay (it falls into a loop).
CASES = [(12, "Write a very long essay about the history of Rome.", "max_tokens"),
         (200, "Now just say hello.", "end_turn")]


def request(provider: str, max_tokens: int, last: str) -> dict[str, Any]:
    return {"model": model(provider), "max_tokens": max_tokens, "temperature": 0,
            "system": [{"type": "text", "text": "You are a helpful assistant.",
                        "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Tell me about cats."}]},
                         {"role": "assistant", "content": "Cats are small mammals."},
                         {"role": "user", "content": last}],
            "stop_sequences": ["\n\n\n\n"], "top_p": 1.0,
            "metadata": {"user_id": "e2e-user"}}


def shape(message: dict[str, Any]) -> dict[str, Any]:
    return {"type": message["type"], "role": message["role"],
            "blocks": [b["type"] for b in message["content"]],
            "stop_reason": message["stop_reason"],
            "usage": sorted(k for k in USAGE_FIELDS if isinstance(message["usage"].get(k), int))}


@pytest.mark.parametrize("max_tokens,last,expected_stop", CASES)
def test_non_stream_agrees(gateway: LiveServer, max_tokens: int, last: str, expected_stop: str) -> None:
    answers = {}
    for provider in (CHAT_OPENAI, CHAT_ANTHROPIC):
        response = httpx.post(gateway.url + "/v1/messages", json=request(provider, max_tokens, last),
                              headers=HEADERS, timeout=120)
        assert response.status_code == 200, response.text
        answers[provider] = response.json()
    translated, passthrough = answers[CHAT_OPENAI], answers[CHAT_ANTHROPIC]
    assert shape(translated) == shape(passthrough)
    assert translated["stop_reason"] == expected_stop, translated
    for msg in (translated, passthrough):
        assert msg["usage"]["output_tokens"] > 0 and msg["usage"]["input_tokens"] > 0
        assert msg["content"][0]["text"].strip()
        assert msg["stop_sequence"] is None
    if expected_stop == "max_tokens":
        assert translated["usage"]["output_tokens"] == passthrough["usage"]["output_tokens"] == max_tokens
    # Translation reports all four usage fields (the SDK needs them).
    assert set(translated["usage"]) >= {"input_tokens", "output_tokens",
                                        "cache_read_input_tokens", "cache_creation_input_tokens"}


@pytest.mark.parametrize("max_tokens,last,expected_stop", CASES)
def test_stream_agrees(gateway: LiveServer, max_tokens: int, last: str, expected_stop: str) -> None:
    streams = {}
    for provider in (CHAT_OPENAI, CHAT_ANTHROPIC):
        response, frames = post_stream(gateway, request(provider, max_tokens, last))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        streams[provider] = check_grammar(frames)
    translated, passthrough = streams[CHAT_OPENAI], streams[CHAT_ANTHROPIC]
    assert block_types(translated) == block_types(passthrough) == ["text"]
    assert stop_reason(translated) == stop_reason(passthrough)
    assert stop_reason(translated) == expected_stop
    for events in (translated, passthrough):
        usage = final_usage(events)
        assert usage["output_tokens"] > 0 and usage["input_tokens"] > 0
    start = translated[0]["message"]
    assert start["model"] == model(CHAT_OPENAI) and start["id"].startswith("msg_")
    assert set(start["usage"]) >= {"input_tokens", "output_tokens",
                                   "cache_read_input_tokens", "cache_creation_input_tokens"}
