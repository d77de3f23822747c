"""SIGTERM for rolling updates (issue 20 §6): stop accepting, let streams
finish up to the grace period, then close."""
from __future__ import annotations

import json
import signal
import threading
import time

import httpx

from tests.conftest import gateway_config
from tests.support.fake_upstream import sse_script
from tests.support.server_process import PROCESS_KEY, ServerProcess


def _frames(n: int) -> list[bytes]:
    chunk = lambda delta, finish=None: ("data: " + json.dumps({  # noqa: E731
        "id": "c", "object": "chat.completion.chunk", "model": "m1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n").encode()
    return ([chunk({"role": "assistant", "content": ""})] + [chunk({"content": f"w{i} "}) for i in range(n)]
            + [chunk({}, "stop"), b"data: [DONE]\n\n"])


def _stream(url: str, out: dict) -> None:
    try:
        with httpx.stream("POST", url + "/v1/messages", headers={"x-api-key": PROCESS_KEY}, timeout=60, json={
                "model": "claude-sonnet-5", "max_tokens": 50, "stream": True,
                "messages": [{"role": "user", "content": "hi"}]}) as r:
            out["status"] = r.status_code
            text = ""
            for piece in r.iter_text():
                text += piece
                out["started"] = True
            out["text"] = text
    except httpx.HTTPError as exc:
        out["error"] = type(exc).__name__


def _run(tmp_path, upstream, grace: str, parts: int, delay: float):
    upstream.queue(sse_script(_frames(parts), delay_between_parts=delay))
    config = gateway_config(upstream.url)
    config["providers"]["up"]["api_key"] = ""
    srv = ServerProcess(tmp_path / "home", config, env={"SWITCHBOARD_SHUTDOWN_GRACE": grace}).wait_ready()
    out: dict = {}
    t = threading.Thread(target=_stream, args=(srv.url, out))
    t.start()
    deadline = time.monotonic() + 10
    while not out.get("started") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert out.get("started"), out
    srv.proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    time.sleep(0.3)
    refused = False
    try:
        httpx.get(srv.url + "/health", timeout=1)
    except httpx.HTTPError:
        refused = True
    code = srv.proc.wait(30)
    exited = time.monotonic() - sent
    t.join(30)
    srv.stop()
    return out, refused, code, exited


def test_a_stream_in_flight_finishes_within_the_grace_period(tmp_path, upstream):
    out, refused, code, exited = _run(tmp_path, upstream, "15", parts=20, delay=0.25)  # 5 s > the old 3 s
    assert refused, "new connections were still accepted after SIGTERM"
    assert out.get("status") == 200 and "error" not in out, out
    assert "event: message_stop" in out["text"] and "w19" in out["text"]
    assert code == 0
    assert exited < 10


def test_a_stream_longer_than_the_grace_period_is_closed_at_its_end(tmp_path, upstream):
    out, refused, code, exited = _run(tmp_path, upstream, "1", parts=40, delay=0.2)
    assert exited < 2.6, exited  # 40 x 0.2 s would be 8 s; the old fixed timeout 3 s
    assert "event: message_stop" not in out.get("text", "")
