"""A session stays where it landed (issue 21 §4): unit tests with an injected
clock, and the rule through the running server with two real upstreams."""
from __future__ import annotations

import json

import httpx
import pytest

from server.providers.base import Target
from server.session_pins import SessionPins, session_of
from tests.support.fake_upstream import FakeUpstream, json_script
from tests.support.live_server import ACCESS_KEY

A, B = Target("a", "m"), Target("b", "m")
ONE = {"messages": [{"role": "user", "content": "hi"}]}
MORE = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
                     {"role": "user", "content": "go on"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_session_id_from_header_or_metadata():
    assert session_of("abc-123", {}) == "abc-123"
    user_id = json.dumps({"device_id": "d", "account_uuid": "", "session_id": "5e1f-77"})
    assert session_of(None, {"metadata": {"user_id": user_id}}) == "5e1f-77"
    assert session_of("bad\nid", {}) is None  # never a forged log line
    assert session_of(None, {"metadata": {"user_id": "session_id but not json"}}) is None
    assert session_of(None, {}) is None


def test_a_fallback_pins_until_it_expires():
    clock = Clock()
    pins = SessionPins(clock)
    pins.answered("s1", "r", A, B, 600, "a/m failed (529 overloaded_error)")
    assert pins.order("s1", "r", (A, B), MORE, lambda t: False) == (B, A)
    assert pins.order("s2", "r", (A, B), MORE, lambda t: False) == (A, B)  # other sessions untouched
    assert pins.order(None, "r", (A, B), MORE, lambda t: False) == (A, B)
    clock.now += 599
    pins.answered("s1", "r", A, B, 600, "again")  # the time runs from the first answer
    assert pins.order("s1", "r", (A, B), MORE, lambda t: False) == (B, A)
    clock.now += 2
    assert pins.order("s1", "r", (A, B), MORE, lambda t: False) == (A, B)
    assert pins.pinned() == []


def test_a_new_conversation_goes_back_once_the_primary_breaker_closed():
    pins = SessionPins(Clock())
    pins.answered("s1", "r", A, B, 600, "why")
    assert pins.order("s1", "r", (A, B), ONE, lambda t: True) == (B, A)   # primary still open
    assert pins.order("s1", "r", (A, B), MORE, lambda t: False) == (B, A)  # same conversation
    assert pins.order("s1", "r", (A, B), ONE, lambda t: False) == (A, B)  # new one, primary healthy


def test_primary_answering_or_zero_minutes_or_another_route_unpins():
    pins = SessionPins(Clock())
    pins.answered("s1", "r", A, B, 600, "why")
    pins.answered("s1", "r", A, A, 600, "")
    assert pins.order("s1", "r", (A, B), MORE, lambda t: False) == (A, B)
    pins.answered("s1", "r", A, B, 0, "why")
    assert pins.pinned() == []
    pins.answered("s1", "r", A, B, 600, "why")
    assert pins.order("s1", "other", (A, B), MORE, lambda t: False) == (A, B)


def test_pins_are_bounded():
    pins = SessionPins(Clock(), max_sessions=3)
    for i in range(5):
        pins.answered(f"s{i}", "r", A, B, 600, "why")
    assert [s for s, _ in pins.pinned()] == ["s2", "s3", "s4"]


# -- through the server ------------------------------------------------------------------

COMPLETION = {"id": "c", "object": "chat.completion", "model": "m",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
OVERLOADED = json_script({"error": {"message": "overloaded"}}, status=529, headers={"retry-after": "0"})


@pytest.fixture
def two(make_server):
    primary, fallback = FakeUpstream(), FakeUpstream()
    server = make_server({
        "providers": {"a": {"type": "openai", "base_url": primary.url + "/v1", "api_key": ""},
                      "b": {"type": "openai", "base_url": fallback.url + "/v1", "api_key": ""}},
        "routes": {"main": {"default": "a/m", "fallback": "b/m", "sticky_minutes": 10}},
    })
    clock = Clock()
    server.gateway.pins = SessionPins(clock)
    primary.default = json_script(COMPLETION)
    fallback.default = json_script(COMPLETION)
    yield server, primary, fallback, clock
    primary.close()
    fallback.close()


def ask(server, session, messages=MORE["messages"]):
    r = httpx.post(server.url + "/v1/messages", timeout=30, headers={
        "x-api-key": ACCESS_KEY, "x-claude-code-session-id": session},
        json={"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": messages})
    assert r.status_code == 200, r.text
    return r.headers["x-switchboard-target"]


def test_a_session_stays_on_the_fallback_that_answered_it(two):
    server, primary, fallback, clock = two
    primary.queue(OVERLOADED, OVERLOADED, OVERLOADED)
    assert ask(server, "sess-1") == "b/m"
    n_primary = len(primary.requests)
    assert ask(server, "sess-1") == "b/m"  # pinned: the primary is not even asked
    assert len(primary.requests) == n_primary
    server.gateway.dispatcher.breakers.clear()  # the primary's breaker closes again
    assert ask(server, "sess-1") == "b/m"  # still pinned: same conversation, same provider
    assert ask(server, "sess-2") == "a/m"  # another session: the primary answers again
    clock.now += 601
    assert ask(server, "sess-1") == "a/m"  # after sticky_minutes, back to the primary
    assert server.gateway.pins.pinned() == []


def test_the_pin_says_why(two):
    server, primary, _, _ = two
    primary.queue(OVERLOADED, OVERLOADED, OVERLOADED)
    ask(server, "sess-9")
    (session, pin), = server.gateway.pins.pinned()
    assert session == "sess-9" and pin.target == Target("b", "m")
    assert str(pin.reason) == "a/m failed (529 overloaded_error); b/m answered"
