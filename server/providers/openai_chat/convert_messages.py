"""Anthropic ``messages`` -> Chat Completions ``messages`` (translation.md §F.24-26, §D.19).

Chat Completions message shapes:
https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages

* A user turn's ``tool_result`` blocks become ``role: "tool"`` messages, which
  must directly follow the assistant message holding the ``tool_calls``; the
  rest of that turn (text, images, documents, and images returned *by* tools,
  which a tool message cannot carry) follows as one user message. Nothing is
  dropped: unknown blocks are rendered as text.
* Assistant turns: text joined, ``tool_use`` -> ``tool_calls`` with
  ``arguments`` as a JSON string, ``content: null`` when there are only calls.
* Thinking in the history is restored only where the upstream wants it
  (see :func:`_reasoning`); otherwise it is dropped: a Chat Completions
  upstream has no way to take it and does not need it.

``role: "system"`` entries are skipped here; convert_request folds them into
the system prompt.
"""
from __future__ import annotations

from typing import Any

import orjson

from server.errors import InvalidRequest
from server.protocol import ids, signatures
from server.providers.openai_chat import reasoning_details

Message = dict[str, Any]
Part = dict[str, Any]

TOOL_ERROR_PREFIX = "[tool error] "
_IMAGE_NOTE = "[image attached in the next user message]"


def convert_messages(messages: list[dict[str, Any]], profile: dict[str, Any]) -> list[Message]:
    out: list[Message] = []
    for msg in messages or []:
        role = msg.get("role")
        if role == "system":
            continue
        if role == "assistant":
            out.append(_assistant(msg.get("content"), profile))
        else:
            out.extend(_user(msg.get("content"), profile))
    return out


# -- rendering helpers --------------------------------------------------------
def _dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def render_as_text(block: Any) -> str:
    """Text for a block the upstream cannot take natively (never dropped)."""
    if isinstance(block, dict):
        kind = block.get("type")
        if kind == "text":
            return str(block.get("text", ""))
        if kind == "tool_reference":
            # Tool search result: names a tool that is now loaded (prepare_tools
            # sends the referenced deferred tools).
            return f"Tool reference: {block.get('tool_name', '')}"
        if kind == "search_result":
            inner = "\n".join(render_as_text(c) for c in block.get("content") or [])
            head = " ".join(x for x in (block.get("title"), block.get("source")) if x)
            return f"Search result: {head}\n{inner}" if head else inner
    return _dump(block)


def _text_part(block: dict[str, Any], profile: dict[str, Any]) -> Part:
    part: Part = {"type": "text", "text": str(block.get("text", ""))}
    if profile.get("keep_cache_control") and block.get("cache_control"):
        part["cache_control"] = block["cache_control"]
    return part


def _image_part(block: dict[str, Any]) -> Part:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "base64":
        url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    elif kind == "url":
        url = source.get("url", "")
    else:
        raise InvalidRequest(
            f"Image source type {kind!r} is not supported by this provider; send the image as base64 or a URL."
        )
    return {"type": "image_url", "image_url": {"url": url}}


def _document_part(block: dict[str, Any], profile: dict[str, Any]) -> Part:
    source = block.get("source") or {}
    kind = source.get("type")
    title = block.get("title")
    if kind == "text":
        text = str(source.get("data", ""))
        return {"type": "text", "text": f"{title}\n\n{text}" if title else text}
    if kind == "content":
        inner = source.get("content")
        text = inner if isinstance(inner, str) else "\n\n".join(render_as_text(c) for c in inner or [])
        return {"type": "text", "text": f"{title}\n\n{text}" if title else text}
    if kind == "base64" and profile.get("supports_file_parts"):
        # OpenAI file content part: https://platform.openai.com/docs/guides/pdf-files
        media_type = source.get("media_type", "application/pdf")
        return {"type": "file", "file": {
            "filename": title or "document.pdf",
            "file_data": f"data:{media_type};base64,{source.get('data', '')}",
        }}
    raise InvalidRequest(
        f"This provider does not accept {kind or 'these'} document (PDF) inputs; "
        "remove the document or choose a model that supports files."
    )


def _collapse(parts: list[Part]) -> str | list[Part]:
    """Plain string when the parts are only text: many compatible servers
    (DeepSeek, older llama.cpp / vLLM) accept nothing else."""
    if all(p["type"] == "text" and "cache_control" not in p for p in parts):
        return "\n\n".join(p["text"] for p in parts)
    return parts


# -- user turns ---------------------------------------------------------------
def _user(content: Any, profile: dict[str, Any]) -> list[Message]:
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    tool_messages: list[Message] = []
    parts: list[Part] = []
    for block in content or []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_result":
            message, attachments = _tool_result(block, profile)
            tool_messages.append(message)
            parts.extend(attachments)
        elif kind == "text":
            parts.append(_text_part(block, profile))
        elif kind == "image":
            parts.append(_image_part(block))
        elif kind == "document":
            parts.append(_document_part(block, profile))
        else:
            parts.append({"type": "text", "text": render_as_text(block)})
    out = tool_messages
    if parts or not tool_messages:
        out.append({"role": "user", "content": _collapse(parts)})
    return out


def _tool_result(block: dict[str, Any], profile: dict[str, Any]) -> tuple[Message, list[Part]]:
    tool_use_id = str(block.get("tool_use_id", ""))
    content = block.get("content")
    pieces: list[str] = []
    attachments: list[Part] = []
    if isinstance(content, str):
        pieces.append(content)
    elif isinstance(content, list):
        for item in content:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind in ("image", "document"):
                # A tool message is text-only: the file goes in the user
                # message that follows, labelled so the model can link them.
                part = _image_part(item) if kind == "image" else _document_part(item, profile)
                if part["type"] == "text":
                    pieces.append(part["text"])
                    continue
                if not attachments:
                    attachments.append({"type": "text", "text": f"Attachments from tool result {tool_use_id}:"})
                attachments.append(part)
                pieces.append(_IMAGE_NOTE if kind == "image" else "[file attached in the next user message]")
            else:
                pieces.append(render_as_text(item))
    elif content is not None:
        pieces.append(render_as_text(content))
    text = "\n\n".join(pieces)
    if block.get("is_error"):
        text = TOOL_ERROR_PREFIX + text
    message = {"role": "tool", "tool_call_id": ids.to_upstream_tool_id(tool_use_id), "content": text}
    return message, attachments


# -- assistant turns ----------------------------------------------------------
def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    tool_input = block.get("input")
    if isinstance(tool_input, dict) and set(tool_input) == {"_raw_arguments"}:
        # events.accumulate kept unparseable arguments this way: send them back as written.
        arguments = str(tool_input["_raw_arguments"])
    else:
        arguments = _dump(tool_input if tool_input is not None else {})
    return {
        "id": ids.to_upstream_tool_id(str(block.get("id", ""))),
        "type": "function",
        "function": {"name": block.get("name", ""), "arguments": arguments},
    }


def _assistant(content: Any, profile: dict[str, Any]) -> Message:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    reasoning_blocks: list[dict[str, Any]] = []
    for block in content or []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            if block.get("text"):
                texts.append(block["text"])
        elif kind == "tool_use":
            calls.append(_tool_call(block))
        elif kind in ("thinking", "redacted_thinking"):
            reasoning_blocks.append(block)
        else:
            # server_tool_use, web_search_tool_result, ...: keep as text.
            texts.append(render_as_text(block))
    message: Message = {"role": "assistant", "content": "\n\n".join(texts) if texts else (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    message.update(_reasoning(reasoning_blocks, profile, has_calls=bool(calls)))
    return message


def _reasoning(blocks: list[dict[str, Any]], profile: dict[str, Any], *, has_calls: bool) -> dict[str, Any]:
    """Reasoning fields to put back on an assistant message (§D.19).

    * ``reasoning_details`` (OpenRouter): items rebuilt from real Anthropic
      signatures / redacted data, or unwrapped from Switchboard ``or`` values.
    * ``send_reasoning_back`` + ``reasoning_field`` (DeepSeek
      ``reasoning_content``: required on assistant messages that made tool
      calls in thinking mode, 400 otherwise -
      https://api-docs.deepseek.com/guides/thinking_mode): the thinking text,
      whatever signed it. Empty string when a tool-call turn has none (history
      from another model) so the field is present.
    """
    out: dict[str, Any] = {}
    if profile.get("reasoning_details"):
        items: list[dict[str, Any]] = []
        for block in blocks:
            items.extend(_details_for(block))
        if items:
            out["reasoning_details"] = items
            return out
    field = profile.get("reasoning_field")
    if profile.get("send_reasoning_back") and field:
        text = "".join(b.get("thinking") or "" for b in blocks if b.get("type") == "thinking")
        if text or has_calls:
            out[field] = text
    return out


def _details_for(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "redacted_thinking":
        data = block.get("data")
        wrapped = reasoning_details.unwrap(data)
        if wrapped is not None:
            return wrapped
        if isinstance(data, str) and data and not signatures.is_minted(data):
            return [{"type": "reasoning.encrypted", "data": data, "format": reasoning_details.ANTHROPIC_FORMAT}]
        return []
    text = block.get("thinking") or ""
    signature = block.get("signature")
    wrapped = reasoning_details.unwrap(signature)
    if wrapped is not None:
        items = [dict(i) for i in wrapped]
        for item in items:
            if item.get("type") == "reasoning.text":
                item["text"] = text
                text = ""  # the text goes on the first text item only
        return items
    if isinstance(signature, str) and signature and not signatures.is_minted(signature):
        return [{"type": "reasoning.text", "text": text, "signature": signature,
                 "format": reasoning_details.ANTHROPIC_FORMAT}]
    return []
