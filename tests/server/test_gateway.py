"""Run-time changes: switching routes applies to the next request and never
breaks a stream in flight; the config file is saved atomically."""
from __future__ import annotations

import json
import threading

import httpx

from tests.support.fake_upstream import FakeUpstream, json_script, sse_script
from tests.support.live_server import ACCESS_KEY


def frame(delta, finish=None):
    return b"data: " + json.dumps({"id": "c", "choices": [{"index": 0, "delta": delta,
                                                           "finish_reason": finish}]}).encode() + b"\n\n"


def test_switch_route_mid_stream(make_server):
    a, b = FakeUpstream(), FakeUpstream()
    try:
        srv = make_server({
            "providers": {"a": {"type": "openai", "base_url": a.url + "/v1"},
                          "b": {"type": "openai", "base_url": b.url + "/v1"}},
            "routes": {"one": {"default": "a/m"}, "two": {"default": "b/m"}},
            "active_route": "one",
        })
        a.queue(sse_script([frame({"content": "slow "})] * 10 + [frame({}, "stop")], delay_between_parts=0.1))
        b.queue(json_script({"id": "c", "choices": [{"index": 0, "message": {"role": "assistant", "content": "from b"},
                                                      "finish_reason": "stop"}]}))
        result = {}

        def stream():
            result["r"] = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY}, timeout=10,
                                     json={"model": "claude-sonnet-5", "max_tokens": 5, "stream": True,
                                           "messages": [{"role": "user", "content": "hi"}]})

        t = threading.Thread(target=stream)
        t.start()
        while not a.requests:
            pass
        srv.gateway.switch_route("two")
        r2 = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY}, timeout=10,
                        json={"model": "claude-sonnet-5", "max_tokens": 5,
                              "messages": [{"role": "user", "content": "hi"}]})
        t.join(10)
        assert r2.json()["content"][0]["text"] == "from b"
        text = result["r"].text
        assert text.count("slow ") == 10 and "event: message_stop" in text
        saved = json.loads(srv.settings.config_path.read_text())
        assert saved["active_route"] == "two"
    finally:
        a.close()
        b.close()
