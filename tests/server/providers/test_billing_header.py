"""Claude Code's billing line is removed for every provider but Anthropic's
own API (issue 21 §1), and what is left is a stable prefix across turns."""
from __future__ import annotations

import json

import orjson
import pytest

from server.config import parse
from server.providers import billing_header
from server.providers.anthropic.convert_request import convert_request as anthropic_request
from server.providers.anthropic.provider import AnthropicProvider
from server.providers.base import Call
from server.providers.gemini.convert_request import convert_request as gemini_request
from server.providers.openai_chat.convert_request import convert_request as openai_request
from server.providers.openai_chat.provider import OpenAIChatProvider
from tests.conftest import client_captures, needs_shared

BILLING = "x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;"
SUBAGENT = "x-anthropic-billing-header: cc_version=2.1.332.a11; cc_entrypoint=sdk-cli; cc_is_subagent=true;"


def body(*system_texts: str) -> dict:
    return {"model": "claude-sonnet-4-5", "max_tokens": 10,
            "system": [{"type": "text", "text": t} for t in system_texts],
            "messages": [{"role": "user", "content": "hi"}]}


def test_strip_removes_only_billing_blocks_and_keeps_the_rest_in_order():
    b = body(BILLING, "You are Claude Code.", "More rules.")
    out = billing_header.strip(b)
    assert [s["text"] for s in out["system"]] == ["You are Claude Code.", "More rules."]
    assert [s["text"] for s in b["system"]][0] == BILLING  # the client's body is not mutated
    assert billing_header.strip(body(SUBAGENT, "x"))["system"] == [{"type": "text", "text": "x"}]


def test_strip_leaves_other_requests_untouched_and_identical():
    b = body("You are Claude Code. x-anthropic-billing-header: is mentioned here", "rules")
    assert billing_header.strip(b) is b
    plain = {"model": "m", "max_tokens": 1, "system": BILLING, "messages": []}
    assert billing_header.strip(plain) is plain  # a system string is the person's own text
    none = {"model": "m", "max_tokens": 1, "messages": []}
    assert billing_header.strip(none) is none


def test_a_system_of_only_the_billing_line_disappears():
    assert "system" not in billing_header.strip(body(BILLING))


@pytest.mark.parametrize("url,strip", [
    ("https://api.anthropic.com", False),
    ("https://API.anthropic.com/", False),
    ("https://api.deepseek.com/anthropic", True),
    ("http://127.0.0.1:8080", True),
    ("https://openrouter.ai/api/v1", True),
    ("https://api.anthropic.com.evil.example", True),
])
def test_only_anthropics_own_api_keeps_the_line(url, strip):
    assert billing_header.should_strip(url) is strip
    assert billing_header.should_strip(url, keep=True) is False


def _provider(cls, kind: str, base_url: str, **extra):
    cfg = parse({"providers": {"p": {"type": kind, "base_url": base_url, **extra}}}).providers["p"]
    return cls("p", cfg, client=None, api_key=None)


def test_providers_apply_the_decision_per_base_url_and_setting():
    call = Call(request=body(BILLING, "rules"), model="m", stream=False, requested_model="claude")
    official = _provider(AnthropicProvider, "anthropic", "https://api.anthropic.com")
    assert official.hub_request(call) is call.request
    compatible = _provider(AnthropicProvider, "anthropic", "https://api.deepseek.com/anthropic")
    assert [s["text"] for s in compatible.hub_request(call)["system"]] == ["rules"]
    kept = _provider(OpenAIChatProvider, "openai", "http://127.0.0.1:8080/v1", keep_billing_header=True)
    assert kept.hub_request(call) is call.request


def test_keep_billing_header_must_be_a_boolean():
    from server.config import ConfigError

    with pytest.raises(ConfigError, match="keep_billing_header"):
        parse({"providers": {"p": {"type": "openai", "base_url": "http://x/v1", "keep_billing_header": "yes"}}})


# -- prefix stability: turn N+1 starts with exactly what turn N sent -----------------

def _next_turn(request: dict) -> dict:
    nxt = json.loads(json.dumps(request))
    nxt["messages"] = nxt["messages"] + [
        {"role": "assistant", "content": [{"type": "text", "text": "Sure, looking at it."}]},
        {"role": "user", "content": [{"type": "text", "text": "Thanks, go on."}]},
    ]
    return nxt


def _prefix_parts(converted: dict, list_key: str) -> tuple[bytes, list[bytes]]:
    """Everything but the growing message list, and the list item by item."""
    rest = {k: v for k, v in converted.items() if k != list_key}
    return orjson.dumps(rest), [orjson.dumps(m) for m in converted[list_key]]


CONVERTERS = {
    "openai": (lambda r: openai_request(r, model="m", stream=True), "messages"),
    "anthropic": (lambda r: anthropic_request(r, model="m"), "messages"),
    "gemini": (lambda r: gemini_request(r, model="m"), "contents"),
}


@needs_shared
@pytest.mark.parametrize("kind", sorted(CONVERTERS))
@pytest.mark.parametrize("capture", [p for p in client_captures() if "count_tokens" not in p.name],
                         ids=lambda p: p.stem)
def test_turn_n_plus_1_starts_with_the_exact_bytes_of_turn_n(capture, kind):
    convert, key = CONVERTERS[kind]
    turn_n = billing_header.strip(json.loads(capture.read_text()))
    turn_n1 = billing_header.strip(_next_turn(json.loads(capture.read_text())))
    rest_n, items_n = _prefix_parts(convert(turn_n), key)
    rest_n1, items_n1 = _prefix_parts(convert(turn_n1), key)
    assert rest_n1 == rest_n  # system, tools, settings: byte for byte
    # Every message of turn N is unchanged, byte for byte, and comes first.
    assert items_n1[:len(items_n)] == items_n
    assert len(items_n1) > len(items_n)
    # No per-request ids or timestamps: converting twice gives the same bytes.
    assert orjson.dumps(convert(turn_n)) == orjson.dumps(convert(turn_n))
