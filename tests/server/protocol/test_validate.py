"""Malformed requests: each gets a clear 4xx in Anthropic's shape, never a 5xx.

The table goes through the running server (real HTTP, real app), so it also
proves the error handler renders every case the same way.
"""
from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import gateway_config
from tests.support.fake_upstream import json_script
from tests.support.live_server import ACCESS_KEY

OK_COMPLETION = {
    "id": "c", "object": "chat.completion", "created": 1, "model": "m1",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
USER = {"role": "user", "content": "hi"}
PNG = "iVBORw0KGgo="


def req(**fields):
    body = {"model": "claude-sonnet-5", "max_tokens": 10, "messages": [USER]}
    for key, value in fields.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


DROP = object()

# (case id, body (dict or raw bytes), status, error type, text the message must contain)
CASES = [
    ("empty body", b"", 400, "invalid_request_error", "empty"),
    ("not json", b"{model: x", 400, "invalid_request_error", "not valid JSON"),
    ("truncated json", b'{"model": "x", "messages": [', 400, "invalid_request_error", "not valid JSON"),
    ("json array", b"[1, 2]", 400, "invalid_request_error", "JSON object"),
    ("json string", b'"hello"', 400, "invalid_request_error", "JSON object"),
    ("json null", b"null", 400, "invalid_request_error", "JSON object"),
    ("missing messages", req(messages=DROP), 400, "invalid_request_error", "messages is required"),
    ("null messages", req(messages=None), 400, "invalid_request_error", "messages is required"),
    ("messages not list", req(messages="hi"), 400, "invalid_request_error", "messages: must be a list"),
    ("messages empty", req(messages=[]), 400, "invalid_request_error", "at least one message"),
    ("message not object", req(messages=["hi"]), 400, "invalid_request_error", "messages.0"),
    ("missing role", req(messages=[{"content": "hi"}]), 400, "invalid_request_error", "messages.0.role: is required"),
    ("unknown role", req(messages=[{"role": "robot", "content": "hi"}]), 400, "invalid_request_error", "unknown role 'robot'"),
    ("role not string", req(messages=[{"role": 5, "content": "hi"}]), 400, "invalid_request_error", "messages.0.role"),
    ("missing content", req(messages=[{"role": "user"}]), 400, "invalid_request_error", "messages.0.content: is required"),
    ("content number", req(messages=[{"role": "user", "content": 5}]), 400, "invalid_request_error", "messages.0.content"),
    ("block not object", req(messages=[{"role": "user", "content": ["hi"]}]), 400, "invalid_request_error", "messages.0.content.0"),
    ("block without type", req(messages=[{"role": "user", "content": [{"text": "hi"}]}]), 400, "invalid_request_error", "messages.0.content.0.type"),
    ("text not string", req(messages=[{"role": "user", "content": [{"type": "text", "text": 1}]}]), 400, "invalid_request_error", "content.0.text"),
    ("image no source", req(messages=[{"role": "user", "content": [{"type": "image"}]}]), 400, "invalid_request_error", "content.0.source"),
    ("image bad media type", req(messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/tiff", "data": PNG}}]}]), 400, "invalid_request_error", "media_type"),
    ("image bad base64", req(messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "not base64!!"}}]}]), 400, "invalid_request_error", "not valid base64"),
    ("image empty data", req(messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ""}}]}]), 400, "invalid_request_error", "source.data"),
    ("image bad url", req(messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "file:///etc/passwd"}}]}]), 400, "invalid_request_error", "source.url"),
    ("image unknown source", req(messages=[{"role": "user", "content": [{"type": "image", "source": {"type": "ftp"}}]}]), 400, "invalid_request_error", "source.type"),
    ("tool_use no id", req(messages=[USER, {"role": "assistant", "content": [{"type": "tool_use", "name": "x", "input": {}}]}]), 400, "invalid_request_error", "content.0.id"),
    ("tool_use no name", req(messages=[USER, {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "input": {}}]}]), 400, "invalid_request_error", "content.0.name"),
    ("tool_use input list", req(messages=[USER, {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": [1]}]}]), 400, "invalid_request_error", "content.0.input"),
    ("tool_result no id", req(messages=[{"role": "user", "content": [{"type": "tool_result", "content": "x"}]}]), 400, "invalid_request_error", "tool_use_id"),
    ("tool_result bad content", req(messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": 7}]}]), 400, "invalid_request_error", "content.0.content"),
    ("tool_result is_error string", req(messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "is_error": "yes"}]}]), 400, "invalid_request_error", "is_error"),
    ("thinking not string", req(messages=[USER, {"role": "assistant", "content": [{"type": "thinking", "thinking": 1}]}]), 400, "invalid_request_error", "content.0.thinking"),
    ("missing model", req(model=DROP), 400, "invalid_request_error", "model is required"),
    ("model number", req(model=5), 400, "invalid_request_error", "model: must be a non-empty string"),
    ("model empty", req(model="  "), 400, "invalid_request_error", "model: must be a non-empty string"),
    ("missing max_tokens", req(max_tokens=DROP), 400, "invalid_request_error", "max_tokens is required"),
    ("max_tokens zero", req(max_tokens=0), 400, "invalid_request_error", "max_tokens: must be a whole number of at least 1"),
    ("max_tokens negative", req(max_tokens=-5), 400, "invalid_request_error", "max_tokens"),
    ("max_tokens float", req(max_tokens=10.5), 400, "invalid_request_error", "max_tokens"),
    ("max_tokens string", req(max_tokens="10"), 400, "invalid_request_error", "max_tokens"),
    ("max_tokens bool", req(max_tokens=True), 400, "invalid_request_error", "max_tokens"),
    ("stream string", req(stream="yes"), 400, "invalid_request_error", "stream: must be true or false"),
    ("system number", req(system=5), 400, "invalid_request_error", "system: must be a string or a list"),
    ("system block not text", req(system=[{"type": "image"}]), 400, "invalid_request_error", "system.0"),
    ("system text missing", req(system=[{"type": "text"}]), 400, "invalid_request_error", "system.0.text"),
    ("tools not list", req(tools={"name": "x"}), 400, "invalid_request_error", "tools: must be a list"),
    ("tool no name", req(tools=[{"input_schema": {"type": "object"}}]), 400, "invalid_request_error", "tools.0.name"),
    ("tool no schema", req(tools=[{"name": "x"}]), 400, "invalid_request_error", "tools.0.input_schema"),
    ("tool_choice string", req(tool_choice="auto"), 400, "invalid_request_error", "tool_choice: must be an object"),
    ("tool_choice bad type", req(tool_choice={"type": "sometimes"}), 400, "invalid_request_error", "tool_choice.type"),
    ("tool_choice tool no name", req(tool_choice={"type": "tool"}), 400, "invalid_request_error", "tool_choice.name"),
    ("thinking bad type", req(thinking={"type": "maybe"}), 400, "invalid_request_error", "thinking.type"),
    ("thinking small budget", req(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 10}), 400, "invalid_request_error", "budget_tokens"),
    ("thinking budget over max", req(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 4000}), 400, "invalid_request_error", "less than max_tokens"),
    ("temperature high", req(temperature=3), 400, "invalid_request_error", "temperature"),
    ("temperature string", req(temperature="hot"), 400, "invalid_request_error", "temperature"),
    ("top_p high", req(top_p=1.5), 400, "invalid_request_error", "top_p"),
    ("top_k negative", req(top_k=-1), 400, "invalid_request_error", "top_k"),
    ("stop_sequences string", req(stop_sequences="END"), 400, "invalid_request_error", "stop_sequences"),
    ("metadata list", req(metadata=[1]), 400, "invalid_request_error", "metadata: must be an object"),
    ("metadata user_id number", req(metadata={"user_id": 5}), 400, "invalid_request_error", "metadata.user_id"),
    ("unknown provider", req(model="nosuch/model-1"), 404, "not_found_error", "no provider named 'nosuch'"),
    ("unknown provider comma", req(model="nosuch,model-1"), 404, "not_found_error", "no provider named 'nosuch'"),
    ("thread create", req(thread={"type": "create"}), 400, "invalid_request_error", "thread"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.support.fake_upstream import FakeUpstream
    from tests.support.live_server import LiveServer

    fake = FakeUpstream()
    fake.default = json_script(OK_COMPLETION)
    srv = LiveServer(tmp_path_factory.mktemp("home"), gateway_config(fake.url)).start()
    yield srv
    srv.stop()
    fake.close()


def post(server, path, body):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(server.url + path, content=content, timeout=10,
                      headers={"x-api-key": ACCESS_KEY, "content-type": "application/json"})


def test_the_table_is_large_enough():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name,body,status,etype,text", CASES, ids=[c[0] for c in CASES])
def test_malformed_request(server, name, body, status, etype, text):
    r = post(server, "/v1/messages", body)
    assert r.status_code == status, r.text
    data = r.json()
    assert data["type"] == "error" and set(data) <= {"type", "error"}
    assert data["error"]["type"] == etype
    assert text in data["error"]["message"]


@pytest.mark.parametrize("name,body,status,etype,text",
                         [c for c in CASES if "max_tokens" not in c[0] and "thinking" not in c[0]
                          and c[0] not in ("stream string",)],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_count_tokens_validates_the_same_way(server, name, body, status, etype, text):
    r = post(server, "/v1/messages/count_tokens", body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["type"] == etype


def test_oversize_body_is_413(server):
    big = b'{"model":"x","max_tokens":1,"messages":[{"role":"user","content":"' + b"a" * (65 * 1024 * 1024) + b'"}]}'
    r = post(server, "/v1/messages", big)
    assert r.status_code == 413
    assert r.json()["error"]["type"] == "request_too_large"


def test_unknown_path_and_method(server):
    r = httpx.get(server.url + "/v1/nothing", headers={"x-api-key": ACCESS_KEY})
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found_error"
    r = httpx.get(server.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY})
    assert r.status_code == 405 and r.json()["type"] == "error"


def test_unknown_betas_and_fields_are_accepted(server):
    r = httpx.post(server.url + "/v1/messages?beta=true", timeout=10,
                   headers={"x-api-key": ACCESS_KEY, "anthropic-version": "2026-10-21",
                            "anthropic-beta": "made-up-2099-01-01,another-beta"},
                   json=req(context_management={"edits": []}, safeguards={"x": 1},
                            output_config={"effort": "high"}, brand_new_field=True))
    assert r.status_code == 200, r.text
    assert r.json()["content"][0]["text"] == "ok"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
# Bodies that are often almost valid reach deeper into validation and conversion.
field_names = st.sampled_from(["model", "messages", "max_tokens", "system", "tools", "tool_choice",
                               "thinking", "stream", "metadata", "temperature", "stop_sequences"])
nearly_valid = st.fixed_dictionaries(
    {"model": st.just("claude-sonnet-5"), "max_tokens": st.just(10),
     "messages": st.lists(st.fixed_dictionaries(
         {"role": st.sampled_from(["user", "assistant", "system", "x"]),
          "content": st.one_of(st.text(max_size=10), st.lists(st.dictionaries(
              st.sampled_from(["type", "text", "source", "id", "name", "input", "tool_use_id", "content"]),
              json_values | st.sampled_from(["text", "image", "tool_use", "tool_result", "thinking"]),
              max_size=4), max_size=3))}), max_size=3)},
    optional={"stream": st.booleans(), "tools": json_values, "tool_choice": json_values,
              "thinking": json_values, "system": json_values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, st.dictionaries(field_names, json_values), nearly_valid))
def test_random_json_never_yields_a_5xx(server, body):
    for path in ("/v1/messages", "/v1/messages/count_tokens"):
        r = post(server, path, body)
        assert r.status_code < 500, (path, body, r.text)
        if r.status_code >= 400:
            assert r.json()["type"] == "error"


def test_keep_alive_survives_answers_that_ignore_the_body(server):
    # Hypercorn drops a connection whose request body was left unread; the
    # client's next request on it would fail (server/routes/common.py).
    big = json.dumps(req(messages=[{"role": "user", "content": "x" * 3_000_000}])).encode()
    with httpx.Client(timeout=10) as client:
        for _ in range(3):
            assert client.post(server.url + "/v1/messages", content=big,
                               headers={"x-api-key": "wrong"}).status_code == 401
            assert client.request("GET", server.url + "/v1/nothing", content=big,
                                  headers={"x-api-key": ACCESS_KEY}).status_code == 404
            assert client.post(server.url + "/v1/messages", json=req(),
                               headers={"x-api-key": ACCESS_KEY}).status_code == 200


# -- nesting (issue 14 §7) ----------------------------------------------------

def _deep(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"a": value}
    return value


def test_too_deep_names_the_field_and_passes_moderate_nesting():
    from server.protocol.validate import too_deep

    body = {"model": "m", "metadata": {"x": _deep(250)}, "tools": [{"name": "t", "input_schema": _deep(20)}]}
    error = too_deep(body)
    assert error is not None and error.status == 400
    assert error.message.startswith("metadata.x.a: is nested more than 200 levels deep")
    assert too_deep({"tools": [{"input_schema": _deep(150)}]}) is None


def test_nesting_errors_leaves_other_encoding_failures_alone():
    import orjson
    import pytest as _pytest

    from server.errors import InvalidRequest
    from server.protocol.validate import nesting_errors

    with _pytest.raises(InvalidRequest):
        with nesting_errors({"tools": [{"input_schema": _deep(300)}]}):
            orjson.dumps({"tools": [{"input_schema": _deep(300)}]})
    with _pytest.raises(orjson.JSONEncodeError):  # not a depth problem: not a 400
        with nesting_errors({"model": "m"}):
            orjson.dumps({1: object()})
