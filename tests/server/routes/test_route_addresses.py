"""Route addresses (issue 16 §1): ``http://127.0.0.1:PORT/r/<route>`` is a
base URL whose ``/v1/messages``, ``/v1/messages/count_tokens`` and
``/v1/models`` use that route whatever the active route is. Through the
official SDK, real HTTP, both provider types, streaming and not."""
from __future__ import annotations

import asyncio
import json

import anthropic
import httpx
import pytest

from server.shared.members import MemberIndex

from server.routes.guard import EarlyRefusal
from tests.conftest import UPSTREAM_FIXTURES
from tests.support.fake_upstream import FakeUpstream, json_script, sse_file_script
from tests.support.live_server import ACCESS_KEY

OPENAI = UPSTREAM_FIXTURES / "openai"
ANTHROPIC = UPSTREAM_FIXTURES / "anthropic"
CHAT_COMPLETION = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "From the OpenAI one."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}


@pytest.fixture
def up_anthropic():
    fake = FakeUpstream()
    yield fake
    fake.close()


@pytest.fixture
def two_routes(upstream, up_anthropic, make_server):
    """Route ``oa`` (active) answers from an OpenAI-compatible upstream,
    route ``an`` from an Anthropic-compatible one."""
    return make_server({
        "providers": {
            "oai": {"type": "openai", "base_url": upstream.url + "/v1", "api_key": "k-openai-0123", "models": ["m1"]},
            "ant": {"type": "anthropic", "base_url": up_anthropic.url, "api_key": "k-anthropic-0123",
                    "models": ["a1"]},
        },
        "routes": {"oa": {"name": "OpenAI one", "default": "oai/m1"},
                   "an": {"name": "Anthropic one", "default": "ant/a1"}},
        "active_route": "oa",
    })


def sdk(base_url: str, key: str = ACCESS_KEY) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0)


HELLO = [{"role": "user", "content": "hi"}]


def test_route_address_non_streaming_both_types(two_routes, upstream, up_anthropic):
    up_anthropic.queue(json_script(json.loads((ANTHROPIC / "message-text.json").read_text())))
    msg = sdk(two_routes.url + "/r/an").messages.create(model="claude-sonnet-5", max_tokens=50, messages=HELLO)
    assert msg.content[0].text.startswith("Hello! I'm doing well")
    assert up_anthropic.requests[-1].json["model"] == "a1"
    assert upstream.requests == []  # the active route's provider was not asked

    upstream.queue(json_script(CHAT_COMPLETION))
    msg = sdk(two_routes.url + "/r/oa").messages.create(model="claude-sonnet-5", max_tokens=50, messages=HELLO)
    assert msg.content[0].text == "From the OpenAI one."
    assert upstream.requests[-1].json["model"] == "m1"
    assert len(up_anthropic.requests) == 1


def test_route_address_streaming_both_types_whatever_the_active_route(two_routes, upstream, up_anthropic):
    up_anthropic.queue(sse_file_script(ANTHROPIC / "stream-thinking-signature-text.sse", split=300))
    with sdk(two_routes.url + "/r/an").messages.stream(model="claude-opus-4-8", max_tokens=2048,
                                                       messages=HELLO) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert len(up_anthropic.requests) == 1 and upstream.requests == []

    # The active route changes to "an": the /r/oa address still goes to "oa".
    two_routes.gateway.switch_route("an")
    upstream.queue(sse_file_script(OPENAI / "stream-text-usage-chunk.sse", split=37))
    with sdk(two_routes.url + "/r/oa").messages.stream(model="claude-opus-4-8", max_tokens=200,
                                                       messages=HELLO) as stream:
        text = "".join(stream.text_stream)
    assert text
    assert upstream.requests[-1].json["stream"] is True
    assert len(up_anthropic.requests) == 1
    # ... and the plain address follows the active route as before.
    up_anthropic.queue(json_script(json.loads((ANTHROPIC / "message-text.json").read_text())))
    sdk(two_routes.url).messages.create(model="claude-sonnet-5", max_tokens=50, messages=HELLO)
    assert len(up_anthropic.requests) == 2


def test_route_address_response_names_the_target_and_activity_the_route(two_routes, up_anthropic):
    up_anthropic.queue(json_script(json.loads((ANTHROPIC / "message-text.json").read_text())))
    r = httpx.post(two_routes.url + "/r/an/v1/messages", headers={"x-api-key": ACCESS_KEY},
                   json={"model": "claude-sonnet-5", "max_tokens": 5, "messages": HELLO})
    assert r.status_code == 200, r.text
    assert r.headers["x-switchboard-target"] == "ant/a1"
    assert two_routes.gateway.activity[-1].route == "an"


def test_explicit_provider_model_still_wins_over_the_route_address(two_routes, upstream, up_anthropic):
    upstream.queue(json_script(CHAT_COMPLETION))
    msg = sdk(two_routes.url + "/r/an").messages.create(model="oai/m1", max_tokens=50, messages=HELLO)
    assert msg.content[0].text == "From the OpenAI one."
    assert up_anthropic.requests == []


def test_count_tokens_and_models_under_a_route_address(two_routes):
    client = sdk(two_routes.url + "/r/an")
    counted = client.messages.count_tokens(model="claude-sonnet-5", messages=HELLO)
    assert 0 < counted.input_tokens < 20
    ids = [m.id for m in client.models.list()]
    assert "claude-route-an" in ids and "claude-route-oa" in ids
    assert client.models.retrieve("claude-route-an").display_name.startswith("Anthropic one")


@pytest.mark.parametrize("path", ["/r/nope/v1/messages", "/r/nope/v1/messages/count_tokens"])
def test_unknown_route_is_a_404_naming_it_and_listing_the_routes(two_routes, upstream, up_anthropic, path):
    r = httpx.post(two_routes.url + path, headers={"x-api-key": ACCESS_KEY},
                   json={"model": "claude-sonnet-5", "max_tokens": 5, "messages": HELLO})
    assert r.status_code == 404
    body = r.json()
    assert body["type"] == "error" and body["error"]["type"] == "not_found_error"
    message = body["error"]["message"]
    assert "'nope'" in message and "an, oa" in message
    assert upstream.requests == [] and up_anthropic.requests == []


def test_unknown_route_through_the_sdk_and_models(two_routes):
    with pytest.raises(anthropic.NotFoundError) as info:
        sdk(two_routes.url + "/r/nope").messages.create(model="claude-sonnet-5", max_tokens=5, messages=HELLO)
    assert "'nope'" in info.value.body["error"]["message"]
    r = httpx.get(two_routes.url + "/r/nope/v1/models", headers={"x-api-key": ACCESS_KEY})
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"


@pytest.mark.parametrize("path", ["/r/an/v1/messages", "/r/an/v1/messages/count_tokens", "/r/an/v1/models",
                                  "/r/nope/v1/messages"])
def test_route_address_needs_the_access_key(two_routes, up_anthropic, path):
    method = "GET" if path.endswith("models") else "POST"
    r = httpx.request(method, two_routes.url + path, headers={"x-api-key": "wrong"},
                      json=None if method == "GET" else {"model": "claude-sonnet-5", "max_tokens": 5,
                                                         "messages": HELLO})
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "authentication_error"
    with pytest.raises(anthropic.AuthenticationError):
        sdk(two_routes.url + "/r/an", key="wrong").messages.create(model="claude-sonnet-5", max_tokens=5,
                                                                   messages=HELLO)
    assert up_anthropic.requests == []


class _Gateway:
    members = MemberIndex(lambda: None)  # a desktop gateway: no member keys

    def access_key(self) -> str:
        return ACCESS_KEY


class _App:
    config = {"GATEWAY": _Gateway()}


@pytest.mark.parametrize("path", ["/r/an/v1/messages", "/r/an/v1/messages/count_tokens"])
def test_the_guard_refuses_a_wrong_key_on_a_route_address_before_reading_the_body(path):
    """The early check of issue 14 §4 covers route addresses: the inner app
    never runs and the 50 MB body is never received."""
    sent: list[dict] = []

    async def inner(scope, receive, send):  # pragma: no cover - must not run
        raise AssertionError("the request reached the app")

    async def receive():  # pragma: no cover - must not run
        raise AssertionError("the body was read")

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST",
             "headers": [(b"x-api-key", b"wrong"), (b"content-length", b"52428800")]}
    asyncio.run(EarlyRefusal(_App(), inner)(scope, receive, send))
    assert sent[0]["status"] == 401
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["error"]["type"] == "authentication_error"
