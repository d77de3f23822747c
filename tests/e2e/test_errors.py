"""Real errors from the real server, mapped to Anthropic errors (translation.md §I).

* Over the context size (-c 4096), llama-server answers HTTP 400
  ``exceed_context_size_error`` "request (N tokens) exceeds the available
  context size (4096 tokens), try increasing it" — on /v1/chat/completions
  and on /v1/messages, streamed or not. Switchboard must return 400
  invalid_request_error whose message starts "prompt is too long" (§I.39).
* On the tool instance, tool_choice "auto" makes llama.cpp fail to parse the
  model's output: HTTP 500 before streaming, or a ``data: {"error": ...}``
  chunk after a 200 when streaming. Switchboard: 500 api_error, or a
  mid-stream ``event: error`` and never a fake end (§A.9).
"""
from __future__ import annotations

from typing import Any

import anthropic
import httpx
import pytest

from tests.e2e.conftest import CHAT_ANTHROPIC, CHAT_OPENAI, TOOLS_ANTHROPIC, TOOLS_OPENAI, model
from tests.e2e.helpers import HEADERS, T0, parse_sse
from tests.e2e.test_tools import WEATHER
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

# ~10,000 SmolLM2 tokens: well over the 4096-token context.
TOO_LONG = [{"role": "user", "content": "hello world " * 5000}]


def assert_error_body(body: Any, error_type: str) -> str:
    assert isinstance(body, dict) and body.get("type") == "error", f"not an Anthropic error body: {body}"
    error = body["error"]
    assert error["type"] == error_type, body
    assert isinstance(error["message"], str) and error["message"]
    return error["message"]


@pytest.mark.parametrize("provider", [CHAT_OPENAI, CHAT_ANTHROPIC])
@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_context_overflow_is_prompt_too_long(gateway: LiveServer, provider: str, stream: bool) -> None:
    body = {"model": model(provider), "max_tokens": 16, "messages": TOO_LONG, "stream": stream}
    response = httpx.post(gateway.url + "/v1/messages", json=body, headers=HEADERS, timeout=120)
    # Never a 200 with an error inside: the upstream failed before its first byte.
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = assert_error_body(response.json(), "invalid_request_error")
    # Claude Code compacts the conversation on exactly this prefix (§I.39).
    assert message.startswith("prompt is too long"), message
    assert provider in message  # the provider is named
    assert "context size" in message  # the upstream's own words are kept


def test_context_overflow_through_sdk(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=model(CHAT_OPENAI), max_tokens=16, messages=TOO_LONG)
    assert info.value.status_code == 400
    assert_error_body(info.value.body, "invalid_request_error")


def _auto(provider: str, stream: bool) -> dict[str, Any]:
    return {"model": model(provider), "max_tokens": 60, "temperature": 0, "stream": stream,
            "tools": [WEATHER], "tool_choice": {"type": "auto"},
            "messages": [{"role": "user", "content": "Say hello."}]}


def test_upstream_500_is_api_error(gateway: LiveServer) -> None:
    """Passthrough: llama.cpp's /v1/messages answers 500 (Switchboard retries
    5xx first, so this takes a few seconds)."""
    response = httpx.post(gateway.url + "/v1/messages", json=_auto(TOOLS_ANTHROPIC, False),
                          headers=HEADERS, timeout=120)
    assert response.status_code == 500, response.text
    message = assert_error_body(response.json(), "api_error")
    assert message.startswith(f"{TOOLS_ANTHROPIC}: "), message
    assert "Traceback" not in message


def test_upstream_500_through_sdk(client: anthropic.Anthropic) -> None:
    """Translated: llama.cpp's /v1/chat/completions answers 500."""
    with pytest.raises(anthropic.InternalServerError) as info:
        client.messages.create(model=model(TOOLS_OPENAI), max_tokens=60, **T0, tools=[WEATHER],
                               tool_choice={"type": "auto"},
                               messages=[{"role": "user", "content": "Say hello."}])
    assert info.value.status_code == 500
    message = assert_error_body(info.value.body, "api_error")
    assert message.startswith(f"{TOOLS_OPENAI}: "), message


@pytest.mark.parametrize("provider", [TOOLS_OPENAI, TOOLS_ANTHROPIC])
def test_streamed_upstream_failure(gateway: LiveServer, provider: str) -> None:
    """Whatever llama.cpp does (500 up front, or an error chunk after its 200),
    the client gets a real Anthropic error and never a message that looks
    complete. llama.cpp's /v1/messages sends ``event: error`` with
    ``{"code": 500, "message": ..., "type": "server_error"}`` — not Anthropic's
    ``{"type": "error", "error": {...}}`` — which passthrough must normalise
    (§A.9) rather than forward byte for byte."""
    with httpx.stream("POST", gateway.url + "/v1/messages", json=_auto(provider, True),
                      headers=HEADERS, timeout=120) as response:
        text = response.read().decode()
    if response.status_code != 200:
        assert response.status_code == 500, text
        assert_error_body(response.json(), "api_error")
        return
    frames = parse_sse(text)
    names = [name for name, _ in frames]
    assert names[-1] == "error", names
    assert "message_stop" not in names and "message_delta" not in names, names
    name, data = frames[-1]
    assert_error_body(data, "api_error")


def test_tool_choice_none_is_sent(client: anthropic.Anthropic) -> None:
    """The counterpart: "none" reaches the upstream, which then answers text
    (the logit bias on ``{"`` makes that text run on to max_tokens)."""
    msg = client.messages.create(model=model(TOOLS_OPENAI), max_tokens=30, **T0, tools=[WEATHER],
                                 tool_choice={"type": "none"},
                                 messages=[{"role": "user", "content": "Say hello."}])
    assert [b.type for b in msg.content] == ["text"]
    assert msg.stop_reason in ("max_tokens", "end_turn")
