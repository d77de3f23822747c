"""Usage arithmetic of every OpenAI-family fixture, and xAI's reasoning tokens.

For each recorded response the translator runs with the profile of the
provider it came from (presets.py), and the Anthropic usage must add up to
the provider's own numbers: input + cache read + cache write = prompt_tokens,
output = completion_tokens (reasoning already inside; the fixtures'
total_tokens prove it), never more. xAI reports reasoning tokens outside
completion_tokens: there output = completion + reasoning, through a real
Switchboard over HTTP too.
"""
from __future__ import annotations

from pathlib import Path

import anthropic
import orjson
import pytest

from server.protocol.events import accumulate
from server.providers.openai_chat.convert_request import resolve_profile
from server.providers.openai_chat.convert_usage import convert_usage, find_usage, reasoning_tokens_outside
from server.providers.openai_chat.stream import ChatStreamTranslator, message_to_chunk
from server.providers.presets import profile_for
from tests.conftest import SHARED, UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import sse_script
from tests.support.live_server import ACCESS_KEY

from .fixture_io import chunks

FAMILY = ("openai", "deepseek", "groq", "openrouter", "ollama", "together")
# Which preset each fixture folder's provider uses (DeepSeek via its OpenAI endpoint).
PRESET = {"openai": "openai", "deepseek": "deepseek", "groq": "groq", "openrouter": "openrouter",
          "ollama": "ollama", "together": ""}
SHARED_UPSTREAM = SHARED / "fixtures" / "upstream"
# Streams that end in an error before any usage arrives.
NO_USAGE = {"groq/stream-midstream-error-event.sse"}


def fixture_names() -> list[str]:
    names = set()
    for root in (UPSTREAM_FIXTURES, SHARED_UPSTREAM):
        for folder in FAMILY:
            if (root / folder).is_dir():
                names |= {f"{folder}/{p.name}" for p in (root / folder).iterdir()
                          if p.suffix in (".sse", ".json") or p.name.endswith(".chunks.txt")}
    return sorted(n for n in names if "/error-" not in n)


def path_of(name: str) -> Path:
    shared = SHARED_UPSTREAM / name
    return shared if shared.is_file() else UPSTREAM_FIXTURES / name


def payloads(name: str) -> list[dict]:
    path = path_of(name)
    if path.suffix == ".json":
        return [message_to_chunk(orjson.loads(path.read_bytes()))]
    if path.parent == UPSTREAM_FIXTURES / path.parent.name:
        return chunks(name)
    data = path.read_text(encoding="utf-8")
    if name.endswith(".chunks.txt"):
        return [orjson.loads(line) for line in data.splitlines() if line.strip()]
    out = []
    for line in data.splitlines():
        line = line.strip()
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            out.append(orjson.loads(line[5:].strip()))
    return out


def translate(chunk_list: list[dict], profile: dict) -> dict:
    t = ChatStreamTranslator(model="claude-sonnet-5", message_id="msg_test", provider="p",
                             think_tags=profile["think_tags"],
                             reasoning_tokens_outside=profile["reasoning_tokens_outside"])
    events = t.start()
    for c in chunk_list:
        events += t.feed(c)
    return accumulate(events + t.finish())


def test_the_family_is_all_there():
    names = fixture_names()
    assert {n.split("/")[0] for n in names} == set(FAMILY)
    assert len(names) >= 15


@pytest.mark.parametrize("name", fixture_names())
def test_fixture_usage_adds_up(name):
    chunk_list = payloads(name)
    usages = [u for u in (find_usage(c) for c in chunk_list) if u]
    if name in NO_USAGE:
        assert not usages
        return
    assert usages, f"{name} has no usage"
    upstream = usages[-1]
    prompt, completion = upstream["prompt_tokens"], upstream["completion_tokens"]
    details = upstream.get("completion_tokens_details") or {}
    reasoning = details.get("reasoning_tokens") or 0
    # The provider's own arithmetic: reasoning is inside completion_tokens.
    assert reasoning <= completion
    if "total_tokens" in upstream:
        assert upstream["total_tokens"] == prompt + completion
    profile = resolve_profile(profile_for(PRESET[name.split("/")[0]], ""))
    assert not profile["reasoning_tokens_outside"]
    got = translate(chunk_list, profile)["usage"]
    assert got["output_tokens"] == completion  # never reasoning counted twice
    assert got["input_tokens"] + got["cache_read_input_tokens"] + got["cache_creation_input_tokens"] == prompt
    # Even a wrong "outside" setting cannot double count: total_tokens has no room.
    assert convert_usage(upstream, reasoning_outside=True)["output_tokens"] == completion


# xAI Chat Completions usage (shape of https://docs.x.ai/docs/api-reference chat
# completions; numbers: total = prompt + completion + reasoning).
XAI_USAGE = {"prompt_tokens": 32, "completion_tokens": 9, "total_tokens": 135,
             "prompt_tokens_details": {"text_tokens": 32, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 6},
             "completion_tokens_details": {"reasoning_tokens": 94, "audio_tokens": 0,
                                           "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
             "num_sources_used": 0}


def test_xai_preset_adds_reasoning_tokens():
    profile = resolve_profile(profile_for("", "https://api.x.ai/v1"))
    assert profile["reasoning_tokens_outside"] is True
    assert convert_usage(XAI_USAGE, reasoning_outside=True) == {
        "input_tokens": 26, "output_tokens": 9 + 94, "cache_read_input_tokens": 6, "cache_creation_input_tokens": 0}


def test_other_presets_never_add_them():
    for preset in ("openai", "openrouter", "groq", "deepseek", "ollama", "lmstudio", "siliconflow", "mistral", ""):
        assert not resolve_profile(profile_for(preset, ""))["reasoning_tokens_outside"], preset
    assert convert_usage(XAI_USAGE)["output_tokens"] == 9


@pytest.mark.parametrize("usage,extra", [
    (XAI_USAGE, 94),
    ({**XAI_USAGE, "total_tokens": 41}, 0),  # total says reasoning is already inside completion
    ({k: v for k, v in XAI_USAGE.items() if k != "total_tokens"}, 94),  # no total: trust the profile
    ({"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}, 0),  # no reasoning reported
    ({"prompt_tokens": 5, "completion_tokens": 3, "completion_tokens_details": None}, 0),
])
def test_reasoning_tokens_outside(usage, extra):
    assert reasoning_tokens_outside(usage) == extra


def test_xai_stream_over_http(upstream, make_server):
    """A Grok stream through Switchboard: message_delta output = completion + reasoning."""
    server = make_server(gateway_config(upstream.url, profile="xai"))
    base = {"id": "b1a2", "object": "chat.completion.chunk", "created": 1764921600, "model": "grok-4",
            "system_fingerprint": "fp_x"}
    frames = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "reasoning_content": "Thinking."}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "I am Grok."}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": XAI_USAGE},
    ]
    upstream.queue(sse_script([b"data: " + orjson.dumps(f) + b"\n\n" for f in frames] + [b"data: [DONE]\n\n"]))
    client = anthropic.Anthropic(base_url=server.url, api_key=ACCESS_KEY, max_retries=0)
    with client.messages.stream(model="claude-sonnet-5", max_tokens=100,
                                messages=[{"role": "user", "content": "Who are you?"}]) as s:
        final = s.get_final_message()
    assert final.usage.output_tokens == 9 + 94
    assert final.usage.input_tokens == 26 and final.usage.cache_read_input_tokens == 6
    assert [b.type for b in final.content] == ["thinking", "text"]
