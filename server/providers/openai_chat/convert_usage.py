"""Chat Completions usage -> Anthropic usage (translation.md §E.22).

Anthropic counts ``input_tokens`` *excluding* cache reads and writes
(https://docs.anthropic.com/en/api/messages, "usage"), while OpenAI's
``prompt_tokens`` includes ``prompt_tokens_details.cached_tokens``
(https://platform.openai.com/docs/guides/prompt-caching). Sources of cache
numbers, by provider:

* OpenAI / OpenRouter / DeepSeek: ``prompt_tokens_details.cached_tokens``;
* DeepSeek (older responses only have this): ``prompt_cache_hit_tokens``
  (https://api-docs.deepseek.com/api/create-chat-completion);
* OpenRouter: ``prompt_tokens_details.cache_write_tokens``
  (https://openrouter.ai/docs/use-cases/usage-accounting).

``completion_tokens`` already includes ``completion_tokens_details.reasoning_tokens``
(OpenAI counts reasoning as output), which matches Anthropic's ``output_tokens``
including thinking. xAI does not: its ``reasoning_tokens`` come on top of
``completion_tokens`` (``total_tokens`` = prompt + completion + reasoning;
Google Cloud's Grok partner-model page, capabilities/reasoning: reasoning
tokens are reported in ``reasoning_tokens``, separate from
``completion_tokens``), so for profiles with ``reasoning_tokens_outside``
(presets.py: xAI) they are added to ``output_tokens``, unless
``total_tokens`` shows that this response already counts them inside: never
counted twice. Other providers are never changed. Numbers that are absent stay 0: never invented.
"""
from __future__ import annotations

from typing import Any

from server.protocol.events import usage as anthropic_usage


def _int(value: Any) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def find_usage(chunk: dict[str, Any]) -> dict[str, Any] | None:
    """The usage object of a chunk, wherever this provider put it.

    Top-level ``usage`` (OpenAI ``stream_options.include_usage``; ``null`` on
    every other chunk), else Groq's ``x_groq.usage``
    (https://console.groq.com/docs/openai, streaming usage).
    """
    found = chunk.get("usage")
    if isinstance(found, dict) and found:
        return found
    groq = chunk.get("x_groq")
    if isinstance(groq, dict) and isinstance(groq.get("usage"), dict) and groq["usage"]:
        return groq["usage"]
    return None


def reasoning_tokens_outside(usage: dict[str, Any]) -> int:
    """Reasoning tokens that ``completion_tokens`` does not include (0 if included or absent).

    Only for providers known to report them separately; ``total_tokens``,
    when given, decides whether this response really does.
    """
    details = usage.get("completion_tokens_details")
    reasoning = _int(details.get("reasoning_tokens")) if isinstance(details, dict) else 0
    if not reasoning:
        return 0
    total = usage.get("total_tokens")
    if total is not None:
        counted = _int(usage.get("prompt_tokens")) + _int(usage.get("completion_tokens"))
        if _int(total) < counted + reasoning:
            return 0  # the total has no room for them: already inside completion_tokens
    return reasoning


def convert_usage(usage: dict[str, Any], *, reasoning_outside: bool = False) -> dict[str, int]:
    """Anthropic usage with all four fields from a Chat Completions usage object.

    ``reasoning_outside``: the provider's profile says reasoning tokens are
    reported outside ``completion_tokens`` (xAI).
    """
    prompt = _int(usage.get("prompt_tokens"))
    details = usage.get("prompt_tokens_details")
    details = details if isinstance(details, dict) else {}
    # DeepSeek sends both (equal); take the larger so either alone works.
    cache_read = max(_int(details.get("cached_tokens")), _int(usage.get("prompt_cache_hit_tokens")))
    cache_write = _int(details.get("cache_write_tokens")) or _int(usage.get("cache_write_tokens"))
    return anthropic_usage(
        input_tokens=max(prompt - cache_read - cache_write, 0),
        output_tokens=_int(usage.get("completion_tokens"))
        + (reasoning_tokens_outside(usage) if reasoning_outside else 0),
        cache_read=cache_read,
        cache_creation=cache_write,
    )
