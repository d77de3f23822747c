"""Today's and this month's running totals, and the budget's notices.

Pure bookkeeping, fed by the history's writer thread after each written
batch (no SQL per request): a notice at 80 % and at 100 % of the daily and
the monthly limit, each once per day / month. Restarting loads the totals
from the database; thresholds already passed then count as notified, but
"limit reached" stays shown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from server.said import Said, Words
from server.usage.history import Row
from server.usage.settings import Budget

THRESHOLDS = (80, 100)

# Today's line and the spending-limit alerts and notices: the settings page
# and the tray word them in the person's language (server/said.py).
WORDS = Words({
    "usage.line.tokens": "Today: {tokens} tokens",
    "usage.line.cost": "Today: {tokens} tokens · {cost}",
    "usage.line.costPlusUnknown": "Today: {tokens} tokens · {cost} + price unknown",
    "usage.reached.daily": "Daily limit reached ({spent} of {limit})",
    "usage.reached.monthly": "Monthly limit reached ({spent} of {limit})",
    "usage.notice.dailyAt": "Daily spending is at {pct} % of the limit: {spent} of {limit}.",
    "usage.notice.monthlyAt": "Monthly spending is at {pct} % of the limit: {spent} of {limit}.",
    "usage.notice.dailyReached": "Daily spending limit reached: {spent} of {limit}.",
    "usage.notice.monthlyReached": "Monthly spending limit reached: {spent} of {limit}.",
    "usage.notice.warnOnly": "Requests still go through (the limit only warns).",
    "usage.notice.alreadyOn": "Already on the route '{route}'.",
    "usage.notice.noSuchRoute": "The route '{route}' to switch to does not exist; nothing was switched.",
    "usage.notice.switchFailed": "Switching to '{route}' failed: {error}",
    "usage.notice.switched": "Switched to the route '{route}'.",
}, shown_by=("page", "tray"))


@dataclass
class Today:
    """What the tray line shows."""
    day: str = ""
    requests: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0   # requests with tokens whose price is unknown


def day_key(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d")


def month_key(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m")


def row_tokens(row: Row) -> int:
    return sum(v or 0 for v in (row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens))


class Tracker:
    def __init__(self) -> None:
        self.today = Today()
        self.month = ""
        self.month_cost = 0.0
        self._notified: set[tuple[str, str, int]] = set()

    def load(self, now: float, today: Today, month_cost: float, budget: Budget) -> None:
        self.today = today
        self.month = month_key(now)
        self.month_cost = month_cost
        for period, limit, spent, key in self._periods(budget):
            for pct in THRESHOLDS:
                if limit and spent >= limit * pct / 100:
                    self._notified.add((period, key, pct))

    def _periods(self, budget: Budget) -> list[tuple[str, float | None, float, str]]:
        return [("daily", budget.daily, self.today.cost_usd, self.today.day),
                ("monthly", budget.monthly, self.month_cost, self.month)]

    def add(self, rows: Iterable[Row], budget: Budget) -> list[tuple[str, int, float, float]]:
        """Count ``rows``; return the thresholds newly crossed as
        (period, percent, spent, limit)."""
        for row in rows:
            day, month = day_key(row.ts), month_key(row.ts)
            if day != self.today.day:
                self.today = Today(day)
            if month != self.month:
                self.month, self.month_cost = month, 0.0
            self.today.requests += 1
            tokens = row_tokens(row)
            self.today.tokens += tokens
            if row.cost_usd is None:
                self.today.unpriced += 1
            else:
                self.today.cost_usd += row.cost_usd
                self.month_cost += row.cost_usd
        crossed = []
        for period, limit, spent, key in self._periods(budget):
            if not limit:
                continue
            for pct in THRESHOLDS:
                mark = (period, key, pct)
                if spent >= limit * pct / 100 and mark not in self._notified:
                    self._notified.add(mark)
                    crossed.append((period, pct, spent, limit))
        return crossed

    def reached(self, budget: Budget, now_day: str, now_month: str) -> Said | None:
        """"Daily limit reached ($5.02 of $5.00)" while a limit is reached."""
        if budget.daily and self.today.day == now_day and self.today.cost_usd >= budget.daily:
            return WORDS("usage.reached.daily", spent=money(self.today.cost_usd), limit=money(budget.daily))
        if budget.monthly and self.month == now_month and self.month_cost >= budget.monthly:
            return WORDS("usage.reached.monthly", spent=money(self.month_cost), limit=money(budget.monthly))
        return None


def money(usd: float) -> str:
    if usd and usd < 0.01:
        return f"${usd:.4f}"
    return f"${usd:,.2f}"


def tokens_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} M"
    if n >= 1_000:
        return f"{n / 1_000:.1f} k"
    return str(n)


def today_line(today: Today) -> Said:
    """"Today: 1.2 M tokens · $0.84" (tokens only when no price is known)."""
    tokens = tokens_text(today.tokens)
    if not (today.cost_usd or not today.unpriced):
        return WORDS("usage.line.tokens", tokens=tokens)
    code = "usage.line.costPlusUnknown" if today.unpriced else "usage.line.cost"
    return WORDS(code, tokens=tokens, cost=money(today.cost_usd))
