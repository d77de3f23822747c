"""One exception tree; each class knows its HTTP status and Anthropic error type.

Every error Switchboard returns is rendered from these by a single handler
(server/app.py) in Anthropic's shape:
    {"type": "error", "error": {"type": ..., "message": ...}}
See https://docs.anthropic.com/en/api/errors for the status -> type table.
Messages must never carry a key, a header value or a stack trace.
"""
from __future__ import annotations

import re
from typing import Any

# Anthropic's documented HTTP status -> error type table (translation.md §I.36).
_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def error_type_for_status(status: int) -> str:
    if status in _TYPE_BY_STATUS:
        return _TYPE_BY_STATUS[status]
    if 400 <= status < 500:
        return "invalid_request_error"
    return "api_error"


class SwitchboardError(Exception):
    """Base class: an error the client sees in Anthropic's shape."""

    status: int = 500
    error_type: str = "api_error"
    final: bool = False  # True: retrying cannot help (server/dispatch.py)
    next_target: bool = False  # True: not retried on this target; the fallback is tried

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
            if error_type is None:
                self.error_type = error_type_for_status(status)
        if error_type is not None:
            self.error_type = error_type
        self.headers = dict(headers or {})
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.details:
            error["details"] = self.details
        return {"type": "error", "error": error}

    def __repr__(self) -> str:  # never includes anything but our own message
        return f"{type(self).__name__}({self.status}, {self.message!r})"


class InvalidRequest(SwitchboardError):
    status = 400
    error_type = "invalid_request_error"


class AuthenticationFailed(SwitchboardError):
    status = 401
    error_type = "authentication_error"


class PermissionDenied(SwitchboardError):
    status = 403
    error_type = "permission_error"


class NotFound(SwitchboardError):
    status = 404
    error_type = "not_found_error"


class RequestTooLarge(SwitchboardError):
    status = 413
    error_type = "request_too_large"


class RateLimited(SwitchboardError):
    status = 429
    error_type = "rate_limit_error"


class ApiError(SwitchboardError):
    status = 500
    error_type = "api_error"


class Overloaded(SwitchboardError):
    status = 529
    error_type = "overloaded_error"


class UpstreamError(SwitchboardError):
    """The provider answered with an error status; status and type follow it."""

    def __init__(
        self,
        provider: str,
        status: int,
        message: str,
        *,
        retry_after: str | None = None,
        code: str = "",
    ) -> None:
        # The upstream's machine-readable error code/type ("insufficient_quota"):
        # how a quota error is told from a rate limit (server/key_pool.py).
        self.code = code
        text = f"{provider}: {message}" if message else f"{provider} returned HTTP {status}"
        if is_context_length_message(message):
            # Claude Code compacts the conversation on exactly this prefix and
            # retries 5xx instead (translation.md §I.39).
            status = 400
            text = f"prompt is too long: {text}"
        # The upstream's value goes into our own response header: printable ASCII only.
        ok = retry_after and len(retry_after) <= 64 and retry_after.isascii() and retry_after.isprintable()
        headers = {"retry-after": retry_after} if ok else None
        super().__init__(text, status=status, headers=headers)
        self.provider = provider


class KeysExhausted(SwitchboardError):
    """Every key of a provider is resting (rate limited, out of quota or
    refused): the next target is tried; the message names the keys (never
    their values) and what to do."""

    next_target = True


class ConnectionFailed(ApiError):
    """The provider could not be reached at all (refused, DNS, TLS, timeout)."""

    def __init__(self, provider: str, reason: str = "") -> None:
        msg = f"Failed to connect to provider {provider}"
        if reason:
            msg += f" ({reason})"
        super().__init__(msg)
        self.provider = provider


class AnswerTooLarge(ApiError):
    """The upstream's answer is larger than Switchboard will hold; asking again
    would bring the same answer, so it is not retried."""

    final = True


class StreamInterrupted(ApiError):
    """The upstream stream broke after the first byte reached the client."""


class UpstreamProtocolError(ApiError):
    """The upstream sent something that is not the protocol it claims to speak."""


_CONTEXT_MARKERS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "too many tokens",
    "prompt is too long",
    "input is too long",
    "exceeds the maximum number of tokens",
    "reduce the length of the messages",
    "exceeds the available context size",  # llama.cpp llama-server (exceed_context_size_error)
)


def is_context_length_message(message: str) -> bool:
    low = (message or "").lower()
    return any(marker in low for marker in _CONTEXT_MARKERS)


_WINDOW = 12  # characters of a key that identify it when an upstream quotes part of it


def scrub_secret(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` in any form an upstream may echo.

    The exact key, and any token holding a 12-character piece of it (a key
    quoted truncated, or without its prefix, or inside other text) become
    ``[redacted]``.
    """
    if not secret or not text:
        return text
    if secret in text:
        text = text.replace(secret, "[redacted]")
    if len(secret) < _WINDOW + 4:
        return text
    for i in range(len(secret) - _WINDOW + 1):
        piece = secret[i:i + _WINDOW]
        if piece in text:
            text = re.sub(r"\S*" + re.escape(piece) + r"\S*", "[redacted]", text)
    return text
