"""Gemini behind a running Switchboard, over real HTTP (issue 3).

A fake Gemini (tests/support/fake_upstream.py, a real HTTP server) replays
the recorded Gemini fixtures or, for the multi-turn conversation, plays
Gemini itself: it issues thought signatures and refuses (HTTP 400, Gemini's
error shape) any request that does not hand them back where Gemini requires
them. Clients are raw httpx (to see every SSE frame) and the official
``anthropic`` SDK.
"""
from __future__ import annotations

import copy
import json
from typing import Any

import anthropic
import httpx
import pytest

from server.protocol import signatures
from server.protocol.events import accumulate
from server.providers.gemini.convert_schema import tool_name
from server.sse import SSEParser
from tests.conftest import CLIENT_FIXTURES, UPSTREAM_FIXTURES, client_captures, gateway_config, needs_shared
from tests.support.fake_upstream import (Recorded, Script, chunks_file_script, json_script,
                                         sse_file_script, sse_script)
from tests.support.live_server import ACCESS_KEY

from gemini_fixture_io import NAME, check_stream, load_chunks, unsupported

GEMINI = UPSTREAM_FIXTURES / "gemini"
KEY = "upstream-secret-key-123"
CLIENT_MODEL = "claude-sonnet-5"


def gemini_config(upstream_url: str, model: str) -> dict[str, Any]:
    cfg = gateway_config(upstream_url, kind="gemini")
    cfg["providers"]["up"]["models"] = [model]
    cfg["routes"]["main"]["default"] = f"up/{model}"
    return cfg


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture
def serve(upstream, make_server):
    """A Switchboard whose default route is ``up/<model>`` on the fake Gemini.

    Retries of 429/5xx (server/dispatch.py) happen without the backoff wait.
    """
    def make(model: str = "gemini-3-pro-preview"):
        server = make_server(gemini_config(upstream.url, model))
        dispatcher = getattr(server.gateway, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.sleep = _no_wait
        return server
    return make


def sdk(server) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0)


def gemini_sig(raw: str) -> str:
    """What the client sees for a Gemini thoughtSignature."""
    return signatures.mint("gemini", raw)


UNSIGNED = signatures.mint("gemini")  # "swb1.gemini." - thinking Gemini did not sign


def sse_events(resp: httpx.Response) -> list[dict[str, Any]]:
    """Every frame Switchboard sent; each must name its JSON type (§A.1)."""
    parser = SSEParser()
    frames = parser.feed(resp.content) + parser.close()
    events = []
    for frame in frames:
        data = json.loads(frame.data)
        assert frame.event == data["type"], frame
        events.append(data)
    return [e for e in events if e["type"] != "ping"]


def stream_post(server, body: dict[str, Any]) -> httpx.Response:
    resp = server.post("/v1/messages", {**body, "stream": True})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/event-stream")
    return resp


def normalise(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with the random ids replaced by stable placeholders."""
    out = copy.deepcopy(events)
    tools = 0
    for ev in out:
        if ev["type"] == "message_start":
            assert ev["message"]["id"].startswith("msg_")
            ev["message"]["id"] = "msg_X"
        block = ev.get("content_block") or {}
        if block.get("type") == "tool_use":
            assert block["id"].startswith("toolu_")
            block["id"] = f"toolu_{tools}"
            tools += 1
    return out


def message_start(input_tokens: int = 0) -> dict[str, Any]:
    return {"type": "message_start", "message": {
        "id": "msg_X", "type": "message", "role": "assistant", "model": CLIENT_MODEL, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 0,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}


def start(i: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": i, "content_block": block}


def delta(i: int, **d: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": i, "delta": d}


def stop(i: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": i}


def end(reason: str, input_tokens: int, output_tokens: int) -> list[dict[str, Any]]:
    return [{"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": None},
             "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                       "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}},
            {"type": "message_stop"}]


def signed_empty_thinking(i: int, sig: str) -> list[dict[str, Any]]:
    return [start(i, {"type": "thinking", "thinking": "", "signature": ""}),
            delta(i, type="signature_delta", signature=gemini_sig(sig)), stop(i)]


def parts_of(name: str) -> list[dict[str, Any]]:
    return [p for c in load_chunks(name) for p in c["candidates"][0]["content"]["parts"]]


def expected_stream(name: str) -> list[dict[str, Any]]:
    """The exact Anthropic stream for each recorded Gemini fixture."""
    parts = parts_of(name)
    if name == "stream-text-empty-part-thought-signature.chunks.txt":
        # text, text, then {"text": "", thoughtSignature}: the signature rides
        # on an empty thinking block after the text (restored next turn).
        return [message_start(), start(0, {"type": "text", "text": ""}),
                delta(0, type="text_delta", text=parts[0]["text"]),
                delta(0, type="text_delta", text=parts[1]["text"]), stop(0),
                *signed_empty_thinking(1, parts[2]["thoughtSignature"]),
                *end("end_turn", 9, 23 + 185)]
    if name in ("stream-function-call-gemini3.chunks.txt", "stream-function-call-empty-args.sse"):
        call = parts[0]
        args = call["functionCall"]["args"]
        tool = [start(1, {"type": "tool_use", "id": "toolu_0", "name": call["functionCall"]["name"],
                          "input": {}})]
        if args:
            tool.append(delta(1, type="input_json_delta", partial_json=json.dumps(args, separators=(",", ":"))))
        usage = {"stream-function-call-gemini3.chunks.txt": (29, 15 + 804),
                 "stream-function-call-empty-args.sse": (29, 10 + 202)}[name]
        return [message_start(), *signed_empty_thinking(0, call["thoughtSignature"]),
                *tool, stop(1), *end("tool_use", *usage)]
    if name == "stream-thought-summaries-then-text.sse":
        thoughts = [p["text"] for p in parts if p.get("thought")]
        texts = [p for p in parts if not p.get("thought")]
        assert len(thoughts) == 4 and "thoughtSignature" in texts[0]
        return [message_start(), start(0, {"type": "thinking", "thinking": "", "signature": ""}),
                *[delta(0, type="thinking_delta", thinking=t) for t in thoughts],
                # Gemini did not sign the summaries; the signature belongs to the text.
                delta(0, type="signature_delta", signature=UNSIGNED), stop(0),
                *signed_empty_thinking(1, texts[0]["thoughtSignature"]),
                start(2, {"type": "text", "text": ""}),
                *[delta(2, type="text_delta", text=p["text"]) for p in texts], stop(2),
                *end("end_turn", 34, 469 + 787)]
    raise AssertionError(name)


def fixture_script(name: str, split: int) -> Script:
    if name.endswith(".sse"):
        return sse_file_script(GEMINI / name, split=split)
    return chunks_file_script(GEMINI / name, done=False)  # Gemini sends no [DONE]


STREAM_FIXTURES = ["stream-text-empty-part-thought-signature.chunks.txt",
                   "stream-function-call-gemini3.chunks.txt",
                   "stream-function-call-empty-args.sse",
                   "stream-thought-summaries-then-text.sse"]
TOOLS = [
    {"name": "get_country", "description": "The user's country", "input_schema": {"type": "object", "properties": {}}},
    {"name": "weather", "description": "Weather for a place",
     "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
]


# Streamed function-call arguments (Vertex AI); the translator's own tests are
# test_gemini_partial_args.py, these go through a real Switchboard over HTTP.
PARTIAL_ARGS_FIXTURES = {
    "stream-vertex-partial-args-two-calls.chunks.txt": [
        ("getWeather", {"location": "Boston"}), ("getWeather", {"location": "San Francisco"})],
    "stream-vertex-partial-args-no-terminal.chunks.txt": [
        ("writeItems", {"operations": [
            {"action": "add", "description": "Fresh red apple", "itemid": "apple_001", "price": 0.5},
            {"action": "add", "description": "Ripe yellow banana", "itemid": "banana_001", "price": 0.3}]})],
    "stream-vertex-partial-args-nested.chunks.txt": None,
    "stream-vertex-partial-args-interleaved-ids.chunks.txt": None,
    "stream-vertex-partial-args-orphan-piece.chunks.txt": "error",
    "stream-vertex-partial-args-cut-off.chunks.txt": "error",
}


def test_every_gemini_fixture_is_covered():
    files = {p.name for p in GEMINI.iterdir()}
    assert files == {*STREAM_FIXTURES, *PARTIAL_ARGS_FIXTURES,
                     "generate-content-parallel-calls-first-signed.json", "error-429-retry-info.json"}


@pytest.mark.parametrize("name", sorted(PARTIAL_ARGS_FIXTURES))
def test_streamed_call_arguments_over_http(serve, upstream, name):
    server = serve()
    upstream.queue(fixture_script(name, 0))
    events = sse_events(stream_post(server, {"model": CLIENT_MODEL, "max_tokens": 500, "tools": TOOLS,
                                             "messages": [{"role": "user", "content": "go"}]}))
    check_stream(events)
    tools = [e["content_block"] for e in events
             if e["type"] == "content_block_start" and e["content_block"]["type"] == "tool_use"]
    assert all(t["name"] for t in tools)
    want = PARTIAL_ARGS_FIXTURES[name]
    if want == "error":
        assert not tools and events[-1]["type"] == "error"
        assert events[-1]["error"]["type"] == "api_error"
        return
    assert events[-1] == {"type": "message_stop"}
    calls = [(b["name"], b["input"]) for b in accumulate(events)["content"] if b["type"] == "tool_use"]
    named = [p for p in parts_of(name) if p.get("functionCall", {}).get("name")]
    assert len(calls) == len(named)
    if want is not None:
        assert calls == want


def test_streamed_call_arguments_through_sdk(serve, upstream):
    server = serve()
    upstream.queue(fixture_script("stream-vertex-partial-args-two-calls.chunks.txt", 0))
    with sdk(server).messages.stream(model=CLIENT_MODEL, max_tokens=500, tools=TOOLS,
                                     messages=[{"role": "user", "content": "go"}]) as stream:
        final = stream.get_final_message()
    assert [(b.type, getattr(b, "name", None), getattr(b, "input", None)) for b in final.content] == [
        ("thinking", None, None),
        ("tool_use", "getWeather", {"location": "Boston"}),
        ("tool_use", "getWeather", {"location": "San Francisco"})]
    assert final.stop_reason == "tool_use"


# -- replaying the recorded fixtures ----------------------------------------------------
@pytest.mark.parametrize("split", [0, 17])
@pytest.mark.parametrize("name", STREAM_FIXTURES)
def test_stream_fixture_exact_sse(serve, upstream, name, split):
    server = serve()
    upstream.queue(fixture_script(name, split))
    resp = stream_post(server, {"model": CLIENT_MODEL, "max_tokens": 500, "tools": TOOLS,
                                "messages": [{"role": "user", "content": "go"}]})
    assert resp.headers["x-switchboard-target"] == "up/gemini-3-pro-preview"
    events = sse_events(resp)
    check_stream(events)
    assert normalise(events) == expected_stream(name)


@pytest.mark.parametrize("name", STREAM_FIXTURES)
def test_stream_fixture_through_sdk(serve, upstream, name):
    server = serve()
    upstream.queue(fixture_script(name, 64))
    with sdk(server).messages.stream(model=CLIENT_MODEL, max_tokens=500, tools=TOOLS,
                                     messages=[{"role": "user", "content": "go"}]) as stream:
        final = stream.get_final_message()
    expected = expected_stream(name)
    # What the SDK assembled equals what the exact stream describes.
    want = accumulate(copy.deepcopy(expected))["content"]
    got = [b.model_dump(exclude_none=True) for b in final.content]
    for b in got:
        if b["type"] == "tool_use":
            assert b["id"].startswith("toolu_")
            b["id"] = "toolu_0"
    assert got == want
    tail = expected[-2]
    assert final.stop_reason == tail["delta"]["stop_reason"]
    assert final.usage.input_tokens == tail["usage"]["input_tokens"]
    assert final.usage.output_tokens == tail["usage"]["output_tokens"]
    assert final.model == CLIENT_MODEL


def test_what_switchboard_sends_upstream(serve, upstream):
    server = serve()
    upstream.queue(fixture_script("stream-function-call-gemini3.chunks.txt", 0))
    stream_post(server, {
        "model": CLIENT_MODEL, "max_tokens": 1234, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
        "stop_sequences": ["END"], "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "tools": TOOLS, "tool_choice": {"type": "tool", "name": "weather"},
        "metadata": {"user_id": "u1"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Weather in SF?",
                                                   "cache_control": {"type": "ephemeral"}}]}]})
    sent = upstream.requests[-1]
    assert sent.method == "POST"
    assert sent.path == "/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse"
    assert sent.headers["x-goog-api-key"] == KEY
    assert "authorization" not in sent.headers
    assert KEY not in sent.path
    assert sent.headers["content-type"] == "application/json"
    assert sent.json == {
        "contents": [{"role": "user", "parts": [{"text": "Weather in SF?"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [{"functionDeclarations": [
            {"name": "get_country", "description": "The user's country"},
            {"name": "weather", "description": "Weather for a place",
             "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                            "required": ["location"]}}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["weather"]}},
        "generationConfig": {"maxOutputTokens": 1234, "temperature": 0.5, "topP": 0.9, "topK": 40,
                             "stopSequences": ["END"]},
    }


def test_non_stream_uses_generate_content(serve, upstream):
    server = serve("gemini-3-flash-preview")
    body = json.loads((GEMINI / "generate-content-parallel-calls-first-signed.json").read_text())
    upstream.queue(json_script(body, headers={"content-type": "application/json; charset=UTF-8"}))
    msg = sdk(server).messages.create(
        model=CLIENT_MODEL, max_tokens=4000, messages=[{"role": "user", "content": "three topics"}],
        tools=[{"name": "generate_topic", "input_schema": {"type": "object", "properties": {}}}],
        thinking={"type": "enabled", "budget_tokens": 2048})
    sent = upstream.requests[-1]
    assert sent.path == "/v1beta/models/gemini-3-flash-preview:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY and "authorization" not in sent.headers
    assert sent.json["generationConfig"] == {"maxOutputTokens": 4000,
                                             "thinkingConfig": {"thinkingLevel": "low", "includeThoughts": True}}
    assert sent.json["tools"] == [{"functionDeclarations": [{"name": "generate_topic"}]}]
    assert msg.id.startswith("msg_") and msg.model == CLIENT_MODEL
    content = [b.model_dump(exclude_none=True) for b in msg.content]
    sig = body["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    assert content[0] == {"type": "thinking", "thinking": "", "signature": gemini_sig(sig)}
    assert [(b["type"], b.get("name"), b.get("input")) for b in content[1:]] == [("tool_use", "generate_topic", {})] * 3
    assert len({b["id"] for b in content[1:]}) == 3
    assert msg.stop_reason == "tool_use"
    assert (msg.usage.input_tokens, msg.usage.output_tokens) == (83, 30 + 190)
    assert (msg.usage.cache_read_input_tokens, msg.usage.cache_creation_input_tokens) == (0, 0)


def test_429_retry_info_becomes_rate_limit_with_retry_after(serve, upstream):
    server = serve()
    body = json.loads((GEMINI / "error-429-retry-info.json").read_text())
    upstream.default = json_script(body, status=429)
    with pytest.raises(anthropic.RateLimitError) as info:
        with sdk(server).messages.stream(model=CLIENT_MODEL, max_tokens=10,
                                         messages=[{"role": "user", "content": "hi"}]) as stream:
            stream.get_final_message()
    err = info.value
    assert err.status_code == 429
    assert err.response.headers["retry-after"] == "35"  # 34.4s, rounded up
    assert err.body == {"type": "error", "error": {
        "type": "rate_limit_error",
        "message": "up: You exceeded your current quota, please check your plan. (RESOURCE_EXHAUSTED)"}}
    # Non-streaming: the same status, header and body.
    resp = server.post("/v1/messages", {"model": CLIENT_MODEL, "max_tokens": 10,
                                        "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 429 and resp.headers["retry-after"] == "35"
    assert resp.json() == err.body
    assert KEY not in resp.text


def test_count_tokens_is_local(serve, upstream):
    server = serve()
    client = sdk(server)
    small = client.messages.count_tokens(model=CLIENT_MODEL, messages=[{"role": "user", "content": "hi"}])
    big = client.messages.count_tokens(model=CLIENT_MODEL, tools=TOOLS, system="Be brief. " * 40,
                                       messages=[{"role": "user", "content": "hello " * 200}])
    assert 0 < small.input_tokens < big.input_tokens
    assert big.input_tokens > 200
    assert upstream.requests == []


# -- finish reasons that are errors ---------------------------------------------------
def gemini_chunk(parts: list[dict[str, Any]], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    cand.update(extra)
    return {"candidates": [cand], "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3,
                                                    "totalTokenCount": 10},
            "modelVersion": "gemini-2.5-flash"}


def gemini_sse(chunks: list[dict[str, Any]]) -> Script:
    return sse_script([b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks])


MALFORMED = [gemini_chunk([{"text": "Let me look"}]),
             gemini_chunk([], "MALFORMED_FUNCTION_CALL",
                          finishMessage="Malformed function call: print(default_api.weather(location=)")]


def test_malformed_function_call_stream_ends_with_error_event(serve, upstream):
    server = serve("gemini-2.5-flash")
    upstream.queue(gemini_sse(MALFORMED))
    events = normalise(sse_events(stream_post(server, {
        "model": CLIENT_MODEL, "max_tokens": 50, "tools": TOOLS,
        "messages": [{"role": "user", "content": "weather?"}]})))
    check_stream(events)
    assert events[:-1] == [message_start(), start(0, {"type": "text", "text": ""}),
                           delta(0, type="text_delta", text="Let me look"), stop(0)]
    err = events[-1]
    assert err["type"] == "error" and err["error"]["type"] == "api_error"
    assert "malformed function call" in err["error"]["message"]
    assert "MALFORMED_FUNCTION_CALL" in err["error"]["message"]
    assert "location=" in err["error"]["message"]  # Gemini's finishMessage is kept
    # The SDK surfaces it as an error, not as a finished message.
    upstream.queue(gemini_sse(MALFORMED))
    with pytest.raises(anthropic.APIStatusError) as info:
        with sdk(server).messages.stream(model=CLIENT_MODEL, max_tokens=50, tools=TOOLS,
                                         messages=[{"role": "user", "content": "weather?"}]) as stream:
            stream.get_final_message()
    assert info.value.body["error"]["type"] == "api_error"


def test_malformed_function_call_non_stream_is_500_api_error(serve, upstream):
    # A malformed call is a bad sample, not a bad request: 500 api_error, which
    # clients (Claude Code, the SDK) retry; a retry usually samples a valid call.
    server = serve("gemini-2.5-flash")
    body = gemini_chunk([], "MALFORMED_FUNCTION_CALL", finishMessage="Malformed function call: x(")
    upstream.default = json_script(body)
    with pytest.raises(anthropic.InternalServerError) as info:
        sdk(server).messages.create(model=CLIENT_MODEL, max_tokens=50, tools=TOOLS,
                                    messages=[{"role": "user", "content": "weather?"}])
    assert info.value.status_code == 500
    assert info.value.body["error"]["type"] == "api_error"
    assert "MALFORMED_FUNCTION_CALL" in info.value.body["error"]["message"]


def test_stream_without_finish_reason_is_an_error_not_end_turn(serve, upstream):
    server = serve("gemini-2.5-flash")
    upstream.queue(gemini_sse([gemini_chunk([{"text": "partial"}])]))
    events = sse_events(stream_post(server, {"model": CLIENT_MODEL, "max_tokens": 50,
                                             "messages": [{"role": "user", "content": "hi"}]}))
    check_stream(events)
    assert events[-1]["type"] == "error"
    assert not any(e["type"] == "message_delta" for e in events)


def test_error_chunk_inside_200_stream(serve, upstream):
    server = serve("gemini-2.5-flash")
    upstream.queue(gemini_sse([gemini_chunk([{"text": "so far"}]),
                               {"error": {"code": 503, "message": "The model is overloaded.",
                                          "status": "UNAVAILABLE"}}]))
    events = sse_events(stream_post(server, {"model": CLIENT_MODEL, "max_tokens": 50,
                                             "messages": [{"role": "user", "content": "hi"}]}))
    check_stream(events)
    assert events[-1] == {"type": "error", "error": {
        "type": "overloaded_error", "message": "up: The model is overloaded. (UNAVAILABLE)"}}


@pytest.mark.parametrize("status,etype,exc", [
    (400, "invalid_request_error", anthropic.BadRequestError),
    (403, "permission_error", anthropic.PermissionDeniedError),
    (404, "not_found_error", anthropic.NotFoundError),
    (500, "api_error", anthropic.InternalServerError),
    (503, "overloaded_error", anthropic.InternalServerError),
])
def test_upstream_error_status_before_first_byte(serve, upstream, status, etype, exc):
    server = serve()
    upstream.default = json_script([{"error": {"code": status, "message": f"boom {status}",
                                               "status": "SOME_STATUS"}}], status=status)
    with pytest.raises(exc) as info:
        with sdk(server).messages.stream(model=CLIENT_MODEL, max_tokens=10,
                                         messages=[{"role": "user", "content": "hi"}]) as stream:
            stream.get_final_message()
    assert info.value.status_code == status
    assert info.value.body["error"] == {"type": etype, "message": f"up: boom {status} (SOME_STATUS)"}
    if status < 500:
        assert len(upstream.requests) == 1  # the request's own fault: never retried


# -- a multi-turn tool conversation against a Gemini that checks signatures -------------
FORECAST = "weather forecast"          # not a valid Gemini name: sent sanitised
G_FORECAST = tool_name(FORECAST)
CONVO_TOOLS = [
    {"name": "get_weather", "description": "Current weather",
     "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    {"name": "get_time", "description": "Local time",
     "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"],
                      "additionalProperties": False, "$schema": "http://json-schema.org/draft-07/schema#"}},
    {"name": FORECAST, "description": "Forecast",
     "input_schema": {"type": "object", "properties": {"days": {"type": "integer", "minimum": 1}}}},
    {"name": "read_file", "description": "Read the notes file", "input_schema": {"type": "object", "properties": {}}},
]
# What the fake Gemini answers on each request, in order.
TURNS: list[list[dict[str, Any]]] = [
    [  # 1: a thought summary, two parallel calls; only the first is signed (Gemini 3)
        {"text": "The user wants the weather and the time; call both.", "thought": True},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "U0lHLTE="},
        {"functionCall": {"name": "get_time", "args": {"tz": "Europe/Paris"}}},
        {"text": ""},
    ],
    [  # 2: text, then a call to a tool whose name Gemini only knows sanitised
        {"text": "Now the forecast."},
        {"functionCall": {"name": G_FORECAST, "args": {"days": 2}}, "thoughtSignature": "U0lHLTI="},
    ],
    [  # 3: a signed thought, then a no-argument call with its own signature
        {"text": "Check the notes file too.", "thought": True, "thoughtSignature": "U0lHLTNh"},
        {"functionCall": {"name": "read_file", "args": {}}, "thoughtSignature": "U0lHLTNi"},
        {"text": ""},
    ],
    [  # 4: the answer, signed on its text part (non-stream style)
        {"text": "Paris: 18°C and sunny, 14:05. Rain tomorrow. Notes: bring an umbrella.",
         "thoughtSignature": "U0lHLTQ="},
    ],
    [  # 5: an answer whose signature arrives on a trailing empty text part (stream style)
        {"text": "You're welcome."},
        {"text": "", "thoughtSignature": "U0lHLTU="},
    ],
    [  # 6: nothing more to check after this one
        {"text": "Bye."},
    ],
]


def gemini_error(message: str) -> Script:
    return json_script({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}, status=400)


def returned_form(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parts Gemini needs back: everything it signed, every call and every
    text, exactly; unsigned thought summaries and unsigned empty text may go."""
    out = []
    for p in parts:
        if "thoughtSignature" in p or "functionCall" in p:
            out.append(p)
        elif not p.get("thought") and p.get("text"):
            out.append(p)
    return out


class SignatureCheckingGemini:
    """Plays Gemini for TURNS and answers 400 as Gemini does when a request
    does not carry back what earlier turns issued."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.issued: list[list[dict[str, Any]]] = []
        self.bodies: list[dict[str, Any]] = []

    def problems(self, rec: Recorded) -> list[str]:
        found = []
        if not rec.path.startswith(f"/v1beta/models/{self.model}:"):
            found.append(f"unexpected path {rec.path}")
        if rec.headers.get("x-goog-api-key") != KEY or "authorization" in rec.headers:
            found.append("API key must be supplied in x-goog-api-key only")
        body = rec.json
        declared = {d["name"] for t in body.get("tools", []) for d in t.get("functionDeclarations", [])}
        if declared != {"get_weather", "get_time", G_FORECAST, "read_file"}:
            found.append(f"declared functions {sorted(declared)}")
        contents = body["contents"]
        roles = [c["role"] for c in contents]
        if any(a == b for a, b in zip(roles, roles[1:])) or roles[0] != "user" or roles[-1] != "user":
            found.append(f"roles do not alternate user/model: {roles}")
        model_turns = [i for i, c in enumerate(contents) if c["role"] == "model"]
        if len(model_turns) != len(self.issued):
            return found + [f"{len(model_turns)} model turns, {len(self.issued)} were issued"]
        for turn, (i, issued) in enumerate(zip(model_turns, self.issued), start=1):
            got, want = contents[i]["parts"], returned_form(issued)
            calls = [p for p in issued if "functionCall" in p]
            got_calls = [p for p in got if "functionCall" in p]
            if calls and not (got_calls and "thoughtSignature" in got_calls[0]):
                found.append(f"Function call is missing a thought_signature in functionCall parts "
                             f"(turn {turn}, position {i})")
            if got != want:
                found.append(f"turn {turn}: model content differs from what was issued:\n"
                             f"  got  {json.dumps(got)}\n  want {json.dumps(want)}")
            if calls:
                answer = contents[i + 1]["parts"]
                responses = [p["functionResponse"] for p in answer if "functionResponse" in p]
                if [r["name"] for r in responses] != [c["functionCall"]["name"] for c in calls]:
                    found.append(f"turn {turn}: Please ensure that the number of function response parts "
                                 f"is equal to the number of function call parts of the function call turn "
                                 f"(names {[r['name'] for r in responses]})")
                if not all(isinstance(r.get("response"), dict) for r in responses):
                    found.append(f"turn {turn}: functionResponse.response must be an object")
        return found

    def __call__(self, rec: Recorded) -> Script:
        self.bodies.append(rec.json)
        problems = self.problems(rec)
        if problems:
            return gemini_error("\n".join(problems))
        parts = TURNS[len(self.issued)]
        self.issued.append(parts)
        usage = {"promptTokenCount": 100 * len(self.issued), "candidatesTokenCount": 10,
                 "thoughtsTokenCount": 5, "totalTokenCount": 100 * len(self.issued) + 15}
        if rec.path.endswith(":generateContent"):
            return json_script({"candidates": [{"content": {"role": "model", "parts": parts},
                                                "finishReason": "STOP", "index": 0}],
                                "usageMetadata": usage, "modelVersion": self.model})
        # One part per SSE chunk, the finish on the last, as Gemini streams.
        chunks = [{"candidates": [{"content": {"role": "model", "parts": [p]}, "index": 0}],
                   "usageMetadata": usage, "modelVersion": self.model} for p in parts]
        chunks[-1]["candidates"][0]["finishReason"] = "STOP"
        return gemini_sse(chunks)


def test_multi_turn_tool_conversation_keeps_signatures(serve, upstream):
    model = "gemini-3-pro-preview"
    server = serve(model)
    fake = SignatureCheckingGemini(model)
    upstream.queue(*[Script(handler=fake) for _ in TURNS])
    client = sdk(server)
    common = dict(model=CLIENT_MODEL, max_tokens=2000, tools=CONVO_TOOLS, system="You are a travel helper.",
                  thinking={"type": "enabled", "budget_tokens": 1024}, tool_choice={"type": "auto"})
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather and time in Paris?"}]
    results = {"get_weather": "18°C, sunny", "get_time": "14:05", FORECAST: "rain tomorrow",
               "read_file": "bring an umbrella"}

    def ask(stream: bool):
        if stream:
            with client.messages.stream(messages=messages, **common) as s:
                return s.get_final_message()
        return client.messages.create(messages=messages, **common)

    def answer_tools(msg, *, error_for: str = "") -> list[str]:
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]})
        calls = [b for b in msg.content if b.type == "tool_use"]
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": b.id, "content": results[b.name], **(
                {"is_error": True} if b.name == error_for else {})} for b in calls]})
        return [b.name for b in calls]

    first = ask(stream=True)
    assert [b.type for b in first.content] == ["thinking", "thinking", "tool_use", "tool_use"]
    assert first.content[0].thinking == TURNS[0][0]["text"] and first.content[0].signature == UNSIGNED
    assert first.content[1].signature == gemini_sig("U0lHLTE=")
    assert first.stop_reason == "tool_use"
    assert answer_tools(first, error_for="get_time") == ["get_weather", "get_time"]

    second = ask(stream=False)
    assert [b.type for b in second.content] == ["text", "thinking", "tool_use"]
    assert second.content[2].name == FORECAST and second.content[2].input == {"days": 2}
    assert answer_tools(second) == [FORECAST]

    third = ask(stream=True)
    assert [b.type for b in third.content] == ["thinking", "thinking", "tool_use"]
    assert third.content[0].signature == gemini_sig("U0lHLTNh")
    assert answer_tools(third) == ["read_file"]

    fourth = ask(stream=False)
    assert fourth.stop_reason == "end_turn"
    assert fourth.content[-1].text.startswith("Paris: 18°C")
    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in fourth.content]})
    messages.append({"role": "user", "content": "Thanks!"})

    fifth = ask(stream=True)
    assert [b.type for b in fifth.content] == ["text", "thinking"]
    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in fifth.content]})
    messages.append({"role": "user", "content": "Bye"})

    sixth = ask(stream=False)
    assert sixth.content[0].text == "Bye."
    assert len(fake.issued) == len(TURNS)

    # What Gemini saw on the last request, spelled out.
    last = fake.bodies[-1]
    assert last["systemInstruction"] == {"parts": [{"text": "You are a travel helper."}]}
    assert last["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert last["generationConfig"] == {"maxOutputTokens": 2000,
                                        "thinkingConfig": {"thinkingLevel": "low", "includeThoughts": True}}
    decl = {d["name"]: d for d in last["tools"][0]["functionDeclarations"]}
    assert decl["get_time"]["parameters"] == {"type": "object", "properties": {"tz": {"type": "string"}},
                                              "required": ["tz"]}
    assert "parameters" not in decl["read_file"]
    c = last["contents"]
    assert c[2]["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"output": "18°C, sunny"}}},
        {"functionResponse": {"name": "get_time", "response": {"error": "14:05"}}}]
    assert c[4]["parts"] == [{"functionResponse": {"name": G_FORECAST, "response": {"output": "rain tomorrow"}}}]
    assert c[-1] == {"role": "user", "parts": [{"text": "Bye"}]}


def test_signature_checking_fake_rejects_a_lost_signature(serve, upstream):
    """The checker is real: drop the signature and Gemini's 400 reaches the SDK."""
    model = "gemini-3-pro-preview"
    server = serve(model)
    fake = SignatureCheckingGemini(model)
    upstream.queue(Script(handler=fake), Script(handler=fake))
    client = sdk(server)
    kw = dict(model=CLIENT_MODEL, max_tokens=2000, tools=CONVO_TOOLS,
              thinking={"type": "enabled", "budget_tokens": 1024})
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather and time in Paris?"}]
    first = client.messages.create(messages=messages, **kw)
    # A client that strips thinking blocks (some proxies do) loses the signature.
    content = [b.model_dump(exclude_none=True) for b in first.content if b.type != "thinking"]
    messages += [{"role": "assistant", "content": content},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": b["id"], "content": "x"}
                                              for b in content if b["type"] == "tool_use"]}]
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(messages=messages, **kw)
    assert info.value.body["error"]["type"] == "invalid_request_error"
    assert "model content differs" in info.value.body["error"]["message"]


# -- more upstream answer shapes ---------------------------------------------------------
def test_stream_request_answered_with_json_still_streams(serve, upstream):
    """A proxy that ignores alt=sse answers one JSON body; the client still gets SSE."""
    server = serve("gemini-3-flash-preview")
    body = json.loads((GEMINI / "generate-content-parallel-calls-first-signed.json").read_text())
    upstream.queue(json_script(body))
    events = normalise(sse_events(stream_post(server, {
        "model": CLIENT_MODEL, "max_tokens": 300, "messages": [{"role": "user", "content": "three topics"}],
        "tools": [{"name": "generate_topic", "input_schema": {"type": "object", "properties": {}}}]})))
    check_stream(events)
    sig = body["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    calls = [x for i in (1, 2, 3) for x in (
        start(i, {"type": "tool_use", "id": f"toolu_{i - 1}", "name": "generate_topic", "input": {}}), stop(i))]
    assert events == [message_start(), *signed_empty_thinking(0, sig), *calls, *end("tool_use", 83, 220)]


def test_blocked_prompt_is_a_refusal(serve, upstream):
    server = serve("gemini-2.5-flash")
    upstream.queue(gemini_sse([{"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                                "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12}}]))
    events = normalise(sse_events(stream_post(server, {"model": CLIENT_MODEL, "max_tokens": 50,
                                                       "messages": [{"role": "user", "content": "..."}]})))
    assert events == [message_start(), *end("refusal", 12, 0)]


# -- every Claude Code capture, end to end, against a Gemini that checks the schema subset --
GENERATION_FIELDS = {"maxOutputTokens", "temperature", "topP", "topK", "stopSequences", "thinkingConfig",
                     "responseMimeType", "responseJsonSchema"}


def gemini_request_problems(body: dict[str, Any]) -> list[str]:
    """What generateContent would refuse in a request body (documented rules only)."""
    found = [f"unknown field {k}" for k in body
             if k not in {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"}]
    if "$ref" in json.dumps(body.get("tools", [])):
        found.append("$ref in tools")
    for tool in body.get("tools", []):
        for d in tool["functionDeclarations"]:
            if not NAME.match(d["name"]):
                found.append(f"invalid function name {d['name']!r}")
            if set(d) - {"name", "description", "parameters"}:
                found.append(f"{d['name']}: fields {sorted(d)}")
            if "parameters" in d:
                found += [f"{d['name']}: {p}" for p in unsupported(d["parameters"])]
                if not d["parameters"].get("properties"):
                    found.append(f"{d['name']}: properties: should be non-empty for OBJECT type")
    generation = body.get("generationConfig", {})
    found += [f"generationConfig.{k}" for k in generation if k not in GENERATION_FIELDS]
    if not 1 <= generation.get("maxOutputTokens", 1) < 65537:
        found.append(f"Unable to submit request because it has a maxOutputTokens value of "
                     f"{generation['maxOutputTokens']} but the supported range is from 1 (inclusive) "
                     f"to 65537 (exclusive). Update the value and try again.")
    contents = body["contents"]
    roles = [c["role"] for c in contents]
    if not roles or roles[0] != "user" or any(a == b for a, b in zip(roles, roles[1:])):
        found.append(f"roles {roles}")
    for i, c in enumerate(contents):
        if not c["parts"]:
            found.append(f"contents[{i}]: empty parts")
        calls = [p for p in c["parts"] if "functionCall" in p]
        if c["role"] == "model" and calls and "thoughtSignature" not in calls[0]:
            found.append(f"contents[{i}]: Function call is missing a thought_signature")
        if calls:
            nxt = contents[i + 1]["parts"] if i + 1 < len(contents) else []
            answered = [p["functionResponse"]["name"] for p in nxt if "functionResponse" in p]
            if answered != [p["functionCall"]["name"] for p in calls]:
                found.append(f"contents[{i + 1}]: function responses {answered} do not match the calls")
        for p in c["parts"]:
            if "functionResponse" in p and not isinstance(p["functionResponse"].get("response"), dict):
                found.append(f"contents[{i}]: functionResponse.response is not an object")
    return found


def strict_gemini(rec: Recorded) -> Script:
    problems = gemini_request_problems(rec.json)
    if problems:
        return gemini_error("Invalid JSON payload received.\n" + "\n".join(problems))
    chunk = gemini_chunk([{"text": "ok"}], "STOP")
    if rec.path.endswith(":generateContent"):
        return json_script(chunk)
    return gemini_sse([chunk])


@needs_shared
@pytest.mark.parametrize("path", [p for p in client_captures() if "count_tokens" not in p.name],
                         ids=lambda p: p.stem)
def test_claude_code_capture_is_accepted_by_strict_gemini(serve, upstream, path):
    server = serve("gemini-3-pro-preview")
    upstream.queue(Script(handler=strict_gemini))
    body = json.loads(path.read_text())
    resp = server.post("/v1/messages", body, headers={
        "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14"})
    assert resp.status_code == 200, resp.text
    sent = upstream.requests[-1].json
    assert gemini_request_problems(sent) == []
    declared = [d["name"] for t in sent.get("tools", []) for d in t["functionDeclarations"]]
    custom = [t for t in body.get("tools", []) if t.get("type") in (None, "custom") and not t.get("defer_loading")]
    assert len(declared) >= len(custom)
    if body.get("stream"):
        events = sse_events(resp)
        check_stream(events)
        assert events[-2]["delta"]["stop_reason"] == "end_turn"
    else:
        assert resp.json()["content"] == [{"type": "text", "text": "ok"}]


@needs_shared
def test_claude_code_count_tokens_capture_stays_local(serve, upstream):
    server = serve()
    body = json.loads((CLIENT_FIXTURES / "claude_code_count_tokens_tools.json").read_text())
    resp = server.post("/v1/messages/count_tokens", body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["input_tokens"] > 100
    assert upstream.requests == []
