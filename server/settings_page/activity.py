"""The Activity view: recent requests and today's totals per provider.

Only what ``Gateway.activity`` records (time, route, provider, model,
status, latency, token counts, a failure's message): no prompts, no keys.
Routes and providers are shown by name; the page words the failure from
its status (static/strings.js) and shows the message beside it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from server.base_url import host_of
from server.settings_page import probe


CONNECT_FAILED = "Failed to connect to provider"  # ConnectionFailed's own wording (server/errors.py)


def reason(entry: Any, pconf: Any) -> tuple[str, dict[str, Any]]:
    """A code for why a request failed when its status alone does not say:
    a provider that could not be reached gets the same next step as a test
    (is Ollama running? never "check your internet" for this computer)."""
    error = str(getattr(entry, "error", "") or "")
    if entry.status < 400 or not error.startswith(CONNECT_FAILED) or pconf is None:
        return "", {}
    params: dict[str, Any] = {"host": host_of(pconf.base_url)}
    if "timed out" in error:
        return ("timeout_here" if probe.is_local_host(pconf.base_url) else "timeout"), params
    return probe.unreachable(pconf, params), params


def entries(activity: Iterable[Any], names: dict[str, str],
            route_names: dict[str, str] | None = None,
            configs: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    route_names = route_names or {}
    configs = configs or {}
    out = []
    for e in reversed(list(activity)):
        code, params = reason(e, configs.get(e.provider))
        out.append({
            "reason": code, "reason_params": params,
            "time": e.time, "route": e.route, "route_name": route_names.get(e.route, e.route),
            "provider": e.provider,
            "provider_name": names.get(e.provider, e.provider), "model": e.model,
            "status": e.status, "latency_ms": round(e.latency_ms),
            "input_tokens": e.input_tokens, "output_tokens": e.output_tokens,
            "key": str(getattr(e, "key", "") or ""),  # the key's name, never its value
            "error": str(getattr(e, "error", "") or "")[:500] if e.status >= 400 else "",
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
