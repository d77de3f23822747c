"""Several keys per provider against real fake upstreams (issue 18 §1).

One fake upstream answers per Authorization header: 429 with retry-after
for one key, quota exhaustion for another, 401 for a third, success for a
fourth. The keys' clock and the dispatcher's sleep are injected.
"""
from __future__ import annotations

import json
import logging

import pytest

from server.dispatch import Dispatcher
from server.key_pool import KeyPools
from tests.support.dispatch import BODY, Clock, completion, post
from tests.support.fake_upstream import FakeUpstream, Script, json_script, sse_script

VALUES = {"RATE": "sk-rate-aaaaaaaaaaaaaaaaaaaaaaaa", "QUOTA": "sk-quota-bbbbbbbbbbbbbbbbbbbbbbbb",
          "BAD": "sk-bad-cccccccccccccccccccccccccc", "GOOD": "sk-good-dddddddddddddddddddddddd"}


def by_key(rec) -> Script:
    """Answer as a provider would for each key (the bearer value decides)."""
    token = rec.headers.get("authorization", "").removeprefix("Bearer ")
    if token == VALUES["RATE"]:
        return json_script({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
                           status=429, headers={"retry-after": "20"})
    if token == VALUES["QUOTA"]:
        return json_script({"error": {"message": "You exceeded your current quota, please check your plan",
                                      "type": "insufficient_quota", "code": "insufficient_quota"}}, status=429)
    if token == VALUES["BAD"]:
        return json_script({"error": {"message": f"Incorrect API key provided: {token}", "code": "invalid_api_key"}},
                           status=401)
    if token == VALUES["GOOD"]:
        if rec.json.get("stream"):
            return sse_script([b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
                               b'"delta":{"role":"assistant","content":"streamed"}}]}\n\n',
                               b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
                               b'"delta":{},"finish_reason":"stop"}]}\n\n', b"data: [DONE]\n\n"])
        return json_script(completion("from good key"))
    return json_script({"error": {"message": "who are you"}}, status=401)


def keyed(*names: str) -> list:
    return [{"ref": f"env:K_{n}", "name": n.lower()} for n in names]


@pytest.fixture
def setup(make_server):
    up, fallback = FakeUpstream(), FakeUpstream()
    up.default = Script(handler=by_key)
    fallback.default = json_script(completion("from fallback"))
    clock = Clock(1_800_000_000.0)

    def make(names, order="order"):
        config = {
            "providers": {
                "openai": {"type": "openai", "name": "OpenAI", "base_url": up.url + "/v1",
                           "api_keys": keyed(*names), "key_order": order},
                "second": {"type": "openai", "base_url": fallback.url + "/v1", "api_key": ""},
            },
            "routes": {"r": {"default": "openai/m1", "fallback": ["second/m2"]}},
        }
        srv = make_server(config, environ={f"K_{k}": v for k, v in VALUES.items()})
        srv.gateway.dispatcher = Dispatcher(sleep=clock.sleep, clock=clock)
        srv.gateway.keys = KeyPools(clock)
        return srv

    yield make, up, fallback, clock
    up.close()
    fallback.close()


def tokens(up) -> list[str]:
    names = {v: k for k, v in VALUES.items()}
    return [names.get(r.headers.get("authorization", "").removeprefix("Bearer "), "?") for r in up.requests]


def assert_no_key_values(*texts: str) -> None:
    for text in texts:
        for value in VALUES.values():
            assert value not in text
            assert value[-12:] not in text


def test_each_refused_key_rests_then_the_fallback_answers(setup, caplog):
    make, up, fallback, clock = setup
    srv = make(["RATE", "QUOTA", "BAD"])
    caplog.set_level(logging.DEBUG)
    r = post(srv)
    # The same request went to each key at once (no waiting), then to the fallback target.
    assert r.status_code == 200 and r.json()["content"][0]["text"] == "from fallback"
    assert tokens(up) == ["RATE", "QUOTA", "BAD"]
    assert len(fallback.requests) == 1 and clock.sleeps == []
    outcomes = [o for _, o in srv.gateway.dispatcher.attempts]
    assert outcomes[:3] == ["429 rate_limit_error (key 'rate' rate limited)",
                            "429 rate_limit_error (key 'quota' out of quota)",
                            "401 authentication_error (key 'bad' refused)"]
    # While every key rests the provider is not asked at all.
    r2 = post(srv)
    assert r2.json()["content"][0]["text"] == "from fallback" and len(up.requests) == 3
    # 20 s later the rate-limited key is back; quota and refused keys still rest.
    clock.now += 21
    r3 = post(srv)
    assert r3.json()["content"][0]["text"] == "from fallback"
    assert tokens(up) == ["RATE", "QUOTA", "BAD", "RATE"]
    state = {k["name"]: k["resting"] for k in srv.gateway.keys.existing("openai").state()}
    assert state == {"rate": "rate_limited", "quota": "out_of_quota", "bad": "refused"}
    activity = json.dumps([e.__dict__ for e in srv.gateway.activity])
    assert_no_key_values(r.text, r2.text, r3.text, activity, caplog.text,
                         json.dumps(srv.gateway.dispatcher.attempts, default=str))


def test_next_key_answers_and_the_tray_says_so(setup, caplog):
    make, up, fallback, clock = setup
    srv = make(["RATE", "GOOD"])
    caplog.set_level(logging.DEBUG)
    r = post(srv)
    assert r.status_code == 200 and r.json()["content"][0]["text"] == "from good key"
    assert tokens(up) == ["RATE", "GOOD"] and fallback.requests == []
    entry = srv.gateway.activity[-1]
    assert entry.key == "good" and entry.status == 200
    assert str(srv.gateway.key_status) == "OpenAI: key 'rate' rate limited, using 'good'"
    assert "key='good'" in caplog.text
    from tray.state import AppState, collect
    from tray.menu import status_lines
    state = collect(srv.gateway, AppState(phase="running"))
    assert status_lines(state) == ["OpenAI: key 'rate' rate limited, using 'good'"]
    # The settings page's activity list names the key.
    from server.settings_page import activity
    assert activity.entries(srv.gateway.activity, {})[0]["key"] == "good"
    # Streams: the good key answers; the rate-limited one is not asked while it rests.
    s = post(srv, {**BODY, "stream": True})
    assert s.status_code == 200 and "streamed" in s.text
    assert tokens(up) == ["RATE", "GOOD", "GOOD"]
    clock.now += 21
    post(srv)
    assert tokens(up)[-2:] == ["RATE", "GOOD"]
    assert_no_key_values(r.text, s.text, caplog.text, json.dumps([e.__dict__ for e in srv.gateway.activity]))


def test_round_robin_spreads_requests(setup):
    make, up, fallback, clock = setup
    srv = make(["GOOD", "RATE"], order="round_robin")
    post(srv)
    post(srv)
    post(srv)
    # good, then rate (refused at once -> good), then good again (rate rests)
    assert tokens(up) == ["GOOD", "RATE", "GOOD", "GOOD"]


def test_a_failing_stream_is_not_retried_with_another_key(setup):
    make, up, fallback, clock = setup
    srv = make(["GOOD", "BAD"])
    up.default = Script(handler=lambda rec: sse_script(
        [b'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,'
         b'"delta":{"role":"assistant","content":"half"}}]}\n\n'], drop_after_parts=1))
    r = post(srv, {**BODY, "stream": True})
    assert r.status_code == 200 and "event: error" in r.text
    assert len(up.requests) == 1 and fallback.requests == []


def test_other_errors_are_not_retried_with_another_key(setup):
    make, up, fallback, clock = setup
    srv = make(["GOOD", "BAD"])
    up.default = json_script({"error": {"message": "bad request: messages"}}, status=400)
    r = post(srv)
    assert r.status_code == 400 and len(up.requests) == 1 and fallback.requests == []


def test_all_keys_resting_without_fallback_says_which_and_what_to_do(make_server):
    up = FakeUpstream()
    up.default = Script(handler=by_key)
    srv = make_server({"providers": {"openai": {"type": "openai", "name": "OpenAI", "base_url": up.url + "/v1",
                                                "api_keys": keyed("QUOTA", "BAD")}},
                       "routes": {"r": {"default": "openai/m1"}}},
                      environ={f"K_{k}": v for k, v in VALUES.items()})
    try:
        r = post(srv)
        assert r.status_code == 429
        err = r.json()["error"]
        assert err["type"] == "rate_limit_error"
        assert "'quota' out of quota until tomorrow (UTC)" in err["message"]
        assert "'bad' refused by the provider" in err["message"]
        assert "settings" in err["message"]
        assert_no_key_values(r.text)
    finally:
        up.close()
