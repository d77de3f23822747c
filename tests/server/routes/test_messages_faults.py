"""Upstream faults: each becomes the right HTTP status or stream event, and
the client never hangs (translation.md §A.7-9, §I)."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.conftest import UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import Script, json_script, sse_script
from tests.support.live_server import ACCESS_KEY, free_port

HEADERS = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"}
BODY = {"model": "claude-sonnet-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
STREAM_BODY = {**BODY, "stream": True}


def events_of(text: str) -> list[tuple[str, dict]]:
    """(event name, data) for every frame; asserts each frame is well-formed."""
    out = []
    for frame in text.strip().split("\n\n"):
        lines = frame.split("\n")
        assert lines[0].startswith("event: ") and lines[1].startswith("data: "), frame
        name, data = lines[0][7:], json.loads(lines[1][6:])
        assert data["type"] == name
        out.append((name, data))
    return out


def chunk(delta: dict, finish: str | None = None) -> bytes:
    payload = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m1",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


TEXT_FRAMES = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo"})]


class Sleeps(list):
    """An injected sleep: records the waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def no_wait(srv) -> Sleeps:
    from server.dispatch import Dispatcher

    sleeps = Sleeps()
    srv.gateway.dispatcher = Dispatcher(sleep=sleeps)
    return sleeps


ATTEMPTS = 3  # one try and two retries per target (server/dispatch.py)


@pytest.fixture
def server(upstream, make_server):
    config = gateway_config(upstream.url)
    config["network"] = {"timeouts": {"first_byte": 0.5, "idle": 0.5}}
    srv = make_server(config, ping_interval=0.25)
    srv.sleeps = no_wait(srv)
    return srv


def test_connection_refused_is_500_naming_the_provider(make_server):
    srv = make_server(gateway_config(f"http://127.0.0.1:{free_port()}"))
    sleeps = no_wait(srv)
    for body in (BODY, STREAM_BODY):
        r = httpx.post(srv.url + "/v1/messages", json=body, headers=HEADERS, timeout=10)
        assert r.status_code == 500
        assert r.json()["error"] == {"type": "api_error",
                                     "message": "Failed to connect to provider up (connection refused)"}
    # First request: a try and two retries with exponential backoff; three
    # failures in a row open the breaker, so the second request (the only
    # target left) is tried once without waiting.
    assert sleeps == [0.5, 1.0]
    assert [outcome for _, outcome in srv.gateway.dispatcher.attempts] == ["500 api_error"] * 4


def test_timeout_before_headers_is_a_retryable_status(server, upstream):
    upstream.queue(*[Script(delay_before_headers=3, parts=[b"{}"])] * ATTEMPTS)
    started = time.monotonic()
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    assert time.monotonic() - started < ATTEMPTS * 0.5 + 1
    assert len(upstream.requests) == ATTEMPTS
    assert r.status_code == 500
    assert r.json()["error"]["message"] == "Failed to connect to provider up (no answer within 0.5 s)"


def test_drop_mid_stream_closes_the_block_then_error_event(server, upstream):
    upstream.queue(sse_script(TEXT_FRAMES + [chunk({"content": "never"})], drop_after_parts=3))
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    assert r.status_code == 200
    names = [n for n, _ in events_of(r.text) if n != "ping"]
    assert names == ["message_start", "content_block_start", "content_block_delta",
                     "content_block_delta", "content_block_stop", "error"]
    err = events_of(r.text)[-1][1]
    assert err["error"]["type"] == "api_error" and "up" in err["error"]["message"]


def test_stream_without_finish_reason_is_an_error_not_end_turn(server, upstream):
    upstream.queue(sse_script(TEXT_FRAMES))  # clean close, no finish_reason, no [DONE]
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    names = [n for n, _ in events_of(r.text)]
    assert names[-1] == "error" and "message_delta" not in names and "message_stop" not in names


def test_garbage_stream_becomes_error_event(server, upstream):
    upstream.queue(sse_script([b"data: {not json at all\n\n"]))
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    evs = events_of(r.text)
    assert evs[0][0] == "message_start" and evs[-1][0] == "error"
    assert "not JSON" in evs[-1][1]["error"]["message"]


def test_garbage_non_stream_answer_is_500(server, upstream):
    upstream.queue(*[Script(parts=[b"<html>oops</html>"])] * ATTEMPTS)
    r = httpx.post(server.url + "/v1/messages", json=BODY, headers=HEADERS, timeout=10)
    assert r.status_code == 500 and r.json()["error"]["type"] == "api_error"


def test_429_keeps_retry_after(server, upstream):
    upstream.queue(*[json_script({"error": {"message": "Rate limit reached", "type": "requests"}},
                                 status=429, headers={"retry-after": "7"})] * ATTEMPTS)
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    assert server.sleeps == [7.0, 7.0]
    assert r.status_code == 429
    assert r.headers["retry-after"] == "7"
    assert r.json() == {"type": "error", "error": {"type": "rate_limit_error",
                                                   "message": "up: Rate limit reached"}}


def test_529_is_overloaded(server, upstream):
    upstream.queue(*[json_script({"error": {"message": "Overloaded"}}, status=529)] * ATTEMPTS)
    r = httpx.post(server.url + "/v1/messages", json=BODY, headers=HEADERS, timeout=10)
    assert r.status_code == 529 and r.json()["error"]["type"] == "overloaded_error"


def test_upstream_context_length_error_says_prompt_is_too_long(server, upstream):
    upstream.queue(json_script({"error": {"message": "This model's maximum context length is 8192 tokens",
                                          "code": "context_length_exceeded"}}, status=400))
    r = httpx.post(server.url + "/v1/messages", json=BODY, headers=HEADERS, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("prompt is too long")


def test_pings_while_upstream_is_silent(upstream, make_server):
    server = make_server(gateway_config(upstream.url), ping_interval=0.25)
    frames = TEXT_FRAMES + [chunk({}, "stop")]
    upstream.queue(sse_script(frames, delay_between_parts=0.7))
    r = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    names = [n for n, _ in events_of(r.text)]
    assert names.count("ping") >= 3
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert [n for n in names if n != "ping"].count("message_delta") == 1


def test_client_disconnect_cancels_the_upstream_request(server, upstream):
    upstream.queue(sse_script(TEXT_FRAMES + [chunk({"content": " more"})] * 200, delay_between_parts=0.05))
    with httpx.stream("POST", server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10) as r:
        seen = b""
        for part in r.iter_raw():
            seen += part
            if seen.count(b"content_block_delta") >= 2:
                break
    closed_at = time.monotonic()
    deadline = closed_at + 3
    while not upstream.disconnects and time.monotonic() < deadline:
        time.sleep(0.02)
    assert upstream.disconnects, "the upstream never saw the connection close"
    assert upstream.disconnects[0] - closed_at < 1.0
    assert not upstream.finished


def test_passthrough_drop_mid_stream_ends_with_error_event(upstream, make_server):
    srv = make_server(gateway_config(upstream.url, kind="anthropic"))
    raw = (UPSTREAM_FIXTURES / "anthropic" / "stream-text.chunks.txt").read_text().splitlines()
    frames = [f"event: {json.loads(l)['type']}\ndata: {l}\n\n".encode() for l in raw if l.strip()]
    upstream.queue(sse_script(frames[:4], drop_after_parts=4))
    r = httpx.post(srv.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    evs = events_of(r.text)
    assert evs[-1][0] == "error"
    assert "message_stop" not in [n for n, _ in evs]


def test_passthrough_error_status_keeps_the_upstream_message(upstream, make_server):
    srv = make_server(gateway_config(upstream.url, kind="anthropic"))
    body = json.loads((UPSTREAM_FIXTURES / "anthropic" / "error-404-not-found.json").read_text())
    # A 4xx other than 429 is the request's fault: no retry, no fallback.
    upstream.queue(json_script(body, status=404))
    r = httpx.post(srv.url + "/v1/messages", json=BODY, headers=HEADERS, timeout=10)
    assert len(upstream.requests) == 1
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "not_found_error"
    assert r.json()["error"]["message"] == "up: " + body["error"]["message"]


def test_no_key_material_in_errors_or_logs(server, upstream, tmp_path):
    import logging

    from server.logs import setup_file_logging

    log_file = setup_file_logging(tmp_path / "logs")
    try:
        upstream.queue(json_script({"error": {"message": "Incorrect API key provided: upstream-secret-key-123"}},
                                   status=401))
        r = httpx.post(server.url + "/v1/messages", json=BODY, headers=HEADERS, timeout=10)
        upstream.queue(sse_script(TEXT_FRAMES + [chunk({}, "stop")]))
        ok = httpx.post(server.url + "/v1/messages", json=STREAM_BODY, headers=HEADERS, timeout=10)
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if getattr(h, "baseFilename", "") == str(log_file)]:
            h.close()
            root.removeHandler(h)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "up: Incorrect API key provided: [redacted]"
    assert ok.status_code == 200
    logged = log_file.read_text()
    assert "provider=up model=m1 status=401" in logged
    assert "provider=up model=m1 status=200" in logged
    for secret in ("upstream-secret-key-123", ACCESS_KEY):
        assert secret not in r.text and secret not in logged
