"""map_error, convert_usage, map_finish_reason."""
from __future__ import annotations

import json

import httpx
import pytest

from server.errors import UpstreamError
from server.providers.gemini.convert_usage import convert_usage
from server.providers.gemini.errors import map_error
from server.providers.gemini.map_finish_reason import GeminiFinishError, map_finish_reason

from gemini_fixture_io import fixture_bytes


def test_429_retry_info_fixture():
    err = map_error("gemini", 429, fixture_bytes("error-429-retry-info.json"), {})
    assert isinstance(err, UpstreamError)
    assert err.status == 429 and err.error_type == "rate_limit_error"
    assert err.headers == {"retry-after": "35"}  # 34.4s rounded up
    assert err.body() == {"type": "error", "error": {
        "type": "rate_limit_error",
        "message": "gemini: You exceeded your current quota, please check your plan. (RESOURCE_EXHAUSTED)"}}


def test_list_wrapped_error_and_header_retry_after():
    body = json.dumps([{"error": {"code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"}}])
    err = map_error("gemini", 400, body.encode(), httpx.Headers({"Retry-After": "7"}))
    assert err.status == 400 and err.error_type == "invalid_request_error"
    assert err.message == "gemini: Invalid JSON payload (INVALID_ARGUMENT)"
    assert err.headers == {"retry-after": "7"}


@pytest.mark.parametrize("status,etype", [(401, "authentication_error"), (403, "permission_error"),
                                          (404, "not_found_error"), (500, "api_error"),
                                          (503, "overloaded_error")])
def test_status_types(status, etype):
    body = json.dumps({"error": {"code": status, "message": "m", "status": "S"}}).encode()
    assert map_error("gemini", status, body, None).error_type == etype


def test_context_length_becomes_prompt_too_long():
    body = json.dumps({"error": {"code": 400, "status": "INVALID_ARGUMENT", "message":
                                 "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."}})
    err = map_error("gemini", 400, body.encode(), None)
    assert err.status == 400 and err.message.startswith("prompt is too long")


def test_non_json_body_is_kept_short():
    err = map_error("gemini", 502, b"<html>" + b"x" * 5000, {"content-type": "text/html"})
    assert err.status == 502 and err.error_type == "api_error"
    assert err.message.startswith("gemini: <html>") and len(err.message) < 600
    assert map_error("gemini", 500, b"", None).message == "gemini returned HTTP 500"


def test_usage():
    assert convert_usage({"promptTokenCount": 100, "cachedContentTokenCount": 30,
                          "candidatesTokenCount": 7, "thoughtsTokenCount": 11, "totalTokenCount": 148}) == {
        "input_tokens": 70, "output_tokens": 18, "cache_read_input_tokens": 30,
        "cache_creation_input_tokens": 0}
    assert convert_usage(None) == {"input_tokens": 0, "output_tokens": 0,
                                   "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}


@pytest.mark.parametrize("reason,tools,stop", [
    ("STOP", False, "end_turn"), ("STOP", True, "tool_use"), ("MAX_TOKENS", True, "max_tokens"),
    ("SAFETY", False, "refusal"), ("RECITATION", False, "refusal"), ("BLOCKLIST", False, "refusal"),
    ("PROHIBITED_CONTENT", False, "refusal"), ("SPII", False, "refusal"), ("IMAGE_SAFETY", False, "refusal"),
    ("OTHER", False, "end_turn"),
])
def test_finish_reason(reason, tools, stop):
    assert map_finish_reason(reason, saw_tool_use=tools) == stop


def test_malformed_function_call_raises():
    with pytest.raises(GeminiFinishError) as exc:
        map_finish_reason("MALFORMED_FUNCTION_CALL", saw_tool_use=False, provider="my-gemini")
    assert exc.value.status == 500
    assert exc.value.message == "my-gemini: the model generated a malformed function call (finishReason MALFORMED_FUNCTION_CALL)"
