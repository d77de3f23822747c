"""Every request leaves one row, with the usage the client saw (issue 15 §1, §2).

Real HTTP: a fake upstream replays recorded provider answers (OpenAI family,
DeepSeek cache hits, Groq, Ollama, Gemini with thinking, Anthropic
passthrough), a live Switchboard answers, and the test reads the SQLite
file the history thread wrote. Expected numbers are worked out from the
fixtures by hand: cache tokens counted once (not inside input_tokens),
reasoning tokens inside output_tokens, streamed usage from the final event.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import chunks_file_script, json_script, sse_file_script, sse_script
from tests.support.live_server import ACCESS_KEY

from usage_helpers import wait_rows

F = UPSTREAM_FIXTURES
# USD per million tokens, chosen so that each kind of token shows in the cost.
PRICE = {"input": 1.0, "output": 10.0, "cache_read": 0.1, "cache_write": 2.0}


def _cost(i: int, o: int, r: int, w: int) -> float:
    return (i * 1.0 + o * 10.0 + r * 0.1 + w * 2.0) / 1e6


CASES = [
    # (id, provider type, model, script, stream, (input, output, cache_read, cache_write))
    ("openai-stream-usage-chunk", "openai", "gpt-4o",
     lambda: sse_file_script(F / "openai/stream-text-usage-chunk.sse"), True, (14, 30, 0, 0)),
    # prompt 563 of which 512 cached -> 51 input + 512 cache read; 116 output incl. 60 reasoning
    ("deepseek-cache-hit", "openai", "deepseek-reasoner",
     lambda: json_script(json.loads((F / "deepseek/message-reasoning-tool-call-cache-hit.json").read_text())),
     False, (51, 116, 512, 0)),
    ("groq-x_groq-usage", "openai", "llama-3.3-70b-versatile",
     lambda: chunks_file_script(F / "groq/stream-tool-call-single-chunk.chunks.txt"), True, (210, 15, 0, 0)),
    ("ollama", "openai", "qwen3",
     lambda: json_script(json.loads((F / "ollama/message-v1-tool-call-reasoning.json").read_text())),
     False, (206, 194, 0, 0)),
    # final usageMetadata: 34 prompt, 469 candidates + 787 thoughts
    ("gemini-thinking-stream", "gemini", "gemini-2.5-pro",
     lambda: sse_file_script(F / "gemini/stream-thought-summaries-then-text.sse", split=97), True,
     (34, 1256, 0, 0)),
    ("anthropic-passthrough-stream", "anthropic", "claude-sonnet-4",
     lambda: sse_file_script(F / "anthropic/stream-thinking-signature-text.sse", split=113), True,
     (43, 282, 0, 0)),
    ("anthropic-passthrough-json", "anthropic", "claude-sonnet-4",
     lambda: json_script(json.loads((F / "anthropic/message-text.json").read_text())), False, (12, 29, 0, 0)),
    ("anthropic-text-and-tool-use-json", "anthropic", "claude-sonnet-4",
     lambda: json_script(json.loads((F / "anthropic/message-text-and-tool-use.json").read_text())), False,
     (602, 93, 0, 0)),
    ("anthropic-redacted-thinking-stream", "anthropic", "claude-sonnet-4",
     lambda: sse_file_script(F / "anthropic/stream-redacted-thinking-text.sse", split=61), True, (92, 189, 0, 0)),
    ("anthropic-text-then-tool-use-chunks", "anthropic", "claude-sonnet-4",
     lambda: chunks_file_script(F / "anthropic/stream-text-then-tool-use-no-args.chunks.txt", done=False), True,
     (565, 48, 0, 0)),
    ("anthropic-input-json-delta-chunks", "anthropic", "claude-sonnet-4",
     lambda: chunks_file_script(F / "anthropic/stream-tool-use-input-json-delta.chunks.txt", done=False), True,
     (849, 47, 0, 0)),
    ("anthropic-text-chunks", "anthropic", "claude-sonnet-4",
     lambda: chunks_file_script(F / "anthropic/stream-text.chunks.txt", done=False), True, (12, 30, 0, 0)),
    # Anthropic passthrough with prompt caching: the recorded stream with cache
    # numbers put into its message_start (no recorded fixture has cache writes).
    ("anthropic-stream-cache-read-and-write", "anthropic", "claude-sonnet-4",
     lambda: _with_cache(F / "anthropic/stream-thinking-signature-text.sse"), True, (43, 282, 5000, 1200)),
    ("anthropic-json-cache-read-and-write", "anthropic", "claude-sonnet-4",
     lambda: json_script(_json_with_cache(F / "anthropic/message-text.json")), False, (12, 29, 5000, 1200)),
    # prompt 339 of which 320 cached; 83 output incl. 39 reasoning
    ("deepseek-stream-cache-hit", "openai", "deepseek-reasoner",
     lambda: chunks_file_script(F / "deepseek/stream-reasoning-then-tool-call.chunks.txt"), True, (19, 83, 320, 0)),
    ("deepseek-stream-reasoning", "openai", "deepseek-reasoner",
     lambda: sse_file_script(F / "deepseek/stream-reasoning-content.sse"), True, (6, 212, 0, 0)),
    ("openai-finish-length", "openai", "gpt-4o",
     lambda: sse_file_script(F / "openai/stream-finish-length.sse"), True, (79, 1, 0, 0)),
    ("openai-parallel-tool-calls", "openai", "gpt-4o",
     lambda: sse_file_script(F / "openai/stream-parallel-tool-calls.sse"), True, (149, 60, 0, 0)),
    ("openai-refusal", "openai", "gpt-4o",
     lambda: sse_file_script(F / "openai/stream-refusal.sse"), True, (79, 11, 0, 0)),
    ("openai-tool-call-obfuscation", "openai", "gpt-4o",
     lambda: sse_file_script(F / "openai/stream-tool-call-obfuscation.sse"), True, (53, 15, 0, 0)),
    ("openrouter-annotations", "openai", "perplexity/sonar",
     lambda: sse_file_script(F / "openrouter/stream-annotations-duplicate-finish.sse"), True, (2317, 53, 0, 0)),
    ("openrouter-claude-reasoning", "openai", "anthropic/claude-sonnet-4.5",
     lambda: sse_file_script(F / "openrouter/stream-claude-reasoning-details-signature.sse"), True, (43, 36, 0, 0)),
    ("openrouter-o3-reasoning", "openai", "openai/o3",
     lambda: sse_file_script(F / "openrouter/stream-o3-encrypted-reasoning-details.sse"), True, (9, 104, 0, 0)),
    ("gemini-function-call-gemini3", "gemini", "gemini-3-pro-preview",
     lambda: chunks_file_script(F / "gemini/stream-function-call-gemini3.chunks.txt", done=False), True,
     (29, 15 + 804, 0, 0)),
    ("gemini-empty-part-signature", "gemini", "gemini-3-pro-preview",
     lambda: chunks_file_script(F / "gemini/stream-text-empty-part-thought-signature.chunks.txt", done=False), True,
     (9, 23 + 185, 0, 0)),
    ("gemini-function-call-empty-args", "gemini", "gemini-2.5-flash",
     lambda: sse_file_script(F / "gemini/stream-function-call-empty-args.sse"), True, (29, 10 + 202, 0, 0)),
    ("gemini-json-parallel-calls", "gemini", "gemini-3-pro-preview",
     lambda: json_script(json.loads((F / "gemini/generate-content-parallel-calls-first-signed.json").read_text())),
     False, (83, 30 + 190, 0, 0)),
]


def _with_cache(path):
    # message_start and the final message_delta both carry the (cumulative) numbers.
    data = path.read_bytes().replace(b'"cache_creation_input_tokens":0,"cache_read_input_tokens":0',
                                     b'"cache_creation_input_tokens":1200,"cache_read_input_tokens":5000')
    assert data.count(b'"cache_read_input_tokens":5000') == 2
    return sse_script([data[i:i + 97] for i in range(0, len(data), 97)])


def _json_with_cache(path):
    data = json.loads(path.read_text())
    data["usage"].update(cache_creation_input_tokens=1200, cache_read_input_tokens=5000)
    return data


def _config(url: str, kind: str, model: str) -> dict[str, Any]:
    cfg = gateway_config(url, kind=kind)
    cfg["providers"]["up"]["models"] = [model]
    cfg["routes"]["main"]["default"] = f"up/{model}"
    cfg["prices"] = {f"up/{model}": PRICE}
    return cfg


def _post(server: Any, stream: bool, session: str | None = "sess-1") -> Any:
    headers = {"x-claude-code-session-id": session} if session else {}
    r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": stream,
                                     "messages": [{"role": "user", "content": "a secret prompt text"}]},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fixture_usage_and_cost(case, upstream, make_server):
    _id, kind, model, script, stream, (i, o, cr, cw) = case
    server = make_server(_config(upstream.url, kind, model))
    upstream.queue(script())
    body = _post(server, stream).content
    [row] = wait_rows(server.settings.home / "usage.sqlite3", 1)
    assert (row["input_tokens"], row["output_tokens"]) == (i, o)
    assert (row["cache_read_tokens"] or 0, row["cache_write_tokens"] or 0) == (cr, cw)
    assert row["cost_usd"] == pytest.approx(_cost(i, o, cr, cw))
    assert (row["provider"], row["model"], row["route"], row["status"]) == ("up", model, "main", 200)
    assert row["slot"] == "sonnet" or row["slot"] == "default"
    assert row["session_id"] == "sess-1" and row["fallback"] == 0 and row["error_type"] is None
    assert row["latency_ms"] > 0 and 0 <= row["ttft_ms"] <= row["latency_ms"]
    # The client saw the same numbers (streams: the final message_delta).
    text = body.decode()
    assert f'"output_tokens":{o}' in text.replace(" ", "")


def test_no_prompt_or_answer_text_is_stored(upstream, make_server):
    server = make_server(_config(upstream.url, "anthropic", "claude-sonnet-4"))
    upstream.queue(json_script(json.loads((F / "anthropic/message-text.json").read_text())))
    _post(server, False)
    wait_rows(server.settings.home / "usage.sqlite3", 1)
    server.gateway  # noqa: B018
    data = b"".join(p.read_bytes() for p in server.settings.home.glob("usage.sqlite3*"))
    assert b"a secret prompt text" not in data
    answer = json.loads((F / "anthropic/message-text.json").read_text())["content"][0]["text"]
    assert answer[:20].encode() not in data


def test_failure_fallback_slot_and_unknown_price(upstream, make_server):
    """A failed first target, a fallback that answers at an unknown price, a
    request failing everywhere: status, error type, fallback flag, cost."""
    cfg = gateway_config(upstream.url, kind="anthropic")
    cfg["providers"]["up"]["base_url"] = upstream.url
    # A second provider on a non-local address name, priced nowhere.
    cfg["providers"]["far"] = {"type": "anthropic", "base_url": upstream.url.replace("127.0.0.1", "localhost"),
                               "api_key": "k", "models": ["m2"]}
    cfg["routes"]["main"] = {"default": "up/m1", "think": "up/m1", "fallback": ["far/m2"]}
    cfg["prices"] = {"up/m1": PRICE, "far/*": {"input": 1, "output": 1}}
    server = make_server(cfg)
    server.gateway.dispatcher.sleep = _no_wait
    err = {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}
    ok = json.loads((F / "anthropic/message-text.json").read_text())
    # 1: 400 from the first target (not retried) -> recorded as a failure
    upstream.queue(json_script(err, status=400))
    r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 10,
                                     "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400
    # 2: 500 x3 on the first, then the fallback answers (thinking -> the think slot)
    upstream.queue(*(json_script(err, status=500) for _ in range(3)), json_script(ok))
    r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 2000,
                                     "thinking": {"type": "enabled", "budget_tokens": 1024},
                                     "messages": [{"role": "user", "content": "x"}]},
                    headers={"x-claude-code-session-id": "s2"})
    assert r.status_code == 200, r.text
    first, second = wait_rows(server.settings.home / "usage.sqlite3", 2)
    assert (first["status"], first["error_type"], first["cost_usd"]) == (400, "invalid_request_error", 0.0)
    assert first["input_tokens"] is None and first["fallback"] == 0 and first["session_id"] is None
    assert (second["provider"], second["model"], second["fallback"], second["slot"]) == ("far", "m2", 1, "think")
    assert second["cost_usd"] == pytest.approx((12 + 29) / 1e6)


async def _no_wait(_s: float) -> None:
    return None


def test_price_unknown_is_null_not_invented(upstream, make_server, monkeypatch):
    cfg = gateway_config(upstream.url, kind="anthropic")
    cfg["providers"]["up"]["base_url"] = upstream.url.replace("127.0.0.1", "localhost")
    server = make_server(cfg)
    # localhost is this computer: free.
    upstream.queue(json_script(json.loads((F / "anthropic/message-text.json").read_text())))
    _post(server, False)
    [row] = wait_rows(server.settings.home / "usage.sqlite3", 1)
    assert row["cost_usd"] == 0.0


def test_history_off_writes_nothing(upstream, make_server):
    cfg = _config(upstream.url, "anthropic", "claude-sonnet-4")
    cfg["usage"] = {"history": False}
    server = make_server(cfg)
    upstream.queue(json_script(json.loads((F / "anthropic/message-text.json").read_text())))
    _post(server, False)
    import time
    time.sleep(1.2)
    assert wait_rows(server.settings.home / "usage.sqlite3", 1, timeout=0.2) == []


def test_a_stream_the_client_leaves_is_still_recorded(upstream, make_server):
    """Claude Code's Esc: the client hangs up mid-stream; the request still
    leaves its row (with the session id), written from the stream's close."""
    import httpx

    from tests.support.fake_upstream import sse_script

    server = make_server(_config(upstream.url, "anthropic", "claude-sonnet-4"))
    data = (F / "anthropic/stream-thinking-signature-text.sse").read_bytes()
    frames = [f + b"\n\n" for f in data.split(b"\n\n") if f.strip()]
    upstream.queue(sse_script(frames, delay_between_parts=0.2))
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True,
            "messages": [{"role": "user", "content": "x"}]}
    headers = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01", "x-claude-code-session-id": "esc"}
    with httpx.stream("POST", server.url + "/v1/messages", json=body, headers=headers, timeout=10) as r:
        assert r.status_code == 200
        next(r.iter_bytes())
    [row] = wait_rows(server.settings.home / "usage.sqlite3", 1)
    assert row["session_id"] == "esc" and row["input_tokens"] == 43 and row["slot"] in ("sonnet", "default")
