"""Anthropic Messages request -> Chat Completions request (translation.md §F.23-30, §D.20).

Chat Completions reference: https://platform.openai.com/docs/api-reference/chat/create

The body is built from an allow-list, so fields a Chat Completions upstream
cannot take (``context_management``, ``safeguards``, ``thread``,
``container``, ``mcp_servers``, betas, ...) are dropped by construction,
never forwarded raw and never a reason to fail (§F.30). What has a meaning is
translated: ``role: "system"`` messages join the system prompt, ``thinking``
becomes the provider's reasoning control, ``output_config.format`` becomes
``response_format``.

Provider differences are data (:data:`PROFILE_DEFAULTS`), not code.
"""
from __future__ import annotations

import hashlib
from typing import Any

from server.providers.openai_chat.convert_messages import convert_messages
from server.providers.openai_chat.prepare_tools import prepare_tools

PROFILE_DEFAULTS: dict[str, Any] = {
    # Assistant-history field that carries reasoning text back to the upstream:
    # "reasoning_content" (DeepSeek), "reasoning" (Ollama, OpenRouter), None.
    "reasoning_field": None,
    # Put the history's thinking text back in `reasoning_field` (DeepSeek thinking
    # mode 400s without reasoning_content on tool-call turns).
    "send_reasoning_back": False,
    # Rebuild OpenRouter `reasoning_details` from signed / wrapped thinking.
    "reasoning_details": False,
    # "max_tokens", or "max_completion_tokens" for OpenAI reasoning models
    # (which reject max_tokens: fixtures/upstream/openai/error-400-unsupported-max-tokens.json).
    "max_tokens_field": "max_tokens",
    # Clamp max_tokens to what the model allows (Claude Code asks 32k-128k):
    # one limit for the provider, or per model-name prefix (longest wins).
    "max_output_tokens": None,
    "model_output_limits": {},
    # Model-name prefixes of reasoning models: these reject temperature and
    # top_p (OpenAI o-series and gpt-5).
    "reasoning_models": (),
    # OpenAI reasoning models reject temperature; DeepSeek thinking ignores it.
    "supports_temperature": True,
    "supports_top_p": True,
    # top_k is not an OpenAI parameter; vLLM, llama.cpp, OpenRouter accept it.
    "supports_top_k": False,
    # OpenAI `file` content parts for PDFs; otherwise documents are a clear 400.
    "supports_file_parts": False,
    # How `thinking` is expressed: "reasoning_effort" (OpenAI), "deepseek",
    # "openrouter", or None (not sent).
    "thinking_param": None,
    # Keep Anthropic cache_control on text parts (OpenRouter -> Anthropic/Gemini).
    "keep_cache_control": False,
    # Send the hashed metadata.user_id as `user`.
    "user_field": True,
    # OpenAI allows at most 4 stop sequences.
    "max_stop_sequences": 4,
    # output_config.format -> "json_schema" (OpenAI structured outputs),
    # "json_object" (DeepSeek, older servers), or None (dropped).
    "response_format": "json_schema",
    # stream_options.include_usage: usage in the last chunk (§E.22).
    "stream_usage": True,
    # A leading <think>…</think> in content becomes a thinking block
    # (think_tags.py); switchboard.json's provider "think_tags": false turns it off.
    "think_tags": True,
    # completion_tokens_details.reasoning_tokens are NOT included in
    # completion_tokens (xAI), so output_tokens adds them (convert_usage.py).
    "reasoning_tokens_outside": False,
}


def resolve_profile(profile: dict[str, Any] | None) -> dict[str, Any]:
    return {**PROFILE_DEFAULTS, **(profile or {})}


# -- system prompt -----------------------------------------------------------
def _text_of(content: Any) -> list[dict[str, Any]]:
    """Text blocks of a system value (string or list of blocks)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [b for b in content or [] if isinstance(b, dict) and b.get("type") == "text" and b.get("text")]


def system_message(request: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any] | None:
    """One system message: the system prompt, then any role:"system" messages in order (§F.23, §F.30)."""
    blocks = _text_of(request.get("system"))
    for msg in request.get("messages") or []:
        if msg.get("role") == "system":
            blocks.extend(_text_of(msg.get("content")))
    if not blocks:
        return None
    if profile["keep_cache_control"] and any(b.get("cache_control") for b in blocks):
        parts = []
        for b in blocks:
            part = {"type": "text", "text": b["text"]}
            if b.get("cache_control"):
                part["cache_control"] = b["cache_control"]
            parts.append(part)
        return {"role": "system", "content": parts}
    return {"role": "system", "content": "\n\n".join(b["text"] for b in blocks)}


# -- thinking ------------------------------------------------------------------
def _effort(request: dict[str, Any]) -> str | None:
    """Anthropic thinking -> low / medium / high / max, or None (provider default)."""
    thinking = request.get("thinking") or {}
    kind = thinking.get("type")
    if kind == "enabled":
        budget = thinking.get("budget_tokens") or 0
        return "low" if budget <= 1024 else "medium" if budget <= 8192 else "high"
    if kind == "adaptive":
        effort = (request.get("output_config") or {}).get("effort")
        return effort if effort in ("low", "medium", "high", "max", "xhigh") else None
    return None


def thinking_fields(request: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    style = profile["thinking_param"]
    thinking = request.get("thinking") or {}
    kind = thinking.get("type")
    effort = _effort(request)
    if style == "reasoning_effort":
        # https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
        # (older reasoning models know only low/medium/high).
        if effort:
            return {"reasoning_effort": "high" if effort in ("max", "xhigh") else effort}
        return {}
    if style == "deepseek":
        # https://api-docs.deepseek.com/guides/thinking_mode: thinking.type
        # enabled/disabled; reasoning_effort high/max (low/medium map to high).
        if kind == "disabled":
            return {"thinking": {"type": "disabled"}}
        if kind in ("enabled", "adaptive"):
            out: dict[str, Any] = {"thinking": {"type": "enabled"}}
            if effort:
                out["reasoning_effort"] = "max" if effort in ("max", "xhigh") else "high"
            return out
        return {}
    if style == "openrouter":
        # https://openrouter.ai/docs/use-cases/reasoning-tokens: effort or max_tokens, not both.
        if kind == "enabled" and thinking.get("budget_tokens"):
            return {"reasoning": {"max_tokens": int(thinking["budget_tokens"])}}
        if kind == "adaptive":
            if effort:
                return {"reasoning": {"effort": "xhigh" if effort in ("max", "xhigh") else effort}}
            return {"reasoning": {"enabled": True}}
        # "disabled": leave the model's default rather than risk a 400 from
        # models whose reasoning cannot be switched off.
        return {}
    return {}


# -- the request -----------------------------------------------------------------
def _referenced_tools(messages: list[dict[str, Any]]) -> set[str]:
    """Names loaded by tool search (tool_reference blocks in tool results)."""
    names: set[str] = set()
    for msg in messages or []:
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                for item in block["content"]:
                    if isinstance(item, dict) and item.get("type") == "tool_reference" and item.get("tool_name"):
                        names.add(item["tool_name"])
    return names


def hash_user(user_id: Any) -> str:
    """OpenAI's `user` is <= 64 chars; Claude Code's user_id is ~150 chars of
    JSON holding device/account/session ids, which should not leave as-is."""
    return hashlib.sha256(str(user_id).encode("utf-8")).hexdigest()


def _response_format(request: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any] | None:
    fmt = (request.get("output_config") or {}).get("format") or request.get("output_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not profile["response_format"]:
        return None
    if profile["response_format"] == "json_object":
        return {"type": "json_object"}
    # No "strict": OpenAI strict mode adds schema rules Anthropic schemas need not follow.
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": fmt.get("schema") or {}}}


def output_limit(prof: dict[str, Any], model: str) -> int | None:
    """The most output tokens ``model`` accepts, if the profile knows it."""
    best = ""
    for prefix in prof["model_output_limits"]:
        if model.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    if best:
        return int(prof["model_output_limits"][best])
    return int(prof["max_output_tokens"]) if prof["max_output_tokens"] else None


def convert_request(
    request: dict[str, Any],
    *,
    model: str,
    stream: bool,
    profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    prof = resolve_profile(profile)
    messages = request.get("messages") or []
    body: dict[str, Any] = {"model": model}

    chat_messages = convert_messages(messages, prof)
    system = system_message(request, prof)
    body["messages"] = ([system] if system else []) + chat_messages

    max_tokens = request.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > 0:
        limit = output_limit(prof, model)
        if limit:
            max_tokens = min(max_tokens, limit)
        body[prof["max_tokens_field"]] = max_tokens

    reasoning_model = model.startswith(tuple(prof["reasoning_models"]))
    if request.get("temperature") is not None and prof["supports_temperature"] and not reasoning_model:
        body["temperature"] = request["temperature"]
    if request.get("top_p") is not None and prof["supports_top_p"] and not reasoning_model:
        body["top_p"] = request["top_p"]
    if request.get("top_k") is not None and prof["supports_top_k"]:
        body["top_k"] = request["top_k"]
    stops = [s for s in request.get("stop_sequences") or [] if isinstance(s, str) and s]
    if stops:
        # OpenAI rejects more than 4; the first ones are the client's priority.
        body["stop"] = stops[: prof["max_stop_sequences"]]

    body["stream"] = bool(stream)
    if stream and prof["stream_usage"]:
        body["stream_options"] = {"include_usage": True}

    user_id = (request.get("metadata") or {}).get("user_id")
    if user_id and prof["user_field"]:
        body["user"] = hash_user(user_id)

    body.update(prepare_tools(request.get("tools"), request.get("tool_choice"),
                              loaded_tool_names=_referenced_tools(messages)))
    body.update(thinking_fields(request, prof))
    response_format = _response_format(request, prof)
    if response_format:
        body["response_format"] = response_format
    return body
