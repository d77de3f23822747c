"""Issue 21 §3: the fable tier, tier detection by shape, and the subagent
marker removed whatever rule wins."""
from __future__ import annotations

import logging

import pytest

from server.config import parse
from server.providers.base import Target
from server.routing import model_tier, resolve

PROVIDERS = {p: {"type": "openai", "base_url": f"http://127.0.0.1:1/{p}", "api_key": ""}
             for p in ("ds", "oa", "gm", "ol", "fb")}
MARKER = "<CCR-SUBAGENT-MODEL>ol,qwen3</CCR-SUBAGENT-MODEL>"


def config(**slots):
    return parse({"providers": PROVIDERS, "routes": {"r": {"default": "ds/chat", **slots}}})


def request(model="claude-sonnet-4-5", text="hello", **extra):
    return {"model": model, "max_tokens": 10, "messages": [{"role": "user", "content": text}], **extra}


@pytest.mark.parametrize("model,tier", [
    ("claude-fable-5-2", "fable"), ("claude-fable-5", "fable"), ("claude-fable-5-1", "fable"),
    ("claude-opus-4-1-20250805", "opus"), ("claude-sonnet-4-5-20250929[1m]", "sonnet"),
    ("claude-3-5-haiku-20241022", "haiku"), ("claude-haiku-4-5@20251001", "haiku"),
    ("anthropic.claude-opus-4-1", "opus"), ("claude-3-opus-20240229", "opus"),
    ("claude-lyric-6-0", None), ("gpt-5", None), ("my-sonnet-finetune", "sonnet"),
])
def test_tier_from_the_model_id(model, tier):
    assert model_tier(model) == tier


def test_fable_uses_its_slot_then_opus_then_default():
    body = request("claude-fable-5-2")
    assert resolve(dict(body), config(fable="fb/big", opus="oa/gpt-5")).targets == (Target("fb", "big"),)
    decision = resolve(dict(body), config(opus="oa/gpt-5"))
    assert decision.targets == (Target("oa", "gpt-5"),) and decision.slot == "opus"
    assert resolve(dict(body), config()).slot == "default"


def test_an_unknown_tier_degrades_to_default_with_one_log_line(caplog):
    caplog.set_level(logging.INFO, logger="switchboard")
    cfg = config(opus="oa/gpt-5")
    for _ in range(3):
        assert resolve(request("claude-quill-7-0"), cfg).slot == "default"
    assert sum("unknown Claude tier 'quill'" in r.getMessage() for r in caplog.records) == 1


def test_the_marker_is_removed_when_an_explicit_target_wins():
    body = request("oa/gpt-5", text=f"{MARKER}Explore the repo")
    decision = resolve(body, config())
    assert decision.slot == "explicit"
    assert body["messages"][0]["content"] == "Explore the repo"


def test_the_marker_is_removed_when_long_context_wins():
    system = [{"type": "text", "text": f"You are a subagent. {MARKER}"}]
    body = request(text="word " * 40000, system=system)
    cfg = config(long_context="gm/pro", long_context_threshold=1000)
    decision = resolve(body, cfg, body_bytes=len(str(body)))
    assert decision.slot == "long_context"
    assert "CCR-SUBAGENT-MODEL" not in str(body)
    assert body["system"][0]["text"] == "You are a subagent. "


def test_the_marker_still_chooses_when_it_wins():
    body = request(text=f"{MARKER}Explore")
    decision = resolve(body, config())
    assert decision.slot == "subagent" and decision.targets[0] == Target("ol", "qwen3")
    assert body["messages"][0]["content"] == "Explore"
