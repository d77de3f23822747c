"""A seeded history: known rows over several days, written by History itself."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from server.usage.history import History, Row
from server.usage.query import start_of_day
from tests.conftest import gateway_config


def row(ts: float, provider: str = "deepseek", model: str = "deepseek-chat", route: str = "everyday", *,
        status: int = 200, inp: int | None = 1000, out: int | None = 100, cr: int | None = 0,
        cw: int | None = 0, cost: float | None = 0.01, latency: float = 100.0, session: str | None = None,
        slot: str = "default") -> Row:
    return Row(ts, route, slot, provider, model, status, None if status < 400 else "api_error", latency,
               latency / 2, inp, out, cr, cw, False, session, cost)


def seed(path: Path, now: float | None = None) -> dict:
    """Rows today, 3 days ago and 20 days ago. Returns the expected totals."""
    now = time.time() if now is None else now
    sod = start_of_day(0, now)
    today = sod + (now - sod) * 0.5
    d3 = start_of_day(3, now) + 3600
    d20 = start_of_day(20, now) + 3600
    rows = [
        row(today, latency=100, session="s1"),
        row(today + 0.001, latency=300, session="s1", cr=3000, cost=0.02),
        row(today + 0.002, "openai", "gpt-5-mini", "everyday", inp=500, out=50, cost=0.005, latency=200, session="s1"),
        row(today + 0.003, "openai", "gpt-5-mini", "fast", status=429, inp=None, out=None, cr=None, cw=None,
            cost=0.0, latency=50),
        row(today + 0.004, "mystery", "m", "fast", inp=10, out=5, cost=None, latency=80),
        row(d3, "openai", "gpt-5", "everyday", inp=2000, out=400, cost=0.1, latency=400),
        row(d20, "deepseek", "deepseek-chat", "everyday", inp=7000, out=700, cost=1.0, latency=900),
    ]
    h = History(path)
    for r in rows:
        h.add(r)
    h.flush()
    h.close()
    return {"rows": rows}


def seeded_server(tmp_path: Path, upstream: Any, make_server: Any, monkeypatch: Any) -> Any:
    """A live Switchboard whose home (make_server's first, ``home0``) holds
    the seeded history, with a DeepSeek provider and a "cheap" route on top
    of the test gateway config; ``switchboard usage`` reads the same home."""
    home = tmp_path / "home0"  # make_server's first home
    home.mkdir()
    seed(home / "usage.sqlite3")
    cfg = gateway_config(upstream.url)
    cfg["providers"]["deepseek"] = {"type": "anthropic", "base_url": "https://api.deepseek.com/anthropic",
                                    "api_key": "env:DS", "models": ["deepseek-chat"], "name": "DeepSeek"}
    cfg["routes"]["cheap"] = {"name": "Cheap", "default": "deepseek/deepseek-chat"}
    server = make_server(cfg)
    monkeypatch.setenv("SWITCHBOARD_HOME", str(home))
    return server
