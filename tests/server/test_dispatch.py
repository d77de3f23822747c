"""Fallback and retries against real fake upstreams, with an injected sleep."""
from __future__ import annotations

import json

import pytest

from server.dispatch import Dispatcher
from tests.support.dispatch import BODY, Clock, completion, post
from tests.support.fake_upstream import FakeUpstream, json_script, sse_script


@pytest.fixture
def pair(make_server):
    a, b = FakeUpstream(), FakeUpstream()
    config = {
        "providers": {
            "first": {"type": "openai", "base_url": a.url + "/v1", "api_key": ""},
            "second": {"type": "openai", "base_url": b.url + "/v1", "api_key": ""},
        },
        "routes": {"r": {"default": "first/m1", "fallback": ["second/m2"]}},
    }
    srv = make_server(config)
    clock = Clock()
    srv.gateway.dispatcher = Dispatcher(sleep=clock.sleep, clock=clock)
    yield srv, a, b, clock
    a.close()
    b.close()


def test_5xx_retries_then_falls_back(pair):
    srv, a, b, clock = pair
    a.queue(*[json_script({"error": {"message": "down"}}, status=503)] * 3)
    b.queue(json_script(completion("from second")))
    r = post(srv)
    assert r.status_code == 200 and r.json()["content"][0]["text"] == "from second"
    assert r.headers["x-switchboard-target"] == "second/m2"
    assert len(a.requests) == 3 and len(b.requests) == 1
    assert b.requests[0].json["model"] == "m2"
    assert clock.sleeps == [0.5, 1.0]
    assert [str(t) for t, _ in srv.gateway.dispatcher.attempts] == ["first/m1"] * 3 + ["second/m2"]


def test_retry_after_is_honoured_within_the_30s_budget(pair):
    srv, a, b, clock = pair
    a.queue(*[json_script({"error": {"message": "slow down"}}, status=429, headers={"retry-after": "20"})] * 2)
    b.queue(json_script(completion("ok")))
    r = post(srv)
    assert r.status_code == 200
    # 20 s once; a second 20 s wait would pass 30 s in all, so move on.
    assert clock.sleeps == [20.0]
    assert len(a.requests) == 2 and len(b.requests) == 1


def test_4xx_is_the_requests_fault_no_fallback(pair):
    srv, a, b, clock = pair
    a.queue(json_script({"error": {"message": "bad tool schema"}}, status=400))
    r = post(srv)
    assert r.status_code == 400 and "bad tool schema" in r.json()["error"]["message"]
    assert len(a.requests) == 1 and not b.requests and not clock.sleeps


def test_all_targets_failing_returns_the_last_error(pair):
    srv, a, b, clock = pair
    a.queue(*[json_script({"error": {"message": "a down"}}, status=500)] * 3)
    b.queue(*[json_script({"error": {"message": "b down"}}, status=502)] * 3)
    r = post(srv)
    assert r.status_code == 502 and r.json()["error"]["message"] == "second: b down"
    assert len(a.requests) == 3 and len(b.requests) == 3


def test_nothing_is_retried_after_bytes_reached_the_client(pair):
    srv, a, b, clock = pair
    frame = lambda d, f=None: b"data: " + json.dumps({"id": "c", "choices": [
        {"index": 0, "delta": d, "finish_reason": f}]}).encode() + b"\n\n"
    a.queue(sse_script([frame({"role": "assistant", "content": "par"}), frame({"content": "tial"})],
                       drop_after_parts=2))
    r = post(srv, {**BODY, "stream": True})
    assert r.status_code == 200
    assert r.text.rstrip().split("\n")[-2] == "event: error"
    assert len(a.requests) == 1 and not b.requests and not clock.sleeps


def test_breaker_skips_a_failing_target_then_recovers(pair):
    srv, a, b, clock = pair
    a.queue(*[json_script({"error": {"message": "down"}}, status=503)] * 3)
    b.queue(json_script(completion("1")), json_script(completion("2")))
    assert post(srv).status_code == 200
    assert post(srv).json()["content"][0]["text"] == "2"
    assert len(a.requests) == 3  # the second request skipped the open breaker
    assert srv.gateway.dispatcher.open_targets()
    clock.now += 61  # the cool-down passes
    a.queue(json_script(completion("back")))
    assert post(srv).json()["content"][0]["text"] == "back"
    assert not srv.gateway.dispatcher.open_targets()
