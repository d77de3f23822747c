"""The ``usage`` and ``prices`` sections of switchboard.json (issue 15).

```json
"usage": {
  "history": true,              // false: keep no history (nothing written)
  "retention_days": 90,         // rows older than this are pruned
  "budget": {
    "daily": 5.0, "monthly": 50.0,  // USD; absent or 0: no limit
    "at_limit": "warn",             // or "switch": move to the route below
    "switch_to": "cheap"            // a route id
  }
},
"prices": {                     // USD per million tokens; override or add any provider model
  "deepseek/deepseek-chat": {"input": 0.28, "output": 0.42, "cache_read": 0.028, "cache_write": 0.28},
  "myserver/*": {"input": 0, "output": 0}
}
```

Parsed here rather than in server/config.py; config.py keeps unknown keys,
so these sections survive every save. A bad value is reported with the
field's name and the default is used: usage settings never stop the server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

AT_LIMIT = ("warn", "switch")
PRICE_FIELDS = ("input", "output", "cache_read", "cache_write")


class UsageSettingsError(ValueError):
    """A value in ``usage`` or ``prices`` is invalid; the message names the field."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""
    input: float
    output: float
    cache_read: float
    cache_write: float
    checked: str = ""
    source: str = ""

    def cost(self, input_tokens: int | None, output_tokens: int | None,
             cache_read: int | None, cache_write: int | None) -> float:
        """Each token counted once: Anthropic's ``input_tokens`` excludes the
        cache reads and writes, which are priced on their own."""
        return ((input_tokens or 0) * self.input + (output_tokens or 0) * self.output
                + (cache_read or 0) * self.cache_read + (cache_write or 0) * self.cache_write) / 1e6


FREE = Price(0.0, 0.0, 0.0, 0.0, source="local")


@dataclass(frozen=True)
class Budget:
    daily: float | None = None
    monthly: float | None = None
    at_limit: str = "warn"
    switch_to: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.daily or self.monthly)


@dataclass(frozen=True)
class UsageSettings:
    history: bool = True
    retention_days: float = 90
    budget: Budget = field(default_factory=Budget)
    prices: dict[str, Price] = field(default_factory=dict)


def _number(value: Any, where: str, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise UsageSettingsError(f"{where}: must be a number of 0 or more")
    return float(value)


def parse_price(raw: Any, where: str) -> Price:
    if not isinstance(raw, Mapping):
        raise UsageSettingsError(f"{where}: must be an object with input and output (USD per million tokens)")
    if "input" not in raw or "output" not in raw:
        raise UsageSettingsError(f"{where}: needs both input and output (USD per million tokens)")
    inp = _number(raw["input"], f"{where}.input")
    out = _number(raw["output"], f"{where}.output")
    assert inp is not None and out is not None
    # Not given: cache tokens cost what input tokens cost (what a provider
    # without a cache discount charges).
    read = _number(raw.get("cache_read", inp), f"{where}.cache_read")
    write = _number(raw.get("cache_write", inp), f"{where}.cache_write")
    assert read is not None and write is not None
    return Price(inp, out, read, write, str(raw.get("checked") or ""), str(raw.get("source") or ""))


def parse_prices(raw: Any) -> dict[str, Price]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise UsageSettingsError('prices: must be an object of "provider/model" -> price')
    out = {}
    for key, value in raw.items():
        if not isinstance(key, str) or "/" not in key:
            raise UsageSettingsError(f'prices: {key!r} must be "provider/model" (or "provider/*")')
        out[key] = parse_price(value, f"prices.{key}")
    return out


def parse_budget(raw: Any) -> Budget:
    if raw is None:
        return Budget()
    if not isinstance(raw, Mapping):
        raise UsageSettingsError("usage.budget: must be an object (daily, monthly, at_limit, switch_to)")
    daily = _number(raw.get("daily"), "usage.budget.daily", allow_none=True) or None
    monthly = _number(raw.get("monthly"), "usage.budget.monthly", allow_none=True) or None
    at_limit = raw.get("at_limit", "warn")
    if at_limit not in AT_LIMIT:
        raise UsageSettingsError(f"usage.budget.at_limit: must be one of {', '.join(AT_LIMIT)}")
    switch_to = raw.get("switch_to")
    if switch_to is not None and not isinstance(switch_to, str):
        raise UsageSettingsError("usage.budget.switch_to: must be a route id")
    if at_limit == "switch" and not switch_to:
        raise UsageSettingsError("usage.budget.switch_to: name the route to switch to at the limit")
    return Budget(daily, monthly, at_limit, switch_to or None)


def parse(data: Mapping[str, Any]) -> UsageSettings:
    """The usage settings of a decoded switchboard.json (``Config.raw``)."""
    raw = data.get("usage")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise UsageSettingsError("usage: must be an object")
    history = raw.get("history", True)
    if not isinstance(history, bool):
        raise UsageSettingsError("usage.history: must be true or false")
    days = _number(raw.get("retention_days", 90), "usage.retention_days")
    if not days:
        raise UsageSettingsError("usage.retention_days: must be more than 0")
    return UsageSettings(history, days, parse_budget(raw.get("budget")), parse_prices(data.get("prices")))


def parse_lenient(data: Mapping[str, Any]) -> tuple[UsageSettings, str | None]:
    """Like :func:`parse`, but a bad value gives the defaults and the problem."""
    try:
        return parse(data), None
    except UsageSettingsError as exc:
        try:
            prices = parse_prices(data.get("prices"))
        except UsageSettingsError:
            prices = {}
        return UsageSettings(prices=prices), str(exc)
