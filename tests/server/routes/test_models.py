"""GET /v1/models through the official SDK: routes and provider models
listed in Anthropic's shape, paginated, and usable as a request's model
(issue 21 §2)."""
from __future__ import annotations

import anthropic
import httpx
import pytest

from tests.support.fake_upstream import json_script
from tests.support.live_server import ACCESS_KEY

COMPLETION = {"id": "c1", "object": "chat.completion", "model": "x",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi."},
                           "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}


def config(url: str) -> dict:
    return {
        "providers": {
            "deepseek": {"type": "openai", "base_url": url + "/v1", "api_key": "", "name": "DeepSeek",
                         "models": ["deepseek-chat", "deepseek-reasoner"]},
            "ollama": {"type": "openai", "base_url": url + "/v1", "api_key": "", "models": ["qwen3:8b"]},
        },
        "routes": {"everyday": {"name": "Everyday", "default": "deepseek/deepseek-chat"},
                   "local": {"name": "Local", "default": "ollama/qwen3:8b",
                             "haiku": "deepseek/deepseek-reasoner"}},
        "active_route": "everyday",
    }


@pytest.fixture
def server(upstream, make_server):
    return make_server(config(upstream.url))


@pytest.fixture
def client(server):
    return anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0)


EXPECTED = [
    ("claude-route-everyday", "Everyday (DeepSeek)"),
    ("claude-route-local", "Local (ollama)"),
    ("claude-model-deepseek-deepseek-chat", "deepseek-chat · DeepSeek"),
    ("claude-model-deepseek-deepseek-reasoner", "deepseek-reasoner · DeepSeek"),
    ("claude-model-ollama-qwen3:8b", "qwen3:8b · ollama"),
]


def test_list_models_in_anthropics_shape(client):
    page = client.models.list()
    assert [(m.id, m.display_name) for m in page.data] == EXPECTED
    assert all(m.type == "model" and m.created_at.year == 2026 for m in page.data)
    # Claude Code offers only ids starting with claude or anthropic.
    assert all(m.id.startswith("claude") for m in page.data)
    assert page.has_more is False and page.first_id == EXPECTED[0][0] and page.last_id == EXPECTED[-1][0]


def test_pagination_with_limit_after_and_before(client, server):
    seen = [m.id for m in client.models.list(limit=2)]  # the SDK follows has_more/last_id
    assert seen == [e[0] for e in EXPECTED]
    first = client.models.list(limit=2)
    assert [m.id for m in first.data] == [e[0] for e in EXPECTED[:2]] and first.has_more
    after = client.models.list(limit=2, after_id=EXPECTED[1][0])
    assert [m.id for m in after.data] == [e[0] for e in EXPECTED[2:4]]
    before = client.models.list(limit=2, before_id=EXPECTED[3][0])
    assert [m.id for m in before.data] == [e[0] for e in EXPECTED[1:3]] and before.has_more
    r = httpx.get(server.url + "/v1/models?limit=0", headers={"x-api-key": ACCESS_KEY})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    r = httpx.get(server.url + "/v1/models?after_id=nope", headers={"x-api-key": ACCESS_KEY})
    assert r.status_code == 400 and "after_id" in r.json()["error"]["message"]


def test_retrieve_one_model_and_unknown_is_404(client):
    model = client.models.retrieve("claude-route-local")
    assert model.display_name == "Local (ollama)"
    with pytest.raises(anthropic.NotFoundError) as err:
        client.models.retrieve("claude-route-nope")
    assert "GET /v1/models" in err.value.body["error"]["message"]


def test_models_need_the_access_key(server):
    r = httpx.get(server.url + "/v1/models", headers={"x-api-key": "wrong"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"


def test_a_listed_route_id_answers_from_that_route_not_the_active_one(client, upstream):
    upstream.queue(json_script(COMPLETION), json_script(COMPLETION))
    msg = client.messages.with_raw_response.create(
        model="claude-route-local", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert msg.headers["x-switchboard-target"] == "ollama/qwen3:8b"
    assert upstream.requests[-1].json["model"] == "qwen3:8b"
    msg = client.messages.with_raw_response.create(
        model="claude-model-deepseek-deepseek-reasoner", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert msg.headers["x-switchboard-target"] == "deepseek/deepseek-reasoner"


def test_count_tokens_accepts_listed_ids_and_refuses_unknown_ones(client):
    n = client.messages.count_tokens(model="claude-route-everyday", messages=[{"role": "user", "content": "hello"}])
    assert n.input_tokens > 0
    with pytest.raises(anthropic.NotFoundError):
        client.messages.count_tokens(model="claude-route-gone", messages=[{"role": "user", "content": "x"}])
