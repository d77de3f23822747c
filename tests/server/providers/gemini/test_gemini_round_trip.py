"""Gemini reply -> client -> next request: thought signatures land where they came from."""
from __future__ import annotations

import json

import pytest

from server.protocol.events import accumulate
from server.providers.gemini.convert_request import convert_request
from server.providers.gemini.stream import GeminiStreamTranslator

from gemini_fixture_io import load_chunks

CASES = [
    ("stream-function-call-empty-args.sse", "gemini-3-pro-preview"),
    ("stream-function-call-gemini3.chunks.txt", "gemini-3-pro-preview"),
    ("generate-content-parallel-calls-first-signed.json", "gemini-3-flash-preview"),
    ("stream-text-empty-part-thought-signature.chunks.txt", "gemini-3-pro-preview"),
    ("stream-thought-summaries-then-text.sse", "gemini-2.5-pro"),
]


def reply_message(chunks):
    t = GeminiStreamTranslator(model="claude-x", message_id="msg_1", provider="gemini")
    events = t.start()
    for c in chunks:
        events += t.feed(c)
    return accumulate(events + t.finish())


def original_parts(chunks):
    return [p for c in chunks for p in c["candidates"][0]["content"]["parts"]]


def next_request(msg):
    """What a client sends next: the reply as history plus a result per call."""
    results = [{"type": "tool_result", "tool_use_id": b["id"], "content": f"result of {b['name']}"}
               for b in msg["content"] if b["type"] == "tool_use"]
    messages = [{"role": "user", "content": "go"},
                {"role": "assistant", "content": msg["content"]}]
    messages.append({"role": "user", "content": results or "thanks"})
    return json.loads(json.dumps({"model": "claude-x", "max_tokens": 100, "messages": messages}))


def signature_positions(parts):
    """(what the part is, its signature) for every non-thought part."""
    out = []
    for p in parts:
        if p.get("thought"):
            continue
        kind = ("call:" + p["functionCall"]["name"]) if "functionCall" in p else "text"
        out.append((kind, p.get("thoughtSignature")))
    return out


@pytest.mark.parametrize("name,model", CASES)
def test_signatures_return_to_their_parts(name, model):
    chunks = load_chunks(name)
    msg = reply_message(chunks)
    body = convert_request(next_request(msg), model=model)
    model_turns = [c for c in body["contents"] if c["role"] == "model"]
    assert len(model_turns) == 1
    sent = model_turns[0]["parts"]
    orig = original_parts(chunks)
    orig_calls = [p for p in orig if "functionCall" in p]
    sent_calls = [p for p in sent if "functionCall" in p]
    # Same calls, same order, same args, same signatures on the same calls.
    assert [(p["functionCall"]["name"], p["functionCall"].get("args", {}), p.get("thoughtSignature"))
            for p in sent_calls] == \
           [(p["functionCall"]["name"], p["functionCall"].get("args", {}), p.get("thoughtSignature"))
            for p in orig_calls]
    if orig_calls:
        # Nothing else in the turn: streamed empty text parts carry nothing.
        assert sent == sent_calls
        responses = [p["functionResponse"] for p in body["contents"][-1]["parts"]]
        assert [r["name"] for r in responses] == [p["functionCall"]["name"] for p in orig_calls]
        assert all(r["response"] == {"output": f"result of {r['name']}"} for r in responses)


def test_parallel_calls_only_first_signed():
    chunks = load_chunks("generate-content-parallel-calls-first-signed.json")
    body = convert_request(next_request(reply_message(chunks)), model="gemini-3-flash-preview")
    calls = body["contents"][1]["parts"]
    sig = original_parts(chunks)[0]["thoughtSignature"]
    assert [p.get("thoughtSignature") for p in calls] == [sig, None, None]
    assert len(body["contents"][2]["parts"]) == 3


def test_text_with_trailing_signed_empty_part_round_trips_exactly():
    chunks = load_chunks("stream-text-empty-part-thought-signature.chunks.txt")
    body = convert_request(next_request(reply_message(chunks)), model="gemini-3-pro-preview")
    orig = original_parts(chunks)
    assert body["contents"][1]["parts"] == [
        {"text": orig[0]["text"] + orig[1]["text"]},
        {"text": "", "thoughtSignature": orig[2]["thoughtSignature"]},
    ]
    assert body["contents"][2] == {"role": "user", "parts": [{"text": "thanks"}]}


def test_thought_summaries_are_not_sent_back_but_the_text_signature_is():
    chunks = load_chunks("stream-thought-summaries-then-text.sse")
    body = convert_request(next_request(reply_message(chunks)), model="gemini-2.5-pro")
    orig = original_parts(chunks)
    first_text = next(p for p in orig if not p.get("thought"))
    parts = body["contents"][1]["parts"]
    assert len(parts) == 1
    assert parts[0]["thoughtSignature"] == first_text["thoughtSignature"]
    assert parts[0]["text"] == "".join(p["text"] for p in orig if not p.get("thought"))
    assert signature_positions(parts) == [("text", first_text["thoughtSignature"])]
