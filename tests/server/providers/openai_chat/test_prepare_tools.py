"""Anthropic tools / tool_choice -> Chat Completions (translation.md §F.27-28)."""
from __future__ import annotations

import pytest

from server.providers.openai_chat.prepare_tools import prepare_tools

WEATHER = {"name": "get_weather", "description": "Weather", "cache_control": {"type": "ephemeral"},
           "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                            "properties": {"city": {"type": "string"}}, "required": ["city"]}}
SERVER_TOOLS = [
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
    {"type": "bash_20250124", "name": "bash"},
    {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
]
DEFERRED = {"name": "WebFetch", "description": "fetch", "input_schema": {"type": "object"}, "defer_loading": True}


def test_function_tool_shape_without_schema_meta_or_cache_control():
    out = prepare_tools([WEATHER], None)
    assert out == {"tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}
    assert "$schema" in WEATHER["input_schema"]  # the client's request is not mutated


def test_server_tools_and_deferred_tools_are_dropped():
    out = prepare_tools([*SERVER_TOOLS, DEFERRED, WEATHER, {"type": "custom", "name": "c", "input_schema": {}}], None)
    assert [t["function"]["name"] for t in out["tools"]] == ["get_weather", "c"]
    assert out["tools"][1]["function"]["parameters"] == {"type": "object", "properties": {}}


def test_deferred_tool_loaded_by_tool_reference_is_sent():
    out = prepare_tools([DEFERRED, WEATHER], None, loaded_tool_names={"WebFetch"})
    assert [t["function"]["name"] for t in out["tools"]] == ["WebFetch", "get_weather"]


@pytest.mark.parametrize("choice,expected", [
    ({"type": "auto"}, "auto"),
    ({"type": "any"}, "required"),
    ({"type": "none"}, "none"),
    ({"type": "tool", "name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
])
def test_tool_choice_mapping(choice, expected):
    assert prepare_tools([WEATHER], choice)["tool_choice"] == expected


def test_tool_choice_naming_a_dropped_tool_is_omitted():
    out = prepare_tools([WEATHER, *SERVER_TOOLS], {"type": "tool", "name": "web_search"})
    assert "tool_choice" not in out and len(out["tools"]) == 1


def test_no_tools_means_no_tool_keys_at_all():
    assert prepare_tools([], {"type": "none"}) == {}
    assert prepare_tools(None, {"type": "auto", "disable_parallel_tool_use": True}) == {}
    assert prepare_tools(SERVER_TOOLS, {"type": "any"}) == {}


def test_disable_parallel_tool_use():
    out = prepare_tools([WEATHER], {"type": "auto", "disable_parallel_tool_use": True})
    assert out["parallel_tool_calls"] is False and out["tool_choice"] == "auto"
    assert "parallel_tool_calls" not in prepare_tools([WEATHER], {"type": "auto"})
