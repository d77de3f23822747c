"""Upstream error bodies -> Switchboard errors (translation.md §I.36-39).

Where compatible providers put the human-readable message:

* OpenAI and most compatibles: ``{"error": {"message", "type", "code"}}``
  (https://platform.openai.com/docs/guides/error-codes);
* OpenRouter: ``error.message`` is generic ("Provider returned error"), the
  real text is ``error.metadata.raw`` with ``metadata.provider_name``
  (https://openrouter.ai/docs/api-reference/errors; fixture
  openrouter/error-429-rate-limit.json);
* FastAPI-style servers (vLLM, some proxies): ``{"detail": str | [{"msg"}]}``;
* others: ``{"message": ...}`` or ``{"error": "text"}``;
* mid-stream (Groq ``event: error``, OpenRouter error chunks): the same
  ``error`` object inside a chunk, with the status in ``status_code`` or
  ``code`` (fixture groq/stream-midstream-error-event.sse).

The status decides the Anthropic error type (server/errors.py); a
context-length message becomes ``prompt is too long`` there (§I.39).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from server.errors import SwitchboardError, UpstreamError

MAX_MESSAGE = 1000

# Key-shaped tokens some providers echo back ("Incorrect API key provided: sk-...").
_KEYLIKE = re.compile(r"\b(sk|rk|gsk|xai|pk|or)-[A-Za-z0-9_\-]{8,}")


def _clean(text: str) -> str:
    text = _KEYLIKE.sub(lambda m: m.group(1) + "-***", text.strip())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "..."
    return text


def _from_detail(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        msgs = [str(d.get("msg")) for d in detail if isinstance(d, dict) and d.get("msg")]
        if msgs:
            return "; ".join(msgs)
    return orjson.dumps(detail).decode() if detail is not None else ""


def extract_message(payload: Any) -> str:
    """The upstream's own error text from a parsed body or chunk ('' if none)."""
    if not isinstance(payload, dict):
        return payload if isinstance(payload, str) else ""
    error = payload.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        metadata = error.get("metadata")
        if isinstance(metadata, dict) and metadata.get("raw"):
            raw = metadata["raw"]
            raw = raw if isinstance(raw, str) else orjson.dumps(raw).decode()
            who = metadata.get("provider_name")
            head = f"{message} ({who})" if who and message else message or (who or "")
            return f"{head}: {raw}" if head else raw
        if message:
            return message
        if error.get("code"):
            return str(error["code"])
    if "detail" in payload:
        return _from_detail(payload["detail"])
    if isinstance(payload.get("message"), str):
        return payload["message"]
    return ""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for key, val in headers.items():
            if key.lower() == name:
                return val
    return value


def _retry_after(headers: Mapping[str, str]) -> str | None:
    value = _header(headers, "retry-after")
    if value:
        return value.strip()
    ms = _header(headers, "retry-after-ms")
    if ms:
        try:
            return str(max(1, round(float(ms) / 1000)))
        except ValueError:
            return None
    return None


def map_error(provider: str, status: int, body: bytes, headers: Mapping[str, str]) -> SwitchboardError:
    """The error to return for an upstream non-2xx answer."""
    message = ""
    code = ""
    try:
        payload = orjson.loads(body) if body else None
        message = extract_message(payload)
        code = _code(payload)
    except orjson.JSONDecodeError:
        text = body[: MAX_MESSAGE * 4].decode("utf-8", errors="replace").strip()
        # An HTML error page (proxy, CDN) says nothing useful and can be huge.
        if text and not text.lstrip().startswith("<"):
            message = text
    return UpstreamError(provider, status, _clean(message), retry_after=_retry_after(headers or {}), code=code)


def _code(payload: Any) -> str:
    """The error's machine-readable code or type ("insufficient_quota")."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return ""
    for name in ("code", "type"):
        if isinstance(error.get(name), str) and error[name]:
            return error[name][:100]
    return ""


def chunk_error(provider: str, payload: dict[str, Any]) -> SwitchboardError:
    """The error for an error payload received inside a 200 stream."""
    error = payload.get("error") if isinstance(payload.get("error"), dict) else payload
    status = 500
    for key in ("status_code", "status", "code"):
        value = error.get(key) if isinstance(error, dict) else None
        if isinstance(value, int) and 400 <= value <= 599:
            status = value
            break
    else:
        if isinstance(payload.get("status_code"), int):
            status = payload["status_code"]
    return UpstreamError(provider, status, _clean(extract_message(payload)) or "stream error")
