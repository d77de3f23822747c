"""Hostile input over real HTTP (issue 14 §7, §8): deep nesting and control
characters get a 400 in Anthropic's shape, never a 500; headers and log
lines stay well-formed; the upstream is released whenever no response can
be sent."""
from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from server.routes import messages
from tests.conftest import gateway_config
from tests.support.fake_upstream import json_script, sse_script
from tests.support.live_server import ACCESS_KEY
from tests.support.server_process import ServerProcess

HEADERS = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"}
BODY = {"model": "claude-sonnet-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
CHAT = {"id": "c", "object": "chat.completion", "model": "m1", "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}}


def nested(depth: int) -> dict:
    value: dict = {"type": "string"}
    for _ in range(depth):
        value = {"type": "object", "properties": {"a": value}}
    return value


def assert_400(r: httpx.Response, starts: str) -> str:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert body["error"]["message"].startswith(starts), body["error"]["message"]
    return body["error"]["message"]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_deep_tool_schema_is_a_400_naming_the_field(upstream, make_server, kind):
    server = make_server(gateway_config(upstream.url, kind=kind))
    body = {**BODY, "tools": [{"name": "t", "input_schema": {"type": "object"}},
                              {"name": "deep", "input_schema": nested(150)}]}
    r = server.post("/v1/messages", body, headers=HEADERS)
    message = assert_400(r, "tools.1.input_schema: ")
    assert "nested more than 200 levels" in message
    assert upstream.requests == []  # nothing was forwarded


def test_deep_tool_use_input_is_a_400_naming_the_block(upstream, make_server):
    server = make_server(gateway_config(upstream.url))
    body = {**BODY, "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "t",
                                           "input": nested(150)}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}]}]}
    r = server.post("/v1/messages", body, headers=HEADERS)
    assert_400(r, "messages.1.content.0.input (tool_use.input): ")


def test_deep_count_tokens_body_is_a_400(upstream, make_server):
    server = make_server(gateway_config(upstream.url))
    body = {"model": "claude-sonnet-5", "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"name": "deep", "input_schema": nested(140)}]}
    r = server.post("/v1/messages/count_tokens", body, headers=HEADERS)
    assert_400(r, "tools.0.input_schema: ")


def test_moderate_nesting_still_works(upstream, make_server):
    server = make_server(gateway_config(upstream.url))
    upstream.queue(json_script(CHAT))
    body = {**BODY, "tools": [{"name": "t", "input_schema": nested(40)}]}
    r = server.post("/v1/messages", body, headers=HEADERS)
    assert r.status_code == 200, r.text
    assert r.json()["content"][0]["text"] == "ok"
    # The whole schema reached the provider, all 40 levels of it.
    assert upstream.requests[-1].json["tools"][0]["function"]["parameters"] == nested(40)


@pytest.mark.parametrize("model", ["claude\nINFO forged line", "claude\x00", "claude\x7f", "m" * 257])
def test_control_characters_or_a_long_model_are_a_400(upstream, make_server, model):
    server = make_server(gateway_config(upstream.url))
    r = server.post("/v1/messages", {**BODY, "model": model}, headers=HEADERS)
    assert_400(r, "model: ")
    r = server.post("/v1/messages/count_tokens", {"model": model, "messages": BODY["messages"]},
                    headers=HEADERS)
    assert_400(r, "model: ")
    assert upstream.requests == []


def test_a_non_ascii_model_gives_a_valid_target_header(upstream, make_server):
    server = make_server(gateway_config(upstream.url))
    upstream.queue(json_script(CHAT))
    r = server.post("/v1/messages", {**BODY, "model": "up/模型"}, headers=HEADERS)
    assert r.status_code == 200, r.text
    assert r.headers["x-switchboard-target"] == "up/%E6%A8%A1%E5%9E%8B"
    assert upstream.requests[-1].json["model"] == "模型"


def _slow_stream() -> object:
    frames = [b'data: {"id":"c","object":"chat.completion.chunk","model":"m1","choices":'
              b'[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\n'] * 40
    return sse_script(frames, delay_between_parts=0.2)


def _wait_for_disconnect(upstream, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if upstream.disconnects:
            return True
        time.sleep(0.05)
    return False


def test_upstream_stream_is_closed_when_the_response_cannot_be_built(upstream, make_server, monkeypatch):
    server = make_server(gateway_config(upstream.url))

    def broken(*args, **kwargs):
        raise RuntimeError("response could not be built")

    monkeypatch.setattr(messages, "_stream_response", broken)
    upstream.queue(_slow_stream())
    r = server.post("/v1/messages", {**BODY, "stream": True}, headers=HEADERS)
    assert r.status_code == 500 and r.json()["type"] == "error"
    # The upstream would stream for 8 s; it must be closed at once.
    assert _wait_for_disconnect(upstream, 3.0), "the upstream stream was not closed"
    assert not upstream.finished


def test_upstream_stream_is_closed_when_the_headers_cannot_be_sent(upstream, make_server, monkeypatch):
    server = make_server(gateway_config(upstream.url))
    monkeypatch.setattr(messages, "_header_value", lambda text: "broken\x00header")
    # Keep the reply referenced, as a traceback cycle would: only an explicit
    # close (not the garbage collector) may release the upstream here.
    kept = []
    original = messages._stream_response

    def keeping(gw, reply, *args, **kwargs):
        kept.append(reply)
        return original(gw, reply, *args, **kwargs)

    monkeypatch.setattr(messages, "_stream_response", keeping)
    upstream.queue(_slow_stream())
    try:
        r = httpx.post(server.url + "/v1/messages", json={**BODY, "stream": True}, headers=HEADERS, timeout=10)
        assert r.status_code >= 500
    except httpx.HTTPError:
        pass  # the server could not send a response at all
    assert _wait_for_disconnect(upstream, 3.0), "the upstream stream was not closed"
    assert not upstream.finished


LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+ ")


def test_log_has_one_line_per_request_whatever_the_values(tmp_path, upstream):
    config = gateway_config(upstream.url)
    config["providers"]["up"]["api_key"] = ""
    # A hand-edited config whose model holds a newline and a NUL.
    config["routes"]["main"]["default"] = "up/m1\n2026-01-01 00:00:00 INFO forged\x00"
    server = ServerProcess(tmp_path / "home", config).wait_ready()
    try:
        for _ in range(3):
            upstream.queue(json_script(CHAT))
            r = httpx.post(server.url + "/v1/messages", json=BODY, timeout=10,
                           headers={"x-api-key": server.key})
            assert r.status_code == 200, r.text
            assert "\n" not in r.headers["x-switchboard-target"]
        r = httpx.post(server.url + "/v1/messages", json={**BODY, "model": "a\nb"}, timeout=10,
                       headers={"x-api-key": server.key})
        assert r.status_code == 400
    finally:
        server.stop()
    lines = (tmp_path / "home" / "logs" / "switchboard.log").read_text().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    request_lines = [line for line in lines if "switchboard.requests" in line]
    assert len(request_lines) == 3
    assert all("model=m1\\n2026-01-01" in line and "\\x00" in line for line in request_lines)


def test_an_upstream_retry_after_header_is_only_passed_on_when_printable():
    from server.errors import UpstreamError

    assert UpstreamError("p", 429, "slow down", retry_after="3").headers == {"retry-after": "3"}
    assert UpstreamError("p", 429, "slow down", retry_after="3\x00x").headers == {}
    assert UpstreamError("p", 429, "slow down", retry_after="9" * 100).headers == {}
