"""The passthrough request: foreign thinking stripped, tool ids sanitised."""
from __future__ import annotations

from server.protocol import signatures
from server.providers.anthropic.convert_request import convert_request

REAL_SIG = "EqQBCkYIBhgCIkBrealAnthropicSignature=="


def test_untouched_request_keeps_its_lists():
    req = {"model": "claude-x", "max_tokens": 5,
           "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    out = convert_request(req, model="upstream-model")
    assert out["model"] == "upstream-model" and req["model"] == "claude-x"
    assert out["messages"] is req["messages"]  # nothing copied on the fast path


def test_minted_and_unsigned_thinking_are_stripped_real_kept():
    minted = signatures.mint("oa")
    req = {"model": "m", "max_tokens": 5, "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "deepseek thoughts", "signature": minted},
            {"type": "redacted_thinking", "data": signatures.mint("or", b"enc")},
            {"type": "thinking", "thinking": "claude thoughts", "signature": REAL_SIG},
            {"type": "thinking", "thinking": "unsigned", "signature": ""},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
            {"type": "text", "text": "answer"}]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "only", "signature": minted}]},
    ]}
    out = convert_request(req, model="m")
    kept = out["messages"][1]["content"]
    assert [b["type"] for b in kept] == ["thinking", "redacted_thinking", "text"]
    assert kept[0]["signature"] == REAL_SIG
    assert out["messages"][2]["content"] == [{"type": "text", "text": "(thinking omitted)"}]
    assert len(req["messages"][1]["content"]) == 6  # the client's body is not mutated


def test_foreign_tool_ids_are_sanitised_consistently():
    req = {"model": "m", "max_tokens": 5, "messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "functions.get:0", "name": "get", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "functions.get:0", "content": "ok"}]},
    ]}
    out = convert_request(req, model="m")
    new_id = out["messages"][0]["content"][0]["id"]
    assert new_id == out["messages"][1]["content"][0]["tool_use_id"]
    assert all(c.isalnum() or c in "_-" for c in new_id)
