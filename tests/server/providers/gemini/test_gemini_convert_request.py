"""convert_request: Anthropic Messages body -> generateContent body (§G)."""
from __future__ import annotations

import json

import pytest

from server.errors import InvalidRequest
from server.protocol import signatures
from server.providers.gemini.convert_request import SKIP_SIGNATURE, convert_request
from server.providers.gemini.convert_schema import reverse_name_map, tool_name_map

from gemini_fixture_io import CLIENTS

TOOLS = [{"name": "get_weather", "description": "Weather", "input_schema": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def conv(messages, model="gemini-2.5-flash", **extra):
    return convert_request({"model": "claude-x", "max_tokens": 64, "messages": messages, **extra},
                           model=model)


def test_system_string_blocks_and_system_messages_join():
    body = conv([{"role": "user", "content": "hi"},
                 {"role": "system", "content": "Mid-conversation note"},
                 {"role": "user", "content": [{"type": "text", "text": "again"}]}],
                system=[{"type": "text", "text": "You are A.", "cache_control": {"type": "ephemeral"}},
                        {"type": "text", "text": "Be brief."}])
    assert body["systemInstruction"] == {"parts": [{"text": "You are A.\n\nBe brief.\n\nMid-conversation note"}]}
    # the two user turns around the system message merge into one
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}, {"text": "again"}]}]
    assert "cache_control" not in json.dumps(body)
    assert conv([{"role": "user", "content": "x"}], system="S")["systemInstruction"] == {"parts": [{"text": "S"}]}
    assert "systemInstruction" not in conv([{"role": "user", "content": "x"}])


def test_roles_and_merging():
    body = conv([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                 {"role": "assistant", "content": [{"type": "text", "text": "c"}]},
                 {"role": "user", "content": "d"}])
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "a"}]},
        {"role": "model", "parts": [{"text": "b"}, {"text": "c"}]},
        {"role": "user", "parts": [{"text": "d"}]},
    ]


def test_images_and_documents():
    body = conv([{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain doc"}},
        {"type": "text", "text": "describe"}]}])
    assert body["contents"][0]["parts"] == [
        {"inlineData": {"mimeType": "image/jpeg", "data": "AAAA"}},
        {"fileData": {"fileUri": "https://example.com/cat.png", "mimeType": "image/png"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}},
        {"text": "plain doc"},
        {"text": "describe"},
    ]


def test_tool_use_and_results():
    body = conv([
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "Oslo"}},
            {"type": "tool_use", "id": "toolu_b", "name": "get_weather", "input": {"city": "Rome"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": [
                {"type": "text", "text": "sunny"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "PNG"}}]},
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "no such city", "is_error": True},
            {"type": "text", "text": "and tomorrow?"}]},
    ], tools=TOOLS)
    assert body["contents"][1]["parts"] == [
        {"text": "Checking."},
        {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
    ]
    assert body["contents"][2] == {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"output": "sunny"}}},
        {"inlineData": {"mimeType": "image/png", "data": "PNG"}},
        {"functionResponse": {"name": "get_weather", "response": {"error": "no such city"}}},
        {"text": "and tomorrow?"},
    ]}
    assert body["tools"] == [{"functionDeclarations": [{
        "name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}]


def test_empty_tool_result_still_an_object():
    body = conv([{"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "x", "input": {}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]}])
    assert body["contents"][1]["parts"] == [{"functionResponse": {"name": "x", "response": {"output": ""}}}]


def test_unknown_tool_use_id_is_a_clear_400():
    with pytest.raises(InvalidRequest, match="toolu_missing"):
        conv([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_missing",
                                            "content": "x"}]}])


def test_tool_names_are_sanitised_consistently_and_mapped_back():
    bad = "mcp__my server/search files"
    req = {"model": "m", "max_tokens": 5,
           "tools": [{"name": bad, "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}],
           "tool_choice": {"type": "tool", "name": bad},
           "messages": [{"role": "user", "content": "q"},
                        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": bad, "input": {"q": "a"}}]},
                        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "r"}]}]}
    body = convert_request(req, model="gemini-2.5-pro")
    g = tool_name_map(req)[bad]
    assert g != bad
    assert body["tools"][0]["functionDeclarations"][0]["name"] == g
    assert body["contents"][1]["parts"][0]["functionCall"]["name"] == g
    assert body["contents"][2]["parts"][0]["functionResponse"]["name"] == g
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [g]}}
    assert reverse_name_map(req) == {g: bad}


@pytest.mark.parametrize("choice,expected", [
    ({"type": "auto"}, {"mode": "AUTO"}),
    ({"type": "any", "disable_parallel_tool_use": True}, {"mode": "ANY"}),
    ({"type": "tool", "name": "get_weather"}, {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
    ({"type": "none"}, {"mode": "NONE"}),
])
def test_tool_choice(choice, expected):
    body = conv([{"role": "user", "content": "x"}], tools=TOOLS, tool_choice=choice)
    assert body["toolConfig"] == {"functionCallingConfig": expected}


def test_generation_config_and_dropped_fields():
    body = conv([{"role": "user", "content": "x"}], temperature=0.3, top_p=0.9, top_k=40,
                stop_sequences=["a", "b", "c", "d", "e", "f"],
                metadata={"user_id": "u"}, context_management={"edits": []}, thread={"id": "t"},
                output_config={"effort": "high"})
    assert body["generationConfig"] == {"maxOutputTokens": 64, "temperature": 0.3, "topP": 0.9, "topK": 40,
                                        "stopSequences": ["a", "b", "c", "d", "e"]}
    assert set(body) == {"contents", "generationConfig"}


def test_output_format_json_schema():
    schema = {"$schema": "x", "type": "object", "properties": {"title": {"type": "string"}},
              "required": ["title"], "additionalProperties": False}
    body = conv([{"role": "user", "content": "x"}],
                output_config={"effort": "high", "format": {"type": "json_schema", "schema": schema}})
    cfg = body["generationConfig"]
    assert cfg["responseMimeType"] == "application/json"
    assert cfg["responseJsonSchema"] == {k: v for k, v in schema.items() if k != "$schema"}


@pytest.mark.parametrize("model,thinking,effort,expected", [
    ("gemini-2.5-pro", {"type": "enabled", "budget_tokens": 10000}, None,
     {"thinkingBudget": 10000, "includeThoughts": True}),
    ("gemini-2.5-pro", {"type": "enabled", "budget_tokens": 64}, None,
     {"thinkingBudget": 128, "includeThoughts": True}),
    ("gemini-2.5-flash", {"type": "enabled", "budget_tokens": 50000}, None,
     {"thinkingBudget": 24576, "includeThoughts": True}),
    ("gemini-2.5-flash", {"type": "adaptive"}, "high", {"thinkingBudget": -1, "includeThoughts": True}),
    ("gemini-2.5-flash", {"type": "adaptive", "display": "omitted"}, None,
     {"thinkingBudget": -1, "includeThoughts": False}),
    ("gemini-2.5-flash", {"type": "disabled"}, None, {"thinkingBudget": 0}),
    ("gemini-2.5-flash-lite", {"type": "disabled"}, None, {"thinkingBudget": 0}),
    ("gemini-2.5-pro", {"type": "disabled"}, None, None),
    ("gemini-3-pro-preview", {"type": "enabled", "budget_tokens": 2048}, None,
     {"thinkingLevel": "low", "includeThoughts": True}),
    ("gemini-3-pro-preview", {"type": "enabled", "budget_tokens": 20000}, None,
     {"thinkingLevel": "high", "includeThoughts": True}),
    ("gemini-3-flash-preview", {"type": "adaptive"}, "low", {"thinkingLevel": "low", "includeThoughts": True}),
    ("gemini-3-pro-preview", {"type": "adaptive"}, None, {"includeThoughts": True}),
    ("gemini-3-pro-preview", {"type": "disabled"}, None, {"thinkingLevel": "low", "includeThoughts": False}),
])
def test_thinking(model, thinking, effort, expected):
    extra = {"thinking": thinking}
    if effort:
        extra["output_config"] = {"effort": effort}
    cfg = conv([{"role": "user", "content": "x"}], model=model, **extra)["generationConfig"]
    assert cfg.get("thinkingConfig") == expected


def test_no_thinking_field_sends_no_thinking_config():
    assert "thinkingConfig" not in conv([{"role": "user", "content": "x"}])["generationConfig"]


def test_foreign_and_unsigned_thinking_is_dropped():
    body = conv([{"role": "user", "content": "x"},
                 {"role": "assistant", "content": [
                     {"type": "thinking", "thinking": "anthropic thought", "signature": "EqQBCkYIBxgCKkA"},
                     {"type": "thinking", "thinking": "deepseek", "signature": signatures.mint("oa")},
                     {"type": "thinking", "thinking": "unsigned gemini", "signature": "swb1.gemini."},
                     {"type": "redacted_thinking", "data": "xyz"},
                     {"type": "text", "text": "answer"}]},
                 {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": "s"}]}])
    assert body["contents"][1] == {"role": "model", "parts": [{"text": "answer"}]}
    assert len(body["contents"]) == 2


def test_signed_thought_part_is_restored_as_a_thought():
    body = conv([{"role": "user", "content": "x"},
                 {"role": "assistant", "content": [
                     {"type": "thinking", "thinking": "plan", "signature": signatures.mint("gemini", "S1")},
                     {"type": "thinking", "thinking": "", "signature": signatures.mint("gemini", "S2")},
                     {"type": "tool_use", "id": "t", "name": "f", "input": {}}]}])
    assert body["contents"][1]["parts"] == [
        {"text": "plan", "thought": True, "thoughtSignature": "S1"},
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "S2"},
    ]


def test_gemini_3_unsigned_history_calls_get_the_documented_placeholder():
    msgs = [{"role": "user", "content": "x"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": {}},
                                              {"type": "tool_use", "id": "b", "name": "f", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "a", "content": "1"},
                                         {"type": "tool_result", "tool_use_id": "b", "content": "2"}]}]
    g3 = conv(msgs, model="gemini-3-pro-preview")["contents"][1]["parts"]
    assert [p.get("thoughtSignature") for p in g3] == [SKIP_SIGNATURE, None]
    g25 = conv(msgs, model="gemini-2.5-pro")["contents"][1]["parts"]
    assert all("thoughtSignature" not in p for p in g25)


def test_server_tools_and_deferred_tools():
    tools = [*TOOLS,
             {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
             {"name": "Later", "defer_loading": True, "input_schema": {"type": "object", "properties": {"u": {"type": "string"}}}},
             {"name": "Loaded", "defer_loading": True, "input_schema": {"type": "object", "properties": {"u": {"type": "string"}}}},
             {"type": "custom", "name": "NoArgs", "input_schema": {"type": "object", "properties": {}}}]
    body = conv([{"role": "assistant", "content": [{"type": "tool_use", "id": "s", "name": "ToolSearch", "input": {}}]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "s",
                                               "content": [{"type": "tool_reference", "tool_name": "Loaded"}]}]}],
                tools=tools)
    decls = body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in decls] == ["get_weather", "Loaded", "NoArgs"]
    assert decls[2] == {"name": "NoArgs"}  # no-argument tool: no parameters
    assert body["contents"][1]["parts"] == [{"functionResponse": {
        "name": "ToolSearch", "response": {"output": "Tool Loaded is now available."}}}]


# -- real Claude Code requests ---------------------------------------------------
def client_captures():
    if not CLIENTS.is_dir():
        return []
    return sorted(CLIENTS.glob("*.json"))


@pytest.mark.skipif(not CLIENTS.is_dir(), reason="shared client captures absent")
@pytest.mark.parametrize("path", client_captures(), ids=lambda p: p.stem)
@pytest.mark.parametrize("model", ["gemini-2.5-pro", "gemini-3-pro-preview"])
def test_claude_code_requests_convert(path, model):
    req = json.loads(path.read_text())
    body = convert_request(req, model=model)
    dumped = json.dumps(body)
    for gone in ("cache_control", "context_management", "user_id", "tool_reference", "defer_loading"):
        assert gone not in dumped
    # (responseJsonSchema is real JSON Schema; the Schema subset applies to tools)
    assert "$schema" not in json.dumps(body.get("tools")) and "additionalProperties" not in json.dumps(body.get("tools"))
    roles = [c["role"] for c in body["contents"]]
    assert all(a != b for a, b in zip(roles, roles[1:])), "roles must alternate"
    assert all(c["parts"] for c in body["contents"])
    # Claude Code asks for up to 128000; Gemini 2.5 / 3 refuse more than 65536.
    assert body.get("generationConfig", {}).get("maxOutputTokens") == (
        min(req["max_tokens"], 65536) if "max_tokens" in req else None)
    # every system prompt text (top-level and role: system messages) is kept
    system = body.get("systemInstruction", {"parts": [{"text": ""}]})["parts"][0]["text"]
    for m in req["messages"]:
        if m["role"] == "system":
            text = m["content"] if isinstance(m["content"], str) else m["content"][0]["text"]
            assert text in system
    # functionResponses name tools called in the history
    called = {p["functionCall"]["name"] for c in body["contents"] for p in c["parts"] if "functionCall" in p}
    answered = [p["functionResponse"]["name"] for c in body["contents"] for p in c["parts"]
                if "functionResponse" in p]
    assert set(answered) <= called
    n_results = sum(1 for m in req["messages"] if isinstance(m["content"], list)
                    for b in m["content"] if b["type"] == "tool_result")
    assert len(answered) == n_results
    if "gemini-3" in model:  # Anthropic-signed history: placeholder on each step's first call
        for c in body["contents"]:
            calls = [p for p in c["parts"] if "functionCall" in p]
            if calls:
                assert calls[0]["thoughtSignature"] == SKIP_SIGNATURE
    declared = {d["name"] for t in body.get("tools", []) for d in t["functionDeclarations"]}
    assert "DeferredToolPlaceholder" not in declared
    expected = {t["name"] for t in req.get("tools", []) if not t.get("defer_loading")}
    assert expected <= declared


@pytest.mark.skipif(not CLIENTS.is_dir(), reason="shared client captures absent")
def test_tool_search_turn_declares_the_loaded_tool():
    req = json.loads((CLIENTS / "claude_code_v332_tool_search_result_turn.json").read_text())
    body = convert_request(req, model="gemini-2.5-pro")
    declared = [d["name"] for d in body["tools"][0]["functionDeclarations"]]
    assert "WebFetch" in declared and "DeferredToolPlaceholder" not in declared
    last = body["contents"][-1]["parts"]
    assert last[0] == {"functionResponse": {"name": "ToolSearch",
                                            "response": {"output": "Tool WebFetch is now available."}}}
    assert last[1] == {"text": "Tool loaded."}


@pytest.mark.skipif(not CLIENTS.is_dir(), reason="shared client captures absent")
def test_title_generation_uses_structured_output_and_no_thinking():
    req = json.loads((CLIENTS / "claude_code_title_generation.json").read_text())
    cfg = convert_request(req, model="gemini-2.5-flash")["generationConfig"]
    assert cfg["thinkingConfig"] == {"thinkingBudget": 0}
    assert cfg["responseMimeType"] == "application/json"
    assert cfg["responseJsonSchema"]["required"] == ["title"]


def test_anthropic_server_tool_history_is_not_sent_as_calls():
    body = conv([{"role": "user", "content": "search"},
                 {"role": "assistant", "content": [
                     {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
                     {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
                     {"type": "text", "text": "Found it."}]}])
    assert body["contents"][1] == {"role": "model", "parts": [{"text": "Found it."}]}


def test_unknown_block_type_is_a_clear_400():
    with pytest.raises(InvalidRequest, match="hologram"):
        conv([{"role": "user", "content": [{"type": "hologram"}]}])


@pytest.mark.parametrize("model,asked,sent", [
    ("gemini-2.5-pro", 128000, 65536), ("gemini-3-pro-preview", 64000, 64000),
    ("gemini-2.0-flash", 32000, 8192), ("gemini-2.5-flash-image", 64000, 32768),
    ("some-future-model", 10, 10),
])
def test_max_output_tokens_clamped_to_the_model_limit(model, asked, sent):
    req = {"max_tokens": asked, "messages": [{"role": "user", "content": "hi"}]}
    assert convert_request(req, model=model)["generationConfig"]["maxOutputTokens"] == sent


def test_profile_max_output_tokens_overrides_the_known_limit():
    req = {"max_tokens": 64000, "messages": [{"role": "user", "content": "hi"}]}
    assert convert_request(req, model="gemini-2.5-pro", max_output_tokens=20000)["generationConfig"] == \
        {"maxOutputTokens": 20000}
