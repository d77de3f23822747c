"""convert_schema / tool names: only Gemini's Schema subset ever leaves."""
from __future__ import annotations

import json

import pytest

from server.providers.gemini.convert_request import convert_request
from server.providers.gemini.convert_schema import (convert_schema, reverse_name_map, tool_name,
                                                    tool_name_map)

from gemini_fixture_io import CLIENTS, NAME, unsupported


def test_strips_and_rewrites():
    src = {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "title": "T",
        "type": "object", "additionalProperties": False,
        "properties": {
            "mode": {"const": "fast", "description": "only fast"},
            "level": {"enum": [1, 2, None]},
            "maybe": {"type": ["string", "null"], "default": "x", "examples": ["a"]},
            "count": {"type": "integer", "exclusiveMinimum": 0, "maximum": 10.0},
            "url": {"type": "string", "format": "uri"},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3},
            "free": {"type": "object", "propertyNames": {"pattern": "^a"}, "additionalProperties": {"type": "string"}},
            "choice": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "opt": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        },
        "required": ["mode", "ghost"],
    }
    out = convert_schema(src)
    assert unsupported(out) == []
    p = out["properties"]
    assert p["mode"] == {"type": "string", "enum": ["fast"], "description": "only fast"}
    assert p["level"] == {"type": "string", "enum": ["1", "2"], "nullable": True}
    assert p["maybe"] == {"type": "string", "nullable": True}
    assert p["count"] == {"type": "integer", "minimum": 0, "maximum": 10.0}
    assert p["url"] == {"type": "string", "description": "(format: uri)"}
    assert p["when"] == {"type": "string", "format": "date-time"}
    assert p["tags"] == {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 3}
    assert p["free"] == {"type": "object"}
    assert p["choice"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert p["opt"] == {"type": "number", "nullable": True}
    assert out["required"] == ["mode"]


def test_refs_are_inlined_and_cycles_stop():
    src = {"type": "object",
           "$defs": {"Node": {"type": "object", "properties": {
               "name": {"type": "string"}, "child": {"$ref": "#/$defs/Node"}}}},
           "definitions": {"Color": {"enum": ["red", "blue"]}},
           "properties": {"root": {"$ref": "#/$defs/Node", "description": "the root"},
                          "color": {"$ref": "#/definitions/Color"},
                          "both": {"allOf": [{"$ref": "#/definitions/Color"}, {"description": "d"}]}}}
    out = convert_schema(src)
    assert unsupported(out) == []
    assert "$ref" not in json.dumps(out) and "$defs" not in json.dumps(out)
    root = out["properties"]["root"]
    assert root["description"] == "the root"
    assert root["properties"]["name"] == {"type": "string"}
    # the recursive reference is cut to a plain object (Gemini schemas cannot recurse)
    assert root["properties"]["child"] == {"type": "object"}
    assert out["properties"]["color"] == {"type": "string", "enum": ["red", "blue"]}
    assert out["properties"]["both"] == {"type": "string", "enum": ["red", "blue"], "description": "d"}


def test_array_without_items_and_tuple_items():
    out = convert_schema({"type": "object", "properties": {
        "a": {"type": "array"}, "t": {"type": "array", "items": [{"type": "string"}, {"type": "number"}]}}})
    assert out["properties"]["a"] == {"type": "array", "items": {"type": "string"}}
    assert out["properties"]["t"]["items"] == {"anyOf": [{"type": "string"}, {"type": "number"}]}
    assert unsupported(out) == []


@pytest.mark.parametrize("name,expected", [
    ("get_weather", "get_weather"),
    ("mcp__server__tool.v2:x-y", "mcp__server__tool.v2:x-y"),
    ("a" * 64, "a" * 64),
])
def test_valid_names_unchanged(name, expected):
    assert tool_name(name) == expected


@pytest.mark.parametrize("name", ["a" * 65, "my tool/with spaces", "9lives", "-dash", "", "名前", "x" * 300])
def test_invalid_names_sanitised(name):
    out = tool_name(name)
    assert NAME.match(out), out
    assert tool_name(name) == out  # deterministic


def test_name_collisions_stay_distinct_and_reversible():
    req = {"tools": [{"name": "a b"}, {"name": "a/b"}, {"name": "a_b"}],
           "messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "old tool"}]}]}
    forward = tool_name_map(req)
    assert len(set(forward.values())) == 4
    assert all(NAME.match(v) for v in forward.values())
    assert forward["a_b"] == "a_b"
    back = reverse_name_map(req)
    assert {back[v] for v in forward.values()} == set(forward)


@pytest.mark.skipif(not CLIENTS.is_dir(), reason="shared client captures absent")
@pytest.mark.parametrize("path", sorted(CLIENTS.glob("*.json")) if CLIENTS.is_dir() else [],
                         ids=lambda p: p.stem)
def test_every_claude_code_tool_schema_converts_clean(path):
    req = json.loads(path.read_text())
    tools = [t for t in req.get("tools", []) if t.get("input_schema")]
    for tool in tools:
        out = convert_schema(tool["input_schema"])
        assert unsupported(out) == [], tool["name"]
        assert "$ref" not in json.dumps(out)
        # nothing a property said was lost: same property names at the top
        assert set(out.get("properties", {})) == set(tool["input_schema"].get("properties", {}))
    decls = [d for t in convert_request(req, model="gemini-2.5-pro").get("tools", [])
             for d in t["functionDeclarations"]]
    assert decls or not tools
    for d in decls:
        assert NAME.match(d["name"])
        assert set(d) <= {"name", "description", "parameters"}
        if "parameters" in d:
            assert d["parameters"]["type"] == "object" and d["parameters"]["properties"]
            assert unsupported(d["parameters"]) == []


def test_all_of_properties_merge_with_own_properties():
    out = convert_schema({"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}],
                          "properties": {"b": {"type": "integer"}}, "required": ["b"]})
    assert out == {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                   "required": ["a", "b"]}
