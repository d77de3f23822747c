"""Upstream answers are bounded (issue 14, should-fix): time limits for
non-stream answers, size caps, a non-HTTP reply named, keys scrubbed in any
form. All over real HTTP: Switchboard on Hypercorn, the fake upstream."""
from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from server import sse
from server.dispatch import Dispatcher
from server.providers import http
from tests.conftest import gateway_config
from tests.support.fake_upstream import Script, json_script, sse_script
from tests.support.live_server import ACCESS_KEY

HEADERS = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"}
BODY = {"model": "claude-sonnet-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
KEY = "upstream-secret-key-123"  # tests/conftest.py's provider key
TIMEOUTS = {"network": {"timeouts": {"connect": 2, "first_byte": 1, "idle": 1}}}


async def _no_sleep(_: float) -> None:
    return None


def server_for(make_server, url: str, *, kind: str = "openai"):
    srv = make_server({**gateway_config(url, kind=kind), **TIMEOUTS})
    srv.gateway.dispatcher = Dispatcher(sleep=_no_sleep)
    return srv


def post(srv, body: dict, timeout: float = 30) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = httpx.post(srv.url + "/v1/messages", json=body, headers=HEADERS, timeout=timeout)
    return r, time.monotonic() - started


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_non_stream_answer_without_headers_is_bounded(upstream, make_server, kind):
    srv = server_for(make_server, upstream.url, kind=kind)
    upstream.default = json_script({"ok": True}, delay_before_headers=8)
    r, elapsed = post(srv, BODY)
    assert r.status_code == 500 and r.json()["error"]["type"] == "api_error"
    assert "no answer within 1 s" in r.json()["error"]["message"]
    assert elapsed < 6, elapsed  # 3 attempts x 1 s, not 3 x 8 s


@pytest.mark.parametrize("stream", [False, True])
def test_a_stalled_non_sse_body_is_bounded(upstream, make_server, stream):
    # stream=True answered with application/json: read whole, like a non-stream answer.
    srv = server_for(make_server, upstream.url)
    upstream.default = Script(parts=[b'{"id": "c", ', b'"object": "chat.completion"}'], delay_between_parts=8)
    r, elapsed = post(srv, {**BODY, "stream": stream})
    assert r.status_code == 500
    assert "no data for 1 s" in r.json()["error"]["message"]
    assert elapsed < 6, elapsed


def test_a_huge_non_stream_answer_is_refused_once(upstream, make_server, monkeypatch):
    monkeypatch.setattr(http, "MAX_ANSWER_BYTES", 1024 * 1024)
    srv = server_for(make_server, upstream.url)
    upstream.default = Script(parts=[b"[" + b" " * (256 * 1024)] * 8 + [b"]"])
    r, _ = post(srv, BODY)
    assert r.status_code == 500
    assert "larger than 1 MB" in r.json()["error"]["message"]
    assert len(upstream.requests) == 1  # the same answer would come again: not retried


def test_an_endless_sse_line_ends_the_stream_with_an_error(upstream, make_server, monkeypatch):
    monkeypatch.setattr(sse, "MAX_LINE_BYTES", 1024 * 1024)
    srv = server_for(make_server, upstream.url)
    upstream.queue(sse_script([b'data: {"x": "' + b"a" * (256 * 1024)] * 8))
    r, _ = post(srv, {**BODY, "stream": True})
    assert r.status_code == 200
    assert "event: error" in r.text
    assert "larger than 1 MB" in r.text


def test_a_server_that_does_not_speak_http_is_named(make_server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        srv = server_for(make_server, f"http://127.0.0.1:{port}")
        r, _ = post(srv, BODY)
    finally:
        listener.close()
    message = r.json()["error"]["message"]
    assert r.status_code == 500
    assert "connection refused" not in message
    assert f"the server at 127.0.0.1:{port} did not answer with HTTP" in message


@pytest.mark.parametrize("echo", [
    f"Incorrect API key provided: {KEY}.",
    f"Incorrect API key provided: {KEY[4:]}",          # without its prefix
    f"key '{KEY[:16]}...' is not valid",               # truncated
])
def test_an_echoed_key_is_scrubbed_in_any_form(upstream, make_server, echo):
    srv = server_for(make_server, upstream.url)
    upstream.queue(json_script({"error": {"message": echo, "type": "invalid_request_error"}}, status=401))
    r, _ = post(srv, BODY)
    assert r.status_code == 401
    message = r.json()["error"]["message"]
    assert "[redacted]" in message
    for i in range(len(KEY) - 11):
        assert KEY[i:i + 12] not in message, message


def test_an_answer_that_arrived_whole_is_read_without_a_reader_task(upstream, monkeypatch):
    """Issue 22: a small answer that came with its headers is taken as it is;
    one still arriving goes through timed_body (its idle limit)."""
    import asyncio
    import ssl

    from server.providers.aiohttp_transport import AiohttpTransport

    readers: list[int] = []
    real = http.timed_body

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        readers.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(http, "timed_body", counted)

    async def read(script: Script) -> bytes:
        upstream.default = script
        client = AiohttpTransport(ssl_context=ssl.create_default_context(), connect=2, read=5)
        try:
            response = await client.post(upstream.url + "/v1/chat/completions", {}, b"{}")
            await asyncio.sleep(0.3)  # the whole answer is in by now
            return await http.read_body(response, "Local", idle=2)
        finally:
            await client.aclose()

    assert asyncio.run(read(json_script({"ok": True}))) == b'{"ok": true}'
    assert readers == []
    whole = asyncio.run(read(Script(parts=[b'{"a": ', b"1}"], delay_between_parts=1.0)))
    assert whole == b'{"a": 1}' and readers == [1]
