"""Requests refused before their body is read (issue 14 §4, §9; issue 13 §11).

The memory test runs ``python -m server`` as a real process and measures its
peak RSS (VmHWM) while big unauthenticated bodies arrive.
"""
from __future__ import annotations

import socket
import sys
import threading
import time

import httpx
import orjson
import pytest

from server.routes.guard import NOT_FOUND
from tests.conftest import gateway_config
from tests.support.live_server import ACCESS_KEY
from tests.support.server_process import ServerProcess

BIG = 50 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _big_post(port: int, head: bytes, results: list[str]) -> None:
    """Send a 50 MB body behind ``head``; record the status line (or how it ended)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(head + b"Content-Length: %d\r\n\r\n" % BIG)
            try:
                for _ in range(BIG // len(CHUNK)):
                    s.sendall(CHUNK)
            except OSError:
                pass  # the server answered and closed: exactly what it should do
            try:
                data = s.recv(4096)
            except OSError as exc:
                results.append(type(exc).__name__)
                return
            results.append(data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed")
    except OSError as exc:
        results.append(type(exc).__name__)


def test_big_refused_bodies_are_not_buffered(tmp_path, upstream):
    config = gateway_config(upstream.url)
    config["providers"]["up"]["api_key"] = ""
    server = ServerProcess(tmp_path / "home", config).wait_ready()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            # Warm up the code paths the refused requests take.
            client.post("/v1/messages", content=b"{}", headers={"x-api-key": "wrong"})
        before = server.status("VmHWM")
        heads = []
        for i in range(25):
            if i % 5 == 3:   # an unknown path
                heads.append(b"POST /v1/nothing-here HTTP/1.1\r\nHost: x\r\n")
            elif i % 5 == 4:  # a wrong method on a known path
                heads.append(b"PUT /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: %s\r\n" % ACCESS_KEY.encode())
            else:            # a wrong key, or none
                heads.append(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n"
                             + (b"x-api-key: wrong\r\n" if i % 2 else b""))
        results: list[str] = []
        threads = [threading.Thread(target=_big_post, args=(server.port, h, results)) for h in heads]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - started
        grown_mb = (server.status("VmHWM") - before) / 1024
        # Before the fix: each body was read first (25 x 50 MB: +1.2 GB).
        assert grown_mb < 60, f"peak RSS grew by {grown_mb:.0f} MB"
        assert len(results) == 25
        statuses = [r for r in results if r.startswith("HTTP/")]
        assert all(r.split()[1] in ("401", "404", "405") for r in statuses), results
        assert elapsed < 30

        # A normal authenticated keep-alive client still works, twice on one connection.
        body = {"model": "up/m1", "messages": [{"role": "user", "content": "hello there"}]}
        with httpx.Client(base_url=server.url, timeout=10,
                          headers={"x-api-key": server.key}) as client:
            for _ in range(2):
                r = client.post("/v1/messages/count_tokens", json=body)
                assert r.status_code == 200 and r.json()["input_tokens"] > 0
    finally:
        server.stop()


def test_refusal_closes_a_connection_whose_body_is_large_and_keeps_a_small_one(make_server, upstream):
    server = make_server(gateway_config(upstream.url))
    with httpx.Client(base_url=server.url, timeout=10) as client:
        # Small body: read and dropped; the connection stays usable.
        r = client.post("/v1/messages", content=b'{"model": "x"}', headers={"x-api-key": "wrong"})
        assert r.status_code == 401 and r.headers.get("connection") != "close"
        assert r.json()["error"]["type"] == "authentication_error"
        # Large body: refused unread, the connection is closed after the answer.
        r = client.post("/v1/messages", content=b"x" * (2 * 1024 * 1024), headers={"x-api-key": "wrong"})
        assert r.status_code == 401 and r.headers["connection"] == "close"
        r = client.post("/nowhere", content=b"x" * (2 * 1024 * 1024))
        assert r.status_code == 404 and r.headers["connection"] == "close"
        assert r.json() == {"type": "error", "error": {
            "type": "not_found_error",
            "message": NOT_FOUND}}
        r = client.get("/v1/messages")
        assert r.status_code == 405 and r.json()["error"]["type"] == "invalid_request_error"
        assert r.headers.get("connection") != "close"  # no body: the connection stays
        r = client.get("/nowhere")
        assert r.status_code == 404 and r.headers.get("connection") != "close"
        assert client.get("/health").status_code == 200


def _slow_body(port: int, key: str) -> tuple[float, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + key.encode()
                  + b"\r\ncontent-type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":")
        started = time.monotonic()
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            part = s.recv(65536)
            if not part:
                break
            data += part
        return time.monotonic() - started, data


def test_a_slow_body_gets_one_408_after_one_timeout(make_server, upstream):
    server = make_server(gateway_config(upstream.url), body_timeout=2.0)
    elapsed, data = _slow_body(server.port, ACCESS_KEY)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in head.lower()
    assert orjson.loads(body)["type"] == "error"
    # Before the fix the error handler waited for the body a second time (2x).
    assert 1.8 <= elapsed < 3.5, elapsed
