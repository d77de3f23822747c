"""Usage for a running gateway: history, prices, budget, today's totals.

``create_app`` builds one (``app.config["USAGE"]``), starts it before
serving and closes it after. The tray reaches it with :func:`of` (gateway ->
service). Everything here that touches SQLite or the config file runs in the
history's writer thread, never on the event loop.
"""
from __future__ import annotations

import logging
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any, Callable

from server.usage import query
from server.said import Said
from server.usage.budget import WORDS, Today, Tracker, day_key, money, month_key, today_line
from server.usage.history import FILE_NAME, History, Row
from server.usage.prices import Pricer
from server.usage.settings import parse_lenient

log = logging.getLogger("switchboard.usage")
# gateway -> its service, both weakly: the gateway's listeners hold the
# service, so they live and go together.
_BY_GATEWAY: "weakref.WeakKeyDictionary[Any, weakref.ref[UsageService]]" = weakref.WeakKeyDictionary()


def history_path(settings: Any) -> Path:
    """The database lives in the user data folder next to the logs:
    ``SWITCHBOARD_HOME`` (tests, portable use) or ``~/.local/state/switchboard``
    on Linux, ``%LOCALAPPDATA%\\switchboard`` on Windows; on macOS, whose log
    folder is ``~/Library/Logs/switchboard``, the app's data folder."""
    log_dir = Path(settings.log_dir)
    if log_dir.name.lower() in ("log", "logs"):
        return log_dir.parent / FILE_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("switchboard", appauthor=False)) / FILE_NAME


def of(gateway: Any) -> "UsageService | None":
    ref = _BY_GATEWAY.get(gateway)
    return ref() if ref is not None else None


class UsageService:
    def __init__(self, gateway: Any, settings: Any, *, flush_interval: float = 0.5) -> None:
        self.gateway = gateway
        self.path = history_path(settings)
        self.settings, self.settings_problem = parse_lenient(gateway.config.raw)
        if self.settings_problem:
            log.error("usage settings: %s (defaults used)", self.settings_problem)
        self._pricer = self._new_pricer()
        self.tracker = Tracker()
        self._shown: tuple[str, str | None] | None = None
        self.problem: Said | None = None
        self.listeners: list[Callable[[str], None]] = []         # "usage": today's line or an alert changed
        self.notice_listeners: list[Callable[[Said], None]] = []  # a budget notice (server/said.py)
        self.last_notice: Said | None = None
        self.history = History(self.path, retention_days=self.settings.retention_days, cost=self._cost,
                               on_problem=self._on_problem, on_written=self._on_written,
                               on_start=self._load_totals, flush_interval=flush_interval)
        gateway.listeners.append(self._on_gateway)
        _BY_GATEWAY[gateway] = weakref.ref(self)

    # -- lifecycle -------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.settings.history

    def start(self) -> None:
        self.history.start()

    def close(self) -> None:
        self.history.close()

    def add(self, row: Row) -> None:
        self.history.add(row)

    # -- config ----------------------------------------------------------------
    def _new_pricer(self) -> Pricer:
        return Pricer(self.gateway.config.providers, self.settings.prices)

    def _on_gateway(self, what: str) -> None:
        if what != "config":
            return
        self.settings, self.settings_problem = parse_lenient(self.gateway.config.raw)
        self.history.retention_days = self.settings.retention_days
        self._pricer = self._new_pricer()

    @property
    def pricer(self) -> Pricer:
        return self._pricer

    def _cost(self, row: Row) -> float | None:
        return self._pricer.cost(row.provider, row.model, row.input_tokens, row.output_tokens,
                                 row.cache_read_tokens, row.cache_write_tokens)

    # -- the writer thread's callbacks ----------------------------------------------
    def _on_problem(self, message: Said | None) -> None:
        self.problem = message
        self._tell("usage")

    def _load_totals(self) -> None:
        """Today's and this month's totals from the database (writer thread)."""
        now = time.time()
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5.0)
        except sqlite3.Error:
            return
        try:
            conn.row_factory = sqlite3.Row
            day = query.summary(conn, query.start_of_day(0, now), now + 1)["totals"]
            month = query.summary(conn, query.start_of_month(now), now + 1)["totals"]
        except sqlite3.Error:
            return
        finally:
            conn.close()
        today = Today(day_key(now), day["requests"], day["tokens"], day["cost_usd"], day["unpriced_requests"])
        self.tracker.load(now, today, month["cost_usd"], self.settings.budget)

    def _on_written(self, rows: list[Row]) -> None:
        crossed = self.tracker.add(rows, self.settings.budget)
        for period, pct, spent, limit in crossed:
            self._budget_notice(period, pct, spent, limit)
        shown = (self.today_line(), self.limit_reached())
        if shown != self._shown:  # the tray redraws only when its line changes
            self._shown = shown
            self._tell("usage")

    def _budget_notice(self, period: str, pct: int, spent: float, limit: float) -> None:
        budget = self.settings.budget
        amounts = {"spent": money(spent), "limit": money(limit)}
        if pct >= 100:
            said = WORDS(f"usage.notice.{period}Reached", **amounts)
            if budget.at_limit == "switch" and budget.switch_to:
                said = said.and_then(self._switch(budget.switch_to))
            else:
                said = said.and_then(WORDS("usage.notice.warnOnly"))
        else:
            said = WORDS(f"usage.notice.{period}At", pct=pct, **amounts)
        log.warning("budget: %s", said)
        self.last_notice = said
        for listener in list(self.notice_listeners):
            try:
                listener(said)
            except Exception:
                log.exception("usage: notice listener failed")

    def _switch(self, route_id: str) -> Said:
        config = self.gateway.config
        if config.active_route == route_id:
            return WORDS("usage.notice.alreadyOn", route=route_id)
        if route_id not in config.routes:
            return WORDS("usage.notice.noSuchRoute", route=route_id)
        try:
            self.gateway.switch_route(route_id)
        except Exception as exc:  # the notice still goes out
            log.error("budget: could not switch to %s: %s", route_id, exc)
            return WORDS("usage.notice.switchFailed", route=route_id, error=str(exc))
        return WORDS("usage.notice.switched", route=config.routes[route_id].name or route_id)

    def _tell(self, what: str) -> None:
        """Tell the tray (``listeners``) that its usage line or alert changed.
        Not the gateway's listeners: an open settings page re-reads its whole
        state on every gateway notice, and this fires up to twice a second."""
        for listener in list(self.listeners):
            try:
                listener(what)
            except Exception:
                log.exception("usage: listener failed")

    # -- what the tray shows ---------------------------------------------------------
    def today(self, now: float | None = None) -> Today:
        now = time.time() if now is None else now
        t = self.tracker.today
        return t if t.day == day_key(now) else Today(day_key(now))

    def today_line(self) -> Said:
        return today_line(self.today())

    def limit_reached(self, now: float | None = None) -> Said | None:
        now = time.time() if now is None else now
        return self.tracker.reached(self.settings.budget, day_key(now), month_key(now))

