"""Message and tool-use ids in Anthropic's format.

Anthropic requires tool_use ids to match ``^[a-zA-Z0-9_-]+$`` (clients echo them
back in tool_result.tool_use_id). Upstream ids that already match are passed
through unchanged; others (e.g. Kimi's ``functions.get_weather:0``) are
encoded reversibly so the next request can hand the provider its own id back
without Switchboard keeping any state (translation.md §C.15).
"""
from __future__ import annotations

import re
import secrets

_VALID = re.compile(r"^[a-zA-Z0-9_-]+$")
_ENCODED_PREFIX = "toolu_sbx_"


def message_id() -> str:
    return "msg_" + secrets.token_hex(12)


def new_tool_id() -> str:
    return "toolu_" + secrets.token_hex(12)


def to_client_tool_id(upstream_id: str | None) -> str:
    """The id to show the client for an upstream tool call id."""
    if not upstream_id:
        return new_tool_id()
    if _VALID.match(upstream_id) and not upstream_id.startswith(_ENCODED_PREFIX):
        return upstream_id
    return _ENCODED_PREFIX + upstream_id.encode("utf-8").hex()


def to_upstream_tool_id(client_id: str) -> str:
    """Undo :func:`to_client_tool_id` for a tool id the client sent back."""
    if client_id.startswith(_ENCODED_PREFIX):
        try:
            return bytes.fromhex(client_id[len(_ENCODED_PREFIX):]).decode("utf-8")
        except ValueError:
            return client_id
    return client_id


def sanitize_tool_id(tool_id: str) -> str:
    """A tool id Anthropic accepts, for ids that came from elsewhere."""
    if _VALID.match(tool_id):
        return tool_id
    return _ENCODED_PREFIX + tool_id.encode("utf-8").hex()
