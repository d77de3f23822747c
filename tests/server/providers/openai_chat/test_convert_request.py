"""Anthropic request -> Chat Completions request (translation.md §F.23-30, §D.20)."""
from __future__ import annotations

import hashlib

import orjson
import pytest

from server.providers.openai_chat.convert_request import PROFILE_DEFAULTS, convert_request

from .fixture_io import CLIENT_CAPTURES

OPENAI_REASONING = {"max_tokens_field": "max_completion_tokens", "supports_temperature": False,
                    "thinking_param": "reasoning_effort", "max_output_tokens": 100000}


def base(**extra):
    return {"model": "claude-sonnet-5", "max_tokens": 1000,
            "messages": [{"role": "user", "content": "hi"}], **extra}


def test_minimal_request():
    assert convert_request(base(), model="gpt-4o", stream=False) == {
        "model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 1000, "stream": False}


def test_streaming_asks_for_usage():
    body = convert_request(base(), model="m", stream=True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_system_blocks_and_system_role_messages_fold_into_one_system_message_in_order():
    req = base(system=[{"type": "text", "text": "A"},
                       {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}}],
               messages=[{"role": "user", "content": "u1"},
                         {"role": "system", "content": "C"},
                         {"role": "assistant", "content": "a1"},
                         {"role": "system", "content": [{"type": "text", "text": "D"}]},
                         {"role": "user", "content": "u2"}])
    body = convert_request(req, model="m", stream=False)
    assert body["messages"] == [
        {"role": "system", "content": "A\n\nB\n\nC\n\nD"},
        {"role": "user", "content": "u1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "u2"},
    ]


def test_keep_cache_control_keeps_system_parts():
    req = base(system=[{"type": "text", "text": "A"},
                       {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}}])
    body = convert_request(req, model="m", stream=False, profile={"keep_cache_control": True})
    assert body["messages"][0] == {"role": "system", "content": [
        {"type": "text", "text": "A"}, {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}}]}


def test_sampling_fields_stop_and_clamp():
    req = base(max_tokens=64000, temperature=0.3, top_p=0.9, top_k=40,
               stop_sequences=["a", "b", "c", "d", "e"])
    body = convert_request(req, model="m", stream=False, profile={"max_output_tokens": 16384})
    assert body["max_tokens"] == 16384
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9
    assert "top_k" not in body
    assert body["stop"] == ["a", "b", "c", "d"]
    body = convert_request(req, model="m", stream=False, profile={"supports_top_k": True})
    assert body["top_k"] == 40 and body["max_tokens"] == 64000


def test_reasoning_model_profile_uses_max_completion_tokens_and_drops_temperature():
    body = convert_request(base(temperature=1, thinking={"type": "enabled", "budget_tokens": 5000}),
                           model="o3", stream=False, profile=OPENAI_REASONING)
    assert "max_tokens" not in body and body["max_completion_tokens"] == 1000
    assert "temperature" not in body
    assert body["reasoning_effort"] == "medium"


@pytest.mark.parametrize("thinking,output_config,expected", [
    ({"type": "enabled", "budget_tokens": 1024}, None, "low"),
    ({"type": "enabled", "budget_tokens": 1025}, None, "medium"),
    ({"type": "enabled", "budget_tokens": 8192}, None, "medium"),
    ({"type": "enabled", "budget_tokens": 31999}, None, "high"),
    ({"type": "adaptive"}, {"effort": "low"}, "low"),
    ({"type": "adaptive"}, {"effort": "max"}, "high"),
    ({"type": "adaptive"}, None, None),
    ({"type": "disabled"}, {"effort": "high"}, None),
])
def test_reasoning_effort_mapping(thinking, output_config, expected):
    req = base(thinking=thinking, **({"output_config": output_config} if output_config else {}))
    body = convert_request(req, model="m", stream=False, profile={"thinking_param": "reasoning_effort"})
    assert body.get("reasoning_effort") == expected


def test_deepseek_and_openrouter_thinking_params():
    ds = {"thinking_param": "deepseek"}
    assert convert_request(base(thinking={"type": "disabled"}), model="m", stream=False,
                           profile=ds)["thinking"] == {"type": "disabled"}
    body = convert_request(base(thinking={"type": "adaptive"}, output_config={"effort": "max"}),
                           model="m", stream=False, profile=ds)
    assert body["thinking"] == {"type": "enabled"} and body["reasoning_effort"] == "max"
    orr = {"thinking_param": "openrouter"}
    assert convert_request(base(thinking={"type": "enabled", "budget_tokens": 2000}), model="m", stream=False,
                           profile=orr)["reasoning"] == {"max_tokens": 2000}
    assert convert_request(base(thinking={"type": "adaptive"}, output_config={"effort": "medium"}), model="m",
                           stream=False, profile=orr)["reasoning"] == {"effort": "medium"}
    # no thinking_param: nothing thinking-related is sent
    body = convert_request(base(thinking={"type": "enabled", "budget_tokens": 2000}), model="m", stream=False)
    assert not {"reasoning", "reasoning_effort", "thinking"} & set(body)


def test_user_id_is_hashed_to_64_chars():
    uid = '{"device_id":"' + "a" * 64 + '","account_uuid":"","session_id":"5a5782e5"}'
    body = convert_request(base(metadata={"user_id": uid}), model="m", stream=False)
    assert body["user"] == hashlib.sha256(uid.encode()).hexdigest() and len(body["user"]) == 64
    assert "user" not in convert_request(base(metadata={"user_id": uid}), model="m", stream=False,
                                         profile={"user_field": False})


def test_unsupported_fields_are_dropped_not_forwarded():
    req = base(context_management={"edits": []}, safeguards={"x": 1}, thread={"type": "create"},
               betas=["x"], container="c", mcp_servers=[], service_tier="auto",
               output_config={"effort": "high"})
    body = convert_request(req, model="m", stream=False)
    assert set(body) == {"model", "messages", "max_tokens", "stream"}


def test_output_config_json_schema_becomes_response_format():
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    req = base(output_config={"effort": "high", "format": {"type": "json_schema", "schema": schema}})
    body = convert_request(req, model="m", stream=False)
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}
    body = convert_request(req, model="m", stream=False, profile={"response_format": "json_object"})
    assert body["response_format"] == {"type": "json_object"}
    assert "response_format" not in convert_request(req, model="m", stream=False, profile={"response_format": None})


def test_tools_and_tool_choice_are_merged():
    req = base(tools=[{"name": "f", "input_schema": {"type": "object", "properties": {}}}],
               tool_choice={"type": "any", "disable_parallel_tool_use": True})
    body = convert_request(req, model="m", stream=False)
    assert body["tool_choice"] == "required" and body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["name"] == "f"


def test_profile_defaults_document_every_key():
    assert set(PROFILE_DEFAULTS) >= {"reasoning_field", "send_reasoning_back", "reasoning_details",
                                     "max_tokens_field", "max_output_tokens", "supports_top_k",
                                     "supports_file_parts", "thinking_param", "keep_cache_control", "user_field"}


# -- the real Claude Code request bodies ------------------------------------------
CAPTURES = sorted(CLIENT_CAPTURES.glob("*.json")) if CLIENT_CAPTURES.is_dir() else []
PROFILES = [None, {"reasoning_field": "reasoning_content", "send_reasoning_back": True, "thinking_param": "deepseek"},
            {"reasoning_details": True, "reasoning_field": "reasoning", "thinking_param": "openrouter"},
            OPENAI_REASONING]


def _count_tool_results(request) -> int:
    return sum(1 for m in request["messages"] if isinstance(m["content"], list)
               for b in m["content"] if b.get("type") == "tool_result")


@pytest.mark.skipif(not CAPTURES, reason="client captures folder absent")
@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
@pytest.mark.parametrize("profile", PROFILES, ids=["plain", "deepseek", "openrouter", "openai-reasoning"])
@pytest.mark.parametrize("stream", [True, False])
def test_claude_code_captures(path, profile, stream):
    request = orjson.loads(path.read_bytes())
    body = convert_request(request, model="upstream-model", stream=stream, profile=profile)
    raw = orjson.dumps(body).decode()
    assert "cache_control" not in raw
    assert "defer_loading" not in raw
    for key in ("context_management", "output_config", "safeguards", "thinking_budget", "metadata"):
        assert key not in body
    messages = body["messages"]
    # system prompt (and any role:"system" messages) folded into one leading system message
    roles = [m["role"] for m in messages]
    assert "system" not in roles[1:]
    expected_system = [b["text"] for b in request.get("system") or []]
    for m in request["messages"]:
        if m["role"] == "system":
            expected_system += [m["content"]] if isinstance(m["content"], str) else [b["text"] for b in m["content"]]
    if expected_system:
        assert messages[0] == {"role": "system", "content": "\n\n".join(expected_system)}
    # every tool_result becomes a tool message placed right after the assistant's tool_calls
    tool_messages = [m for m in messages if m["role"] == "tool"]
    assert len(tool_messages) == _count_tool_results(request)
    for i, m in enumerate(messages):
        if m["role"] == "tool":
            j = i
            while messages[j - 1]["role"] == "tool":
                j -= 1
            prev = messages[j - 1]
            assert prev["role"] == "assistant"
            assert m["tool_call_id"] in {tc["id"] for tc in prev["tool_calls"]}
    # every tool_use survives as a tool call with JSON-string arguments
    uses = [b for m in request["messages"] if m["role"] == "assistant" and isinstance(m["content"], list)
            for b in m["content"] if b["type"] == "tool_use"]
    calls = [tc for m in messages if m["role"] == "assistant" for tc in m.get("tool_calls", [])]
    assert [(c["function"]["name"], orjson.loads(c["function"]["arguments"])) for c in calls] == [
        (u["name"], u["input"]) for u in uses]
    # every user text survives somewhere in the output
    for m in request["messages"]:
        if m["role"] == "user" and isinstance(m["content"], list):
            for b in m["content"]:
                if b["type"] == "text":
                    assert b["text"] in raw or orjson.dumps(b["text"]).decode()[1:-1] in raw
    # tools: client tools only, never a deferred one unless tool search loaded it
    sent = [t["function"]["name"] for t in body.get("tools", [])]
    assert len(sent) == len(set(sent))
    referenced = {item["tool_name"] for m in request["messages"] if isinstance(m["content"], list)
                  for b in m["content"] if b.get("type") == "tool_result" and isinstance(b.get("content"), list)
                  for item in b["content"] if item.get("type") == "tool_reference"}
    for t in request.get("tools") or []:
        if t.get("defer_loading"):
            assert (t["name"] in sent) == (t["name"] in referenced)
        else:
            assert t["name"] in sent
    if (request.get("metadata") or {}).get("user_id"):
        assert len(body["user"]) == 64 and body["user"] not in request["metadata"]["user_id"]
    if stream:
        assert body["stream_options"] == {"include_usage": True}


@pytest.mark.skipif(not (CLIENT_CAPTURES / "claude_code_v332_tool_search_result_turn.json").exists(),
                    reason="client captures folder absent")
def test_tool_search_loads_the_referenced_deferred_tool_only():
    request = orjson.loads((CLIENT_CAPTURES / "claude_code_v332_tool_search_result_turn.json").read_bytes())
    deferred = {t["name"] for t in request["tools"] if t.get("defer_loading")}
    assert deferred == {"WebFetch", "DeferredToolPlaceholder"}
    body = convert_request(request, model="m", stream=True)
    sent = {t["function"]["name"] for t in body["tools"]}
    assert "WebFetch" in sent and "DeferredToolPlaceholder" not in sent
    tool_msg = next(m for m in body["messages"] if m["role"] == "tool")
    assert tool_msg["content"] == "Tool reference: WebFetch"
    # the rest of that user turn follows the tool message
    i = body["messages"].index(tool_msg)
    assert body["messages"][i + 1] == {"role": "user", "content": "Tool loaded."}


@pytest.mark.skipif(not (CLIENT_CAPTURES / "claude_code_v332_main_turn.json").exists(),
                    reason="client captures folder absent")
def test_v332_main_turn_drops_deferred_placeholder_and_maps_effort():
    request = orjson.loads((CLIENT_CAPTURES / "claude_code_v332_main_turn.json").read_bytes())
    body = convert_request(request, model="gpt-5", stream=True, profile=OPENAI_REASONING)
    sent = {t["function"]["name"] for t in body["tools"]}
    assert "DeferredToolPlaceholder" not in sent
    assert len(sent) == len([t for t in request["tools"] if not t.get("defer_loading")])
    assert body["reasoning_effort"] == "medium"  # adaptive + output_config.effort medium
    assert body["max_completion_tokens"] == 100000  # 128000 clamped


@pytest.mark.skipif(not (CLIENT_CAPTURES / "claude_code_title_generation.json").exists(),
                    reason="client captures folder absent")
def test_title_generation_has_no_tools_and_a_response_format():
    request = orjson.loads((CLIENT_CAPTURES / "claude_code_title_generation.json").read_bytes())
    assert request["tools"] == []
    body = convert_request(request, model="m", stream=True)
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(body)
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["title"]


def test_output_limit_per_model_prefix_and_reasoning_models():
    from server.providers.presets import preset

    openai = preset("openai")["profile"]
    req = {"model": "claude-opus-4-8", "max_tokens": 64000, "temperature": 0.2, "top_p": 0.9,
           "messages": [{"role": "user", "content": "hi"}]}
    assert convert_request(req, model="gpt-4o-mini", stream=False, profile=openai)["max_completion_tokens"] == 16384
    assert convert_request(req, model="gpt-4.1", stream=False, profile=openai)["max_completion_tokens"] == 32768
    five = convert_request(req, model="gpt-5-mini", stream=False, profile=openai)
    assert five["max_completion_tokens"] == 64000
    assert "temperature" not in five and "top_p" not in five
    four = convert_request(req, model="gpt-4o", stream=False, profile=openai)
    assert four["temperature"] == 0.2 and four["top_p"] == 0.9
    unknown = convert_request(req, model="my-local", stream=False, profile={})
    assert unknown["max_tokens"] == 64000
