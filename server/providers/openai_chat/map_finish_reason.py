"""Chat Completions ``finish_reason`` -> Anthropic ``stop_reason`` (translation.md §E.21).

OpenAI documents ``stop``, ``length``, ``tool_calls``, ``content_filter`` and the
deprecated ``function_call``
(https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices).
Compatible servers add their own (``eos`` from some local servers,
``max_tokens`` / ``refusal`` echoing Anthropic names via OpenRouter's
``native_finish_reason``); anything unknown is treated like ``stop``.

``stop`` after tool calls becomes ``tool_use``: several providers (Gemini's
OpenAI endpoint, Ollama, llama.cpp) finish tool-calling turns with ``stop``,
and a client that sees ``end_turn`` would not run the tools.

``error`` is not a stop reason: the stream translator turns it into an error
event (§A.9) before this function is reached.
"""
from __future__ import annotations

_MAP = {
    "length": "max_tokens",
    "max_tokens": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "tool_use": "tool_use",
    "content_filter": "refusal",
    "refusal": "refusal",
}


def map_finish_reason(reason: str | None, *, saw_tool_use: bool) -> str:
    mapped = _MAP.get(reason or "")
    if mapped is not None:
        return mapped
    # "stop", "eos", "end_turn", None, anything else: the model ended its turn.
    return "tool_use" if saw_tool_use else "end_turn"
