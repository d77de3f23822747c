"""Anthropic ``tools`` / ``tool_choice`` -> Chat Completions (translation.md §F.27-28).

Chat Completions function tools:
https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools

What is not a client function tool is never sent raw (§F.28):

* Anthropic server tools carry a versioned ``type`` (``web_search_20250305``,
  ``bash_20250124``, ``text_editor_20250728``, ...): they are executed by
  Anthropic's servers, so another provider cannot run them -> dropped.
* ``defer_loading: true`` tools (tool search; Claude Code 2.1.332 sends them,
  see fixtures/clients/claude_code_v332_main_turn.json) are not in the model's
  context until a ``tool_reference`` block in a tool result loads them
  (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/tool-search-tool).
  So they are dropped unless their name is in ``loaded_tool_names`` (the
  names referenced so far in the conversation; convert_request collects them),
  in which case they are sent like any other tool. Without this the model
  could not call WebFetch after ToolSearch loaded it
  (claude_code_v332_tool_search_result_turn.json).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_CLIENT_TOOL_TYPES = (None, "custom")


def is_client_tool(tool: dict[str, Any]) -> bool:
    return isinstance(tool, dict) and tool.get("type") in _CLIENT_TOOL_TYPES and bool(tool.get("name"))


def _function_tool(tool: dict[str, Any]) -> dict[str, Any]:
    schema = tool.get("input_schema")
    params = {k: v for k, v in schema.items() if k != "$schema"} if isinstance(schema, dict) else {}
    # OpenAI requires an object schema; Anthropic allows omitting "type".
    params.setdefault("type", "object")
    if params["type"] == "object":
        params.setdefault("properties", {})
    function: dict[str, Any] = {"name": tool["name"]}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = params
    # Anthropic's "strict" is not forwarded: OpenAI strict mode imposes extra
    # schema rules (every property required, additionalProperties false) that
    # Anthropic schemas do not follow, and would turn into a 400.
    return {"type": "function", "function": function}


def prepare_tools(
    tools: list[dict[str, Any]] | None,
    tool_choice: dict[str, Any] | None,
    *,
    loaded_tool_names: Iterable[str] = (),
) -> dict[str, Any]:
    """The keys to merge into the Chat Completions body: tools, tool_choice, parallel_tool_calls."""
    loaded = set(loaded_tool_names)
    kept = [
        _function_tool(t)
        for t in (tools or [])
        if is_client_tool(t) and (not t.get("defer_loading") or t["name"] in loaded)
    ]
    if not kept:
        # OpenAI rejects "tools": [] and tool_choice / parallel_tool_calls
        # without tools; "none" with no tools means the same as nothing.
        return {}
    out: dict[str, Any] = {"tools": kept}
    choice = tool_choice if isinstance(tool_choice, dict) else {}
    kind = choice.get("type")
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool":
        names = {t["function"]["name"] for t in kept}
        if choice.get("name") in names:
            out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
        # A forced tool that was dropped (server tool, deferred): leave the
        # choice to the upstream's default rather than name a missing tool.
    if choice.get("disable_parallel_tool_use") is True and kind != "none":
        out["parallel_tool_calls"] = False
    return out
