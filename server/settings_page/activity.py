"""The Activity view: recent requests and today's totals per provider.

Only what ``Gateway.activity`` records (time, route, provider, model,
status, latency, token counts): no prompts, no keys.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable


def entries(activity: Iterable[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for e in reversed(list(activity)):
        out.append({
            "time": e.time, "route": e.route, "provider": e.provider,
            "provider_name": names.get(e.provider, e.provider), "model": e.model,
            "status": e.status, "latency_ms": round(e.latency_ms),
            "input_tokens": e.input_tokens, "output_tokens": e.output_tokens,
        })
    return out


def totals_today(activity: Iterable[Any], names: dict[str, str], *,
                 today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or dt.date.today()
    by: dict[str, dict[str, Any]] = {}
    for e in list(activity):
        if dt.date.fromtimestamp(e.time) != today:
            continue
        t = by.setdefault(e.provider, {"provider": e.provider,
                                       "provider_name": names.get(e.provider, e.provider),
                                       "requests": 0, "errors": 0, "input_tokens": 0,
                                       "output_tokens": 0, "_latency": 0.0})
        t["requests"] += 1
        t["errors"] += 1 if e.status >= 400 else 0
        t["input_tokens"] += e.input_tokens or 0
        t["output_tokens"] += e.output_tokens or 0
        t["_latency"] += e.latency_ms
    result = []
    for t in sorted(by.values(), key=lambda t: -t["requests"]):
        t["avg_latency_ms"] = round(t.pop("_latency") / t["requests"])
        result.append(t)
    return result
