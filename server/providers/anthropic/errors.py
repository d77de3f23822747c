"""Errors from Anthropic-compatible upstreams.

Anthropic's own body is ``{"type":"error","error":{"type","message"}}``
(https://docs.anthropic.com/en/api/errors); compatible servers (DeepSeek,
Kimi, GLM, OpenRouter, llama.cpp) mostly follow it, some answer OpenAI-style
``{"error":{"message"}}`` or ``{"detail": ...}``. The status decides the
type (translation.md §I.36); the message is the upstream's own, prefixed
with the provider's name.
"""
from __future__ import annotations

from typing import Any, Mapping

import orjson

from server.errors import SwitchboardError, UpstreamError

_MAX_MESSAGE = 1000


def extract_message(body: bytes) -> str:
    """The human-readable message inside an upstream error body."""
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", errors="replace").strip()
        return text[:_MAX_MESSAGE] if text and "<html" not in text.lower() else ""
    message = ""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            meta = err.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("raw"), str):
                message = meta["raw"]  # OpenRouter: the provider's own words
            elif isinstance(err.get("message"), str):
                message = err["message"]
        elif isinstance(err, str):
            message = err
        if not message and isinstance(data.get("detail"), str):
            message = data["detail"]
        if not message and isinstance(data.get("message"), str):
            message = data["message"]
    return message[:_MAX_MESSAGE]


def map_error(provider: str, status: int, body: bytes, headers: Mapping[str, str]) -> SwitchboardError:
    retry_after = headers.get("retry-after")
    return UpstreamError(provider, status, extract_message(body), retry_after=retry_after)
