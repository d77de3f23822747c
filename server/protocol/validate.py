"""Validation of inbound Anthropic Messages requests.

Every malformed request gets a 400 ``invalid_request_error`` whose message
names the field (``messages.2.content.0.source.data: ...``), never a 500
further down. Fields are checked against the Messages API reference
(https://docs.anthropic.com/en/api/messages). Unknown top-level fields and
unknown content block types are accepted: new API features must not turn
into 400s (clients.md: Claude Code sends fields such as ``context_management``
and ``safeguards``; converters drop what they cannot translate).
"""
from __future__ import annotations

import binascii
import contextlib
from typing import Any, Iterator

import orjson

from server.errors import InvalidRequest

ROLES = ("user", "assistant", "system")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
TOOL_CHOICES = ("auto", "any", "tool", "none")
THINKING_TYPES = ("enabled", "disabled", "adaptive")


MAX_MODEL_LENGTH = 256
# Nesting Switchboard forwards. Its JSON encoder (orjson) stops at 255 levels
# for the whole body, and conversions wrap tool schemas a few levels deeper.
MAX_DEPTH = 200


def _fail(field: str, problem: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {problem}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_thread(body: dict[str, Any]) -> None:
    # The SDK's server-side threads beta: a server that keeps no threads must
    # say so with this code, so the SDK retries without (clients.md).
    if body.get("thread") is not None:
        raise InvalidRequest(
            "thread: server-side threads are not supported by this server",
            details={"error_code": "thread_unsupported_request"},
        )


def validate_messages_request(body: Any, *, count_tokens: bool = False) -> dict[str, Any]:
    """Check a /v1/messages (or count_tokens) body; return it unchanged."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object")
    validate_thread(body)
    model = body.get("model")
    if model is None:
        raise InvalidRequest("model is required")
    if not isinstance(model, str) or not model.strip():
        raise _fail("model", "must be a non-empty string")
    if len(model) > MAX_MODEL_LENGTH:
        raise _fail("model", f"must be at most {MAX_MODEL_LENGTH} characters long")
    if not model.isprintable():
        # A newline, NUL or DEL would forge log lines and break headers (issue 14 §8).
        raise _fail("model", "must not contain control characters (such as a newline, tab or NUL)")
    if "messages" not in body or body["messages"] is None:
        raise InvalidRequest("messages is required")
    _messages(body["messages"])
    if not count_tokens:
        if "max_tokens" not in body or body["max_tokens"] is None:
            raise InvalidRequest("max_tokens is required")
        if not _is_int(body["max_tokens"]) or body["max_tokens"] < 1:
            raise _fail("max_tokens", "must be a whole number of at least 1")
        if "stream" in body and not isinstance(body["stream"], bool):
            raise _fail("stream", "must be true or false")
    if "system" in body and body["system"] is not None:
        _system(body["system"])
    if body.get("tools") is not None:
        _tools(body["tools"])
    if body.get("tool_choice") is not None:
        _tool_choice(body["tool_choice"])
    if body.get("thinking") is not None:
        _thinking(body["thinking"], body.get("max_tokens"))
    _sampling(body)
    if body.get("metadata") is not None:
        meta = body["metadata"]
        if not isinstance(meta, dict):
            raise _fail("metadata", "must be an object")
        if meta.get("user_id") is not None and not isinstance(meta["user_id"], str):
            raise _fail("metadata.user_id", "must be a string")
    return body


def _messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise _fail("messages", "must be a list of messages")
    if not messages:
        raise _fail("messages", "must contain at least one message")
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        if not isinstance(message, dict):
            raise _fail(where, "each message must be an object with role and content")
        role = message.get("role")
        if role is None:
            raise _fail(f"{where}.role", "is required")
        if role not in ROLES:
            raise _fail(f"{where}.role", f"unknown role {str(role)[:40]!r}; use 'user' or 'assistant'")
        if "content" not in message:
            raise _fail(f"{where}.content", "is required")
        _content(message["content"], f"{where}.content")


def _content(content: Any, where: str) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _fail(where, "must be a string or a list of content blocks")
    for j, block in enumerate(content):
        _block(block, f"{where}.{j}")


def _block(block: Any, where: str) -> None:
    if not isinstance(block, dict):
        raise _fail(where, "each content block must be an object")
    btype = block.get("type")
    if not isinstance(btype, str) or not btype:
        raise _fail(f"{where}.type", "is required (a string such as 'text')")
    if btype == "text":
        if not isinstance(block.get("text"), str):
            raise _fail(f"{where}.text", "must be a string")
    elif btype in ("image", "document"):
        _source(block.get("source"), f"{where}.source", btype)
    elif btype == "tool_use":
        if not isinstance(block.get("id"), str) or not block["id"]:
            raise _fail(f"{where}.id", "must be a non-empty string")
        if not isinstance(block.get("name"), str) or not block["name"]:
            raise _fail(f"{where}.name", "must be a non-empty string")
        if "input" in block and not isinstance(block["input"], dict):
            raise _fail(f"{where}.input", "must be an object")
    elif btype == "tool_result":
        if not isinstance(block.get("tool_use_id"), str) or not block["tool_use_id"]:
            raise _fail(f"{where}.tool_use_id", "must be a non-empty string")
        inner = block.get("content")
        if inner is not None:
            _content(inner, f"{where}.content")
        if "is_error" in block and not isinstance(block["is_error"], bool):
            raise _fail(f"{where}.is_error", "must be true or false")
    elif btype == "thinking":
        if not isinstance(block.get("thinking"), str):
            raise _fail(f"{where}.thinking", "must be a string")
        if "signature" in block and not isinstance(block["signature"], str):
            raise _fail(f"{where}.signature", "must be a string")
    elif btype == "redacted_thinking":
        if not isinstance(block.get("data"), str):
            raise _fail(f"{where}.data", "must be a string")


def _source(source: Any, where: str, btype: str) -> None:
    if not isinstance(source, dict):
        raise _fail(where, "is required (an object with type base64, url or text)")
    stype = source.get("type")
    if stype == "base64":
        media = source.get("media_type")
        if btype == "image" and media not in IMAGE_TYPES:
            raise _fail(f"{where}.media_type", f"must be one of {', '.join(IMAGE_TYPES)}")
        if btype == "document" and not isinstance(media, str):
            raise _fail(f"{where}.media_type", "must be a string such as application/pdf")
        data = source.get("data")
        if not isinstance(data, str) or not data:
            raise _fail(f"{where}.data", "must be a non-empty base64 string")
        try:
            binascii.a2b_base64(data, strict_mode=True)
        except (binascii.Error, ValueError):
            raise _fail(f"{where}.data", "is not valid base64") from None
    elif stype == "url":
        url = source.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _fail(f"{where}.url", "must be an http(s) URL")
    elif stype in ("text", "content", "file") and btype == "document":
        return
    else:
        raise _fail(f"{where}.type", "must be 'base64' or 'url'")


def _system(system: Any) -> None:
    if isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _fail("system", "must be a string or a list of text blocks")
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _fail(f"system.{i}", "must be a text block ({\"type\": \"text\", \"text\": ...})")
        if not isinstance(block.get("text"), str):
            raise _fail(f"system.{i}.text", "must be a string")


def _tools(tools: Any) -> None:
    if not isinstance(tools, list):
        raise _fail("tools", "must be a list of tools")
    for i, tool in enumerate(tools):
        where = f"tools.{i}"
        if not isinstance(tool, dict):
            raise _fail(where, "each tool must be an object")
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise _fail(f"{where}.name", "must be a non-empty string")
        ttype = tool.get("type")
        if ttype in (None, "custom") and not isinstance(tool.get("input_schema"), dict):
            raise _fail(f"{where}.input_schema", "is required (a JSON schema object)")


def _tool_choice(choice: Any) -> None:
    if not isinstance(choice, dict):
        raise _fail("tool_choice", "must be an object such as {\"type\": \"auto\"}")
    if choice.get("type") not in TOOL_CHOICES:
        raise _fail("tool_choice.type", f"must be one of {', '.join(TOOL_CHOICES)}")
    if choice["type"] == "tool" and (not isinstance(choice.get("name"), str) or not choice["name"]):
        raise _fail("tool_choice.name", "is required when tool_choice.type is 'tool'")
    if "disable_parallel_tool_use" in choice and not isinstance(choice["disable_parallel_tool_use"], bool):
        raise _fail("tool_choice.disable_parallel_tool_use", "must be true or false")


def _thinking(thinking: Any, max_tokens: Any) -> None:
    if not isinstance(thinking, dict):
        raise _fail("thinking", "must be an object such as {\"type\": \"enabled\", \"budget_tokens\": 2048}")
    ttype = thinking.get("type")
    if ttype not in THINKING_TYPES:
        raise _fail("thinking.type", f"must be one of {', '.join(THINKING_TYPES)}")
    if ttype == "enabled":
        budget = thinking.get("budget_tokens")
        if not _is_int(budget) or budget < 1024:
            raise _fail("thinking.budget_tokens", "must be a whole number of at least 1024")
        if _is_int(max_tokens) and budget >= max_tokens:
            raise _fail("thinking.budget_tokens", "must be less than max_tokens")


def _sampling(body: dict[str, Any]) -> None:
    temperature = body.get("temperature")
    if temperature is not None and (not _is_number(temperature) or not 0 <= temperature <= 1):
        raise _fail("temperature", "must be a number from 0 to 1")
    top_p = body.get("top_p")
    if top_p is not None and (not _is_number(top_p) or not 0 <= top_p <= 1):
        raise _fail("top_p", "must be a number from 0 to 1")
    top_k = body.get("top_k")
    if top_k is not None and (not _is_int(top_k) or top_k < 0):
        raise _fail("top_k", "must be a whole number of at least 0")
    stops = body.get("stop_sequences")
    if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
        raise _fail("stop_sequences", "must be a list of strings")


def too_deep(body: Any, limit: int = MAX_DEPTH) -> InvalidRequest | None:
    """A 400 naming the first field nested more than ``limit`` levels deep, or None.

    Not run on every request (walking a large body costs more than the rest
    of its validation); ``nesting_errors`` calls it when encoding failed.
    """
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(body, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if depth > limit:
            return InvalidRequest(
                f"{_field_name(body, path)}: is nested more than {limit} levels deep; "
                f"Switchboard forwards at most {limit} levels. Flatten this value and send it again")
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for key, child in items:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, path + (key,)))
    return None


def _field_name(body: Any, path: tuple[Any, ...]) -> str:
    """The field that holds a too-deep value: ``tools.0.input_schema``,
    ``messages.1.content.0.input (tool_use.input)``, or the top-level key."""
    if not path:
        return "body"
    if path[0] == "tools" and len(path) >= 3:
        return f"tools.{path[1]}.{path[2]}"
    if path[0] == "messages" and len(path) >= 5 and path[2] == "content":
        name = ".".join(str(p) for p in path[:5])
        try:
            block = body["messages"][path[1]]["content"][path[3]]
            return f"{name} ({block['type']}.{path[4]})"
        except (KeyError, IndexError, TypeError):
            return name
    return ".".join(str(p) for p in path[:3])


@contextlib.contextmanager
def nesting_errors(body: Any) -> Iterator[None]:
    """Turn the encoder's depth limit (or Python's recursion limit) into a 400
    that names the field, instead of a 500 clients would retry (issue 14 §7)."""
    try:
        yield
    except (orjson.JSONEncodeError, RecursionError):
        error = too_deep(body)
        if error is None:
            raise
        raise error from None
