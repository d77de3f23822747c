"""Gemini ``usageMetadata`` -> Anthropic ``usage`` (translation.md §E.22).

https://ai.google.dev/api/generate-content#UsageMetadata:
``promptTokenCount`` includes ``cachedContentTokenCount`` (Anthropic's
``input_tokens`` excludes cache reads), and ``candidatesTokenCount`` excludes
``thoughtsTokenCount`` (Anthropic's ``output_tokens`` includes thinking).
Streamed chunks each carry the running totals, so the last one wins; a count
Gemini did not send is 0, never guessed.
"""
from __future__ import annotations

from typing import Any

from server.protocol.events import usage


def _count(meta: dict[str, Any], key: str) -> int:
    value = meta.get(key)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def convert_usage(meta: dict[str, Any] | None) -> dict[str, int]:
    meta = meta or {}
    cached = _count(meta, "cachedContentTokenCount")
    return usage(
        input_tokens=max(_count(meta, "promptTokenCount") - cached, 0),
        output_tokens=_count(meta, "candidatesTokenCount") + _count(meta, "thoughtsTokenCount"),
        cache_read=cached,
    )
