"""Gemini error bodies -> Switchboard errors (translation.md §I.36-38).

Gemini answers errors in Google's standard shape
(https://ai.google.dev/api/rest/v1beta/Status, https://google.aip.dev/193):

    {"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED",
               "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": "34.4s"}]}}

Streaming endpoints sometimes wrap it in a one-element list. The message
keeps Google's status name (it tells the user *which* limit or check hit);
``RetryInfo.retryDelay`` (a protobuf Duration string) becomes ``retry-after``
in whole seconds, rounded up, so clients never retry too early.
"""
from __future__ import annotations

import math
import re
from typing import Any, Mapping

import orjson

from server.errors import SwitchboardError, UpstreamError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
_MAX_TEXT = 500


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    try:
        value = headers.get(name)  # httpx.Headers is case-insensitive
    except AttributeError:
        value = None
    if value is None and isinstance(headers, Mapping):
        for key, val in headers.items():
            if str(key).lower() == name:
                return str(val)
    return None if value is None else str(value)


def retry_after_from(error: dict[str, Any]) -> str | None:
    """Seconds to wait, from a google.rpc.RetryInfo detail, as a header value."""
    for detail in error.get("details") or []:
        if not isinstance(detail, dict) or not str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            continue
        match = _DURATION.match(str(detail.get("retryDelay", "")))
        if match:
            return str(max(math.ceil(float(match.group(1))), 0))
    return None


def error_object(parsed: Any) -> dict[str, Any] | None:
    """The ``error`` object of a Gemini error body (plain or list-wrapped)."""
    if isinstance(parsed, list) and parsed:
        parsed = parsed[0]
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return parsed["error"]
    return None


def message_of(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "").strip()
    status = str(error.get("status") or "").strip()
    if status and message:
        return f"{message} ({status})"
    return message or status


def error_from_object(provider: str, status: int, error: dict[str, Any],
                      retry_after: str | None = None) -> UpstreamError:
    return UpstreamError(provider, status, message_of(error),
                         retry_after=retry_after_from(error) or retry_after)


def map_error(provider: str, status: int, body: bytes, headers: Any = None) -> SwitchboardError:
    """The Switchboard error for a non-2xx Gemini response."""
    header_retry = _header(headers, "retry-after")
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    error = error_object(parsed)
    if error is not None:
        return error_from_object(provider, status, error, header_retry)
    text = body.decode("utf-8", errors="replace").strip() if body else ""
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + "…"
    return UpstreamError(provider, status, text, retry_after=header_retry)
