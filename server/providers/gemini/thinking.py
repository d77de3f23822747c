"""Anthropic ``thinking`` -> Gemini ``generationConfig.thinkingConfig`` (§D.20).

https://ai.google.dev/gemini-api/docs/thinking and
https://ai.google.dev/api/generate-content#ThinkingConfig:

* Gemini 2.5 takes a token ``thinkingBudget`` (-1 = dynamic). Pro cannot turn
  thinking off (budget 128..32768); Flash allows 0..24576; Flash-Lite 512..24576
  or 0. Budgets are clamped into the model's range rather than rejected.
* Gemini 3 takes ``thinkingLevel`` ("low" / "high"; the budget is legacy
  there) and cannot turn thinking off: "disabled" becomes the lowest level.
* ``includeThoughts: true`` asks for thought summaries, which the client sees
  as thinking blocks. Claude Code's ``display: "omitted"`` means it will not
  show them, so none are requested (signatures still arrive either way).
* No ``thinking`` in the request: nothing is sent and the model default
  applies; thoughts are not included, as with Anthropic's default.
"""
from __future__ import annotations

from typing import Any

# Budget at or below which Gemini 3 gets "low" instead of "high".
_LOW_LEVEL_MAX_BUDGET = 8192


def _range(model: str) -> tuple[int, int, bool]:
    """(min budget, max budget, can disable) for a Gemini 2.5 model."""
    name = model.lower()
    if "flash-lite" in name:
        return 512, 24576, True
    if "flash" in name:
        return 1, 24576, True
    return 128, 32768, False  # pro and unknown: the strictest range


def thinking_config(request: dict[str, Any], model: str) -> dict[str, Any] | None:
    thinking = request.get("thinking")
    if not isinstance(thinking, dict):
        return None
    kind = thinking.get("type")
    include = thinking.get("display") != "omitted"
    effort = (request.get("output_config") or {}).get("effort")
    gemini_3 = "gemini-3" in model.lower()

    if kind == "disabled":
        if gemini_3:
            return {"thinkingLevel": "low", "includeThoughts": False}
        _low, _high, can_disable = _range(model)
        # 2.5 Pro cannot disable thinking: send nothing (model default) rather
        # than a budget it rejects; thoughts are still not included.
        return {"thinkingBudget": 0} if can_disable else None

    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if gemini_3:
            level = "low" if isinstance(budget, int) and budget <= _LOW_LEVEL_MAX_BUDGET else "high"
            return {"thinkingLevel": level, "includeThoughts": include}
        low, high, _ = _range(model)
        if not isinstance(budget, int):
            return {"thinkingBudget": -1, "includeThoughts": include}
        return {"thinkingBudget": min(max(budget, low), high), "includeThoughts": include}

    if kind == "adaptive":
        if gemini_3:
            cfg: dict[str, Any] = {"includeThoughts": include}
            if effort == "low":
                cfg["thinkingLevel"] = "low"
            elif effort in ("medium", "high", "max", "xhigh"):
                cfg["thinkingLevel"] = "high"
            return cfg
        return {"thinkingBudget": -1, "includeThoughts": include}  # dynamic
    return None
