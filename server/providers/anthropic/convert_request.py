"""The passthrough request: the client's body with the model rewritten.

Before forwarding (translation.md §H.35): thinking blocks carrying a
Switchboard-minted or wrapped signature are removed (Anthropic rejects
signatures it did not issue; they came from another provider earlier in the
conversation), and tool ids are made to match ``^[a-zA-Z0-9_-]+$``.
"""
from __future__ import annotations

from typing import Any

from server.protocol import signatures
from server.protocol.ids import sanitize_tool_id


def _foreign(block: dict[str, Any]) -> bool:
    btype = block.get("type")
    if btype == "thinking":
        return signatures.is_minted(block.get("signature")) or not block.get("signature")
    if btype == "redacted_thinking":
        return signatures.is_minted(block.get("data"))
    return False


def convert_request(request: dict[str, Any], *, model: str) -> dict[str, Any]:
    body = dict(request)
    body["model"] = model
    messages = request["messages"]
    new_messages = None
    for i, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        fixed = _fix_blocks(content)
        if fixed is not content:
            if new_messages is None:
                new_messages = list(messages)
            new_messages[i] = {**message, "content": fixed}
    if new_messages is not None:
        body["messages"] = new_messages
    return body


def _fix_blocks(content: list[Any]) -> list[Any]:
    """The same list when nothing needs fixing (the common, fast case)."""
    out: list[Any] | None = None
    for j, block in enumerate(content):
        new = block
        if _foreign(block):
            new = None
        elif block.get("type") == "tool_use" and sanitize_tool_id(block["id"]) != block["id"]:
            new = {**block, "id": sanitize_tool_id(block["id"])}
        elif block.get("type") == "tool_result" and sanitize_tool_id(block["tool_use_id"]) != block["tool_use_id"]:
            new = {**block, "tool_use_id": sanitize_tool_id(block["tool_use_id"])}
        if new is not block and out is None:
            out = list(content[:j])
        if out is not None and new is not None:
            out.append(new)
    if out is None:
        return content
    if not out:
        # A message whose only content was foreign thinking must not be empty.
        out = [{"type": "text", "text": "(thinking omitted)"}]
    return out
