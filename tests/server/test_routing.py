"""Route rules: a table of real Claude Code requests and variants x routes."""
from __future__ import annotations

import copy
import json

import pytest

from server.config import parse
from server.errors import NotFound
from server.providers.base import Target
from server.routing import resolve
from tests.conftest import CLIENT_FIXTURES, needs_shared

PROVIDERS = {p: {"type": "openai", "base_url": f"http://127.0.0.1:1/{p}", "api_key": ""}
             for p in ("ds", "oa", "gm", "or", "ol")}
FULL_ROUTE = {
    "default": "ds/deepseek-chat", "opus": "oa/gpt-5", "sonnet": "or/claude", "haiku": "ol/qwen",
    "think": "ds/deepseek-reasoner", "long_context": "gm/gemini-2.5-pro", "long_context_threshold": 60000,
    "image": "oa/gpt-4o", "web_search": "or/perplexity", "fallback": ["oa/gpt-5-mini", "ds/deepseek-chat"],
}
CONFIGS = {
    "full": parse({"providers": PROVIDERS, "routes": {"r": FULL_ROUTE}}),
    "default_only": parse({"providers": PROVIDERS, "routes": {"r": {"default": "ds/deepseek-chat"}}}),
    "tiers_only": parse({"providers": PROVIDERS, "routes": {"r": {
        "default": "ds/deepseek-chat", "haiku": "ol/qwen", "opus": "oa/gpt-5"}}}),
}


def capture(name: str) -> dict:
    return json.loads((CLIENT_FIXTURES / f"{name}.json").read_text())


def size(body: dict) -> int:
    return len(json.dumps(body).encode())


def variant(name: str):
    """Request variants built from the real captures."""
    body = capture("claude_code_main_text_turn")
    last = next(m for m in reversed(body["messages"]) if m["role"] == "user")
    if isinstance(last["content"], str):
        last["content"] = [{"type": "text", "text": last["content"]}]
    if name == "main":
        return body
    if name == "haiku":
        body["model"] = "claude-haiku-4-5-20251001"
    elif name == "sonnet":
        body["model"] = "claude-sonnet-5"
    elif name == "no_thinking":
        body.pop("thinking")
    elif name == "no_thinking_haiku":
        body.pop("thinking")
        body["model"] = "claude-haiku-4-5-20251001"
    elif name == "long":  # ~70k tokens of prose in the last user turn
        last["content"].append({"type": "text", "text": "The quick brown fox jumps. " * 12000})
    elif name == "image":
        last["content"].append(
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}})
    elif name == "web_search":
        body["tools"].append({"type": "web_search_20250305", "name": "web_search", "max_uses": 5})
    elif name in ("subagent_system1", "subagent_system2"):
        i = 1 if name.endswith("1") else 2
        body["system"][i]["text"] = "<CCR-SUBAGENT-MODEL>gm,gemini-2.5-flash</CCR-SUBAGENT-MODEL>" + body["system"][i]["text"]
    elif name == "subagent_slash_user":
        first = next(m for m in body["messages"] if m["role"] == "user")
        first["content"][0]["text"] = "<CCR-SUBAGENT-MODEL>oa/gpt-5-nano</CCR-SUBAGENT-MODEL>\n" + first["content"][0]["text"]
    elif name == "explicit_slash":
        body["model"] = "gm/gemini-3-pro"
    elif name == "explicit_comma":
        body["model"] = "or,anthropic/claude-opus"
    return body


TABLE = [
    # (variant, config, expected first target, slot)
    ("main", "full", "ds/deepseek-reasoner", "think"),            # thinking adaptive beats the opus tier
    ("no_thinking", "full", "oa/gpt-5", "opus"),
    ("haiku", "full", "ds/deepseek-reasoner", "think"),
    ("no_thinking_haiku", "full", "ol/qwen", "haiku"),
    ("sonnet", "full", "ds/deepseek-reasoner", "think"),
    ("long", "full", "gm/gemini-2.5-pro", "long_context"),
    ("image", "full", "oa/gpt-4o", "image"),
    ("web_search", "full", "or/perplexity", "web_search"),
    ("subagent_system1", "full", "gm/gemini-2.5-flash", "subagent"),
    ("subagent_system2", "full", "gm/gemini-2.5-flash", "subagent"),
    ("subagent_slash_user", "full", "oa/gpt-5-nano", "subagent"),
    ("explicit_slash", "full", "gm/gemini-3-pro", "explicit"),
    ("explicit_comma", "full", "or/anthropic/claude-opus", "explicit"),
    ("long", "default_only", "ds/deepseek-chat", "default"),
    ("image", "default_only", "ds/deepseek-chat", "default"),
    ("main", "default_only", "ds/deepseek-chat", "default"),
    ("main", "tiers_only", "oa/gpt-5", "opus"),
    ("haiku", "tiers_only", "ol/qwen", "haiku"),
    ("sonnet", "tiers_only", "ds/deepseek-chat", "default"),
    ("explicit_comma", "tiers_only", "or/anthropic/claude-opus", "explicit"),
]


@needs_shared
@pytest.mark.parametrize("name,config,expected,slot", TABLE, ids=[f"{r[0]}-{r[1]}" for r in TABLE])
def test_route_table(name, config, expected, slot):
    body = variant(name)
    decision = resolve(body, CONFIGS[config], body_bytes=size(body))
    assert str(decision.targets[0]) == expected
    assert decision.slot == slot
    if config == "full" and slot != "explicit":
        # Fallback targets follow, without repeating the chosen one.
        assert [str(t) for t in decision.targets[1:]] == [
            t for t in ("oa/gpt-5-mini", "ds/deepseek-chat") if t != expected]


@needs_shared
@pytest.mark.parametrize("where", ["subagent_system1", "subagent_system2", "subagent_slash_user"])
def test_subagent_marker_is_removed_before_forwarding(where):
    body = variant(where)
    resolve(body, CONFIGS["full"], body_bytes=size(body))
    assert "CCR-SUBAGENT-MODEL" not in json.dumps(body)


@needs_shared
def test_long_context_threshold_is_exact_near_the_boundary():
    body = capture("claude_code_main_text_turn")
    from server.tokens import count_request

    tokens = count_request(body)
    cfg = lambda t: parse({"providers": PROVIDERS, "routes": {"r": {**FULL_ROUTE, "long_context_threshold": t}}})
    above = resolve(copy.deepcopy(body), cfg(tokens - 50), body_bytes=size(body))
    below = resolve(copy.deepcopy(body), cfg(tokens + 50), body_bytes=size(body))
    assert above.slot == "long_context"
    assert below.slot != "long_context"


def test_unknown_explicit_provider_is_404():
    body = {"model": "nope/x", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(NotFound, match="no provider named 'nope'"):
        resolve(body, CONFIGS["full"])


def test_image_inside_tool_result_counts_as_image_turn():
    body = {"model": "claude-opus-4-8", "max_tokens": 1, "messages": [
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]}]}]}
    assert resolve(body, CONFIGS["full"]).targets[0] == Target("oa", "gpt-4o")


def test_image_in_an_older_turn_does_not_count():
    img = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    body = {"model": "claude-opus-4-8", "max_tokens": 1, "messages": [
        {"role": "user", "content": [img]}, {"role": "assistant", "content": "seen"},
        {"role": "user", "content": "and now?"}]}
    assert resolve(body, CONFIGS["full"]).slot == "opus"
