"""Real Claude Code request bodies, replayed through the running server.

The captures (2.1.197 and 2.1.332) live in ../shared/fixtures/clients and are
read from there. Each goes through both provider types: translated to Chat
Completions (checked field by field upstream) and passed through to an
Anthropic-compatible server (checked to arrive unchanged but for the model).
"""
from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import UPSTREAM_FIXTURES, client_captures, gateway_config, needs_shared
from tests.support.fake_upstream import json_script, sse_file_script, sse_script

pytestmark = needs_shared

# Exactly what Claude Code sends with a model call (clients.md).
CC_HEADERS = {
    "anthropic-version": "2023-06-01",
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,"
                      "fine-grained-tool-streaming-2025-05-14,some-future-beta-2027-01-01",
    "user-agent": "claude-cli/2.1.332 (external, cli)",
    "x-app": "cli",
}
# Anthropic's recorded text stream, as the event:+data: frames the API sends.
ANTHROPIC_TEXT_FRAMES = [
    f"event: {json.loads(line)['type']}\ndata: {line}\n\n".encode()
    for line in (UPSTREAM_FIXTURES / "anthropic" / "stream-text.chunks.txt").read_text().splitlines()
    if line.strip()
]
MESSAGE_CAPTURES = [p for p in client_captures() if "count_tokens" not in p.name]


def post_capture(server, body, *, path="/v1/messages?beta=true", auth="x-api-key"):
    from tests.support.live_server import ACCESS_KEY

    headers = dict(CC_HEADERS)
    if auth == "x-api-key":
        headers["x-api-key"] = ACCESS_KEY
    else:
        headers["authorization"] = f"Bearer {ACCESS_KEY}"
    return httpx.post(server.url + path, json=body, headers=headers, timeout=30)


def frames(text):
    out = []
    for frame in text.strip().split("\n\n"):
        name, data = frame.split("\n", 1)
        out.append((name[7:], json.loads(data[6:])))
    return out


def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def count_blocks(body, btype):
    return sum(1 for m in body["messages"] if isinstance(m["content"], list)
               for b in m["content"] if b.get("type") == btype)


COMPLETION = {"id": "c", "object": "chat.completion", "created": 1, "model": "m1",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "Done."},
                           "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 20000, "completion_tokens": 2, "total_tokens": 20002}}


@pytest.mark.parametrize("capture", MESSAGE_CAPTURES, ids=lambda p: p.stem)
@pytest.mark.parametrize("auth,stream", [("x-api-key", True), ("bearer", True), ("x-api-key", False)])
def test_capture_translated_to_chat_completions(capture, auth, stream, upstream, make_server):
    body = json.loads(capture.read_text())
    # Claude Code falls back to the same body with stream false (clients.md).
    body["stream"] = stream
    server = make_server(gateway_config(upstream.url))
    if stream:
        upstream.queue(sse_file_script(UPSTREAM_FIXTURES / "openai" / "stream-text-usage-chunk.sse", split=50))
    else:
        upstream.queue(json_script(COMPLETION))
    r = post_capture(server, body, auth=auth)
    assert r.status_code == 200, r.text[:500]
    sent = upstream.requests[-1].json
    assert sent["model"] == "m1"
    # Nothing Anthropic-only leaks upstream.
    for key in ("context_management", "output_config", "safeguards", "metadata", "thinking", "system"):
        assert key not in sent
    assert not any(isinstance(v, dict) and "cache_control" in v for v in walk(sent))
    # The system prompt (all three blocks) and role:system messages become one
    # leading system message; no other system message remains.
    assert sent["messages"][0]["role"] == "system"
    system_text = sent["messages"][0]["content"]
    system_text = system_text if isinstance(system_text, str) else "".join(p["text"] for p in system_text)
    for block in body["system"]:
        if block["text"].startswith("x-anthropic-billing-header:"):
            # Claude Code's per-conversation billing line would bust the
            # provider's prompt cache: it never goes upstream (issue 21).
            assert block["text"] not in system_text
            assert "x-anthropic-billing-header" not in json.dumps(sent)
        else:
            assert block["text"] in system_text
    assert [m["role"] for m in sent["messages"][1:]].count("system") == 0
    # Every tool_result becomes exactly one role:tool message, right after the
    # assistant message whose tool_calls it answers.
    assert sum(1 for m in sent["messages"] if m["role"] == "tool") == count_blocks(body, "tool_result")
    for i, m in enumerate(sent["messages"]):
        if m["role"] == "tool":
            j = i - 1
            while sent["messages"][j]["role"] == "tool":
                j -= 1
            ids = [c["id"] for c in sent["messages"][j].get("tool_calls", [])]
            assert m["tool_call_id"] in ids
    # Tools: functions only, never deferred placeholders or server tools.
    names = [t["function"]["name"] for t in sent.get("tools", [])]
    for tool in body["tools"]:
        if tool.get("defer_loading"):
            referenced = json.dumps(body["messages"]).count(f'"tool_name": "{tool["name"]}"') \
                + json.dumps(body["messages"]).count(f'"tool_name":"{tool["name"]}"')
            assert (tool["name"] in names) == bool(referenced)
        elif tool.get("type") in (None, "custom"):
            assert tool["name"] in names
    if body.get("stream"):
        assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
        evs = frames(r.text)
        assert evs[0][0] == "message_start" and evs[-1][0] == "message_stop"
        assert evs[0][1]["message"]["model"] == body["model"]
    else:
        assert "stream_options" not in sent and not sent.get("stream")
        assert r.json()["model"] == body["model"]
        assert r.json()["content"] == [{"type": "text", "text": "Done."}]


@pytest.mark.parametrize("capture", MESSAGE_CAPTURES, ids=lambda p: p.stem)
def test_capture_passed_through_to_anthropic_compatible(capture, upstream, make_server):
    body = json.loads(capture.read_text())
    server = make_server(gateway_config(upstream.url, kind="anthropic"))
    if body.get("stream"):
        upstream.queue(sse_script(ANTHROPIC_TEXT_FRAMES))
    else:
        upstream.queue(json_script(json.loads((UPSTREAM_FIXTURES / "anthropic" / "message-text.json").read_text())))
    r = post_capture(server, body)
    assert r.status_code == 200, r.text[:500]
    sent = upstream.requests[-1]
    # Unchanged but for the model and Claude Code's billing line (issue 21).
    system = [b for b in body["system"] if not b["text"].startswith("x-anthropic-billing-header:")]
    assert sent.json == {**body, "model": "m1", "system": system}
    assert b"x-anthropic-billing-header" not in sent.body
    assert sent.headers["anthropic-beta"] == CC_HEADERS["anthropic-beta"]
    assert sent.headers["x-api-key"] == "upstream-secret-key-123"


@pytest.mark.parametrize("capture", [p for p in MESSAGE_CAPTURES if "v332" in p.name], ids=lambda p: p.stem)
def test_capture_billing_line_kept_when_the_provider_asks(capture, upstream, make_server):
    body = json.loads(capture.read_text())
    config = gateway_config(upstream.url, kind="anthropic")
    config["providers"]["up"]["keep_billing_header"] = True
    server = make_server(config)
    upstream.queue(sse_script(ANTHROPIC_TEXT_FRAMES) if body.get("stream") else
                   json_script(json.loads((UPSTREAM_FIXTURES / "anthropic" / "message-text.json").read_text())))
    r = post_capture(server, body)
    assert r.status_code == 200, r.text[:500]
    assert upstream.requests[-1].json == {**body, "model": "m1"}


@pytest.mark.parametrize("capture", client_captures(), ids=lambda p: p.stem)
def test_capture_count_tokens(capture, upstream, make_server):
    body = json.loads(capture.read_text())
    body.pop("stream", None)
    for key in ("max_tokens", "metadata", "context_management", "output_config"):
        body.pop(key, None)
    server = make_server(gateway_config(upstream.url))
    r = post_capture(server, body, path="/v1/messages/count_tokens?beta=true")
    assert r.status_code == 200, r.text
    n = r.json()["input_tokens"]
    size = len(capture.read_bytes())
    # clients.md: 50-115 KB first turns hold 12k-29k tokens; JSON schemas and
    # prose run 3-5 bytes per token.
    assert size / 8 < n < size / 2, (size, n)
    assert not upstream.requests  # counted locally, nothing sent upstream
