"""Anthropic Messages body -> Gemini ``generateContent`` body (translation.md §G).

Reference: https://ai.google.dev/api/generate-content#request-body and
https://ai.google.dev/api/caching#Content. Pure: dicts in, dicts out.

* ``system`` (string or text blocks) and any ``role: "system"`` message in
  ``messages`` -> ``systemInstruction`` (Gemini has no system role in
  ``contents``; §F.30 says system messages join the system prompt).
* ``assistant`` -> role ``model``; consecutive contents of one role are merged
  (Gemini expects alternating turns).
* ``tool_use`` -> ``functionCall``; ``tool_result`` -> ``functionResponse``
  named after the call it answers (Gemini matches responses by name, the
  client only sends ``tool_use_id``), ``response`` always a JSON object
  (``{"output": ...}`` / ``{"error": ...}`` as FunctionResponse documents).
* Thought signatures come back from the client inside thinking blocks
  signed ``swb1.gemini.<thoughtSignature>`` (see stream.py for the design):
  a block with text is restored as a ``thought`` part carrying its signature;
  an empty one puts its signature on the *next* part of the turn, or on a
  trailing empty text part when nothing follows - exactly where Gemini sent
  it. Gemini 3 rejects a function-calling step whose first call has no
  signature ("Function call is missing a thought_signature"); for history that
  never came from Gemini (another provider answered that turn) the documented
  escape value is used instead
  (https://ai.google.dev/gemini-api/docs/thought-signatures#faqs).
* Thinking blocks signed by anyone else are dropped: Gemini can neither
  verify nor use them.
"""
from __future__ import annotations

import mimetypes
from typing import Any

from server.errors import InvalidRequest
from server.protocol import signatures
from server.providers.gemini.convert_schema import convert_tools, tool_name_map
from server.providers.gemini.stream import SIGNATURE_KIND
from server.providers.gemini.thinking import thinking_config

_SERVER_TOOL_HISTORY = frozenset({"server_tool_use", "mcp_tool_use", "container_upload"})
# Documented placeholder for function calls Gemini did not produce itself.
SKIP_SIGNATURE = "skip_thought_signature_validator"


def convert_request(request: dict[str, Any], *, model: str,
                    max_output_tokens: int | None = None) -> dict[str, Any]:
    """``max_output_tokens`` (the provider profile's) overrides the model's known limit."""
    names = tool_name_map(request)
    tool_names = _tool_use_names(request)
    system_texts = _system_texts(request.get("system"))

    contents: list[dict[str, Any]] = []
    for msg in request.get("messages") or []:
        role = msg.get("role")
        if role == "system":
            system_texts.extend(_system_texts(msg.get("content")))
            continue
        if role not in ("user", "assistant"):
            raise InvalidRequest(f"messages: unsupported role {role!r}")
        gemini_role = "model" if role == "assistant" else "user"
        blocks = msg.get("content")
        if isinstance(blocks, str):
            blocks = [{"type": "text", "text": blocks}]
        if gemini_role == "model":
            parts = _model_parts(blocks or [], names, model)
        else:
            parts = _user_parts(blocks or [], names, tool_names)
        if not parts:
            continue  # e.g. an assistant turn that only held foreign thinking
        if contents and contents[-1]["role"] == gemini_role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": gemini_role, "parts": parts})

    if _is_gemini_3(model):
        for content in contents:
            if content["role"] == "model":
                _ensure_first_call_signed(content["parts"])

    body: dict[str, Any] = {"contents": contents}
    if system_texts:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system_texts)}]}

    tools = convert_tools(request, names)
    if tools:
        body["tools"] = tools
        tool_config = _tool_config(request.get("tool_choice"), names)
        if tool_config:
            body["toolConfig"] = tool_config

    generation = _generation_config(request, model, has_tools=bool(tools),
                                    max_output_tokens=max_output_tokens)
    if generation:
        body["generationConfig"] = generation
    # Dropped on purpose: cache_control (per block), context_management,
    # metadata, thread, service_tier, betas - no Gemini meaning (§F.30).
    return body


# -- system ------------------------------------------------------------------
def _system_texts(system: Any) -> list[str]:
    if isinstance(system, str):
        return [system] if system else []
    if isinstance(system, list):
        return [b["text"] for b in system
                if isinstance(b, dict) and b.get("type") == "text" and b.get("text")]
    return []


# -- user turns ----------------------------------------------------------------
def _tool_use_names(request: dict[str, Any]) -> dict[str, str]:
    """tool_use id -> tool name, over the whole history."""
    found: dict[str, str] = {}
    for msg in request.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, list):
            for b in content:
                if isinstance(b, dict) and b.get("type") == "tool_use" and b.get("id"):
                    found[b["id"]] = b.get("name", "")
    return found


def _user_parts(blocks: list[Any], names: dict[str, str], tool_names: dict[str, str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "tool_result":
            parts.extend(_tool_result_parts(block, names, tool_names))
        else:
            parts.extend(_media_or_text(block))
    return parts


def _tool_result_parts(block: dict[str, Any], names: dict[str, str],
                       tool_names: dict[str, str]) -> list[dict[str, Any]]:
    tool_id = block.get("tool_use_id", "")
    original = tool_names.get(tool_id)
    if original is None:
        raise InvalidRequest(
            f"messages: tool_result {tool_id!r} does not answer any tool_use in the conversation"
        )
    texts: list[str] = []
    extra: list[dict[str, Any]] = []
    content = block.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for inner in content:
            if not isinstance(inner, dict):
                continue
            if inner.get("type") == "text":
                texts.append(inner.get("text", ""))
            elif inner.get("type") == "tool_reference":
                # Tool search result: the tool's declaration is now sent
                # (convert_schema.convert_tools); tell the model so.
                texts.append(f"Tool {inner.get('tool_name', '')} is now available.")
            else:
                # Images/documents in a tool result follow the functionResponse
                # as ordinary parts of the same user turn.
                extra.extend(_media_or_text(inner))
    text = "\n".join(t for t in texts if t)
    key = "error" if block.get("is_error") else "output"
    call = {"name": names.get(original, original), "response": {key: text}}
    return [{"functionResponse": call}, *extra]


def _media_or_text(block: dict[str, Any]) -> list[dict[str, Any]]:
    kind = block.get("type")
    if kind == "text":
        return [{"text": block["text"]}] if block.get("text") else []
    if kind in ("image", "document"):
        return [_source_part(block)]
    if kind in ("thinking", "redacted_thinking"):
        return []
    if kind in _SERVER_TOOL_HISTORY or str(kind).endswith("_tool_result"):
        # History of an Anthropic server tool (web search, code execution ...)
        # run by another provider: Gemini has no matching call to attach it
        # to, and sending it as a functionCall would name an undeclared tool.
        return []
    if kind in ("search_result",):
        texts = [c.get("text", "") for c in block.get("content") or [] if isinstance(c, dict)]
        return [{"text": "\n".join([block.get("title", ""), *texts]).strip()}]
    raise InvalidRequest(f"messages: content block type {kind!r} is not supported by Gemini")


def _source_part(block: dict[str, Any]) -> dict[str, Any]:
    source = block.get("source") or {}
    stype = source.get("type")
    if stype == "base64":
        default = "application/pdf" if block["type"] == "document" else "image/png"
        return {"inlineData": {"mimeType": source.get("media_type") or default, "data": source.get("data", "")}}
    if stype == "url":
        part: dict[str, Any] = {"fileUri": source.get("url", "")}
        mime = "application/pdf" if block["type"] == "document" else mimetypes.guess_type(part["fileUri"])[0]
        if mime:
            part["mimeType"] = mime
        return {"fileData": part}
    if stype == "text" and block["type"] == "document":
        return {"text": source.get("data", "")}
    raise InvalidRequest(f"messages: {block['type']} source type {stype!r} is not supported by Gemini")


# -- model turns ---------------------------------------------------------------
def _model_parts(blocks: list[Any], names: dict[str, str], model: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    pending: str | None = None  # a signature waiting for the next part
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "thinking":
            payload = signatures.payload_of(block.get("signature"), SIGNATURE_KIND)
            if not payload:
                continue  # unsigned, minted-empty or foreign: nothing Gemini can use
            sig = payload.decode("utf-8", errors="replace")
            if block.get("thinking"):
                parts.append({"text": block["thinking"], "thought": True, "thoughtSignature": sig})
            else:
                if pending is not None:  # two in a row: keep the first's place
                    parts.append({"text": "", "thoughtSignature": pending})
                pending = sig
            continue
        if kind == "redacted_thinking":
            continue
        if kind == "text":
            if not block.get("text") and pending is None:
                continue
            part: dict[str, Any] = {"text": block.get("text", "")}
        elif kind == "tool_use":
            original = block.get("name", "")
            args = block.get("input")
            part = {"functionCall": {"name": names.get(original, original),
                                     "args": args if isinstance(args, dict) else {}}}
        else:
            part_list = _media_or_text(block)
            if not part_list:
                continue
            part = part_list[0]
        if pending is not None:
            part["thoughtSignature"] = pending
            pending = None
        parts.append(part)
    if pending is not None:
        parts.append({"text": "", "thoughtSignature": pending})
    return parts


def _is_gemini_3(model: str) -> bool:
    return "gemini-3" in model.lower()


def _ensure_first_call_signed(parts: list[dict[str, Any]]) -> None:
    calls = [p for p in parts if "functionCall" in p]
    if calls and not any("thoughtSignature" in p for p in parts):
        calls[0]["thoughtSignature"] = SKIP_SIGNATURE


# -- options -------------------------------------------------------------------
def _tool_config(choice: Any, names: dict[str, str]) -> dict[str, Any] | None:
    """tool_choice -> toolConfig.functionCallingConfig
    (https://ai.google.dev/api/caching#FunctionCallingConfig)."""
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind == "auto":
        cfg: dict[str, Any] = {"mode": "AUTO"}
    elif kind == "any":
        cfg = {"mode": "ANY"}
    elif kind == "tool":
        cfg = {"mode": "ANY", "allowedFunctionNames": [names.get(choice.get("name", ""), choice.get("name", ""))]}
    elif kind == "none":
        cfg = {"mode": "NONE"}
    else:
        return None
    # disable_parallel_tool_use has no Gemini equivalent; dropped.
    return {"functionCallingConfig": cfg}


def output_limit(model: str) -> int:
    """The most output tokens ``model`` accepts (https://ai.google.dev/gemini-api/docs/models).

    Above it generateContent answers 400 ("... maxOutputTokens value of 128000
    but the supported range is from 1 (inclusive) to 65537 (exclusive)"), and
    Claude Code asks for 64000-128000, so the request is clamped (§F.29).
    Unknown models get the 2.5 / 3 families' limit.
    """
    name = model.lower()
    if any(old in name for old in ("gemini-1.", "gemini-2.0", "gemma")):
        return 8192
    if "image" in name:
        return 32768
    return 65536


def _generation_config(request: dict[str, Any], model: str, *, has_tools: bool,
                       max_output_tokens: int | None = None) -> dict[str, Any]:
    """https://ai.google.dev/api/generate-content#generationconfig"""
    cfg: dict[str, Any] = {}
    for src, dst in (("max_tokens", "maxOutputTokens"), ("temperature", "temperature"),
                     ("top_p", "topP"), ("top_k", "topK")):
        if request.get(src) is not None:
            cfg[dst] = request[src]
    if isinstance(cfg.get("maxOutputTokens"), int):
        limit = max_output_tokens if isinstance(max_output_tokens, int) and max_output_tokens > 0 \
            else output_limit(model)
        cfg["maxOutputTokens"] = min(cfg["maxOutputTokens"], limit)
    if request.get("stop_sequences"):
        # Gemini accepts at most 5 stop sequences.
        cfg["stopSequences"] = list(request["stop_sequences"])[:5]
    thinking = thinking_config(request, model)
    if thinking:
        cfg["thinkingConfig"] = thinking
    fmt = (request.get("output_config") or {}).get("format")
    # Structured output; Gemini 2.5 cannot combine it with function calling,
    # so it is only sent when the request has no tools.
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and not has_tools:
        cfg["responseMimeType"] = "application/json"
        if isinstance(fmt.get("schema"), dict):
            schema = {k: v for k, v in fmt["schema"].items() if k != "$schema"}
            cfg["responseJsonSchema"] = schema
    return cfg

