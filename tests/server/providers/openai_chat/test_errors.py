"""Upstream errors -> Anthropic errors (translation.md §I.36-39)."""
from __future__ import annotations

import pytest

from server.providers.openai_chat.errors import MAX_MESSAGE, chunk_error, map_error

from .fixture_io import chunks, frames, read_bytes


def test_openai_400_message_and_type():
    err = map_error("OpenAI", 400, read_bytes("openai/error-400-unsupported-max-tokens.json"), {})
    assert err.status == 400
    assert err.body() == {"type": "error", "error": {"type": "invalid_request_error", "message":
        "OpenAI: Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."}}


def test_openrouter_429_uses_metadata_raw_and_passes_retry_after():
    err = map_error("OpenRouter", 429, read_bytes("openrouter/error-429-rate-limit.json"), {"Retry-After": "7"})
    assert err.status == 429 and err.error_type == "rate_limit_error"
    assert err.message.startswith("OpenRouter: Provider returned error (Google): google/gemini-2.0-flash-exp:free "
                                  "is temporarily rate-limited upstream.")
    assert err.headers == {"retry-after": "7"}


@pytest.mark.parametrize("status,etype", [(401, "authentication_error"), (403, "permission_error"),
                                          (404, "not_found_error"), (413, "request_too_large"),
                                          (422, "invalid_request_error"), (500, "api_error"),
                                          (502, "api_error"), (503, "overloaded_error")])
def test_status_to_type(status, etype):
    assert map_error("P", status, b'{"error":{"message":"m"}}', {}).error_type == etype


def test_detail_message_and_plain_text_bodies():
    assert map_error("vLLM", 400, b'{"detail":"bad model"}', {}).message == "vLLM: bad model"
    assert map_error("X", 422, b'{"detail":[{"loc":["body"],"msg":"field required"}]}', {}).message == \
        "X: field required"
    assert map_error("X", 400, b'{"message":"nope"}', {}).message == "X: nope"
    assert map_error("X", 400, b'{"error":"flat"}', {}).message == "X: flat"
    assert map_error("X", 502, b"Bad gateway", {}).message == "X: Bad gateway"
    assert map_error("X", 502, b"<html><body>" + b"x" * 5000 + b"</body></html>", {}).message == \
        "X returned HTTP 502"
    assert map_error("X", 500, b"", {}).message == "X returned HTTP 500"


def test_huge_messages_are_capped_and_keys_redacted():
    err = map_error("X", 400, b'{"error":{"message":"' + b"y" * 50000 + b'"}}', {})
    assert len(err.message) <= MAX_MESSAGE + 10
    err = map_error("OpenAI", 401, b'{"error":{"message":"Incorrect API key provided: sk-proj-abcdefghijklmnop."}}',
                    {})
    assert "abcdefgh" not in err.message and err.error_type == "authentication_error"


def test_context_length_becomes_prompt_is_too_long_400():
    body = b'{"error":{"message":"This model\'s maximum context length is 128000 tokens.","code":"context_length_exceeded"}}'
    err = map_error("OpenAI", 400, body, {})
    assert err.status == 400 and err.message.startswith("prompt is too long")


def test_retry_after_ms_header():
    assert map_error("X", 429, b"{}", {"retry-after-ms": "2500"}).headers == {"retry-after": "2"}


def test_groq_midstream_error_payload():
    event, data = frames("groq/stream-midstream-error-event.sse")[-1]
    assert event == "error"
    payload = chunks("groq/stream-midstream-error-event.sse")[-1]
    err = chunk_error("Groq", payload)
    assert err.status == 400 and err.error_type == "invalid_request_error"
    assert err.message.startswith("Groq: Tool call validation failed: tool call validation failed: parameters for tool"
                                  " get_something_by_name did not match schema")


def test_chunk_error_status_from_code_or_default():
    assert chunk_error("OpenRouter", {"error": {"code": 502, "message": "upstream died"}}).error_type == "api_error"
    assert chunk_error("OpenRouter", {"error": {"code": 429, "message": "x"}}).status == 429
    err = chunk_error("P", {"error": {"message": "x", "code": "server_error"}})
    assert err.status == 500 and err.message == "P: x"
