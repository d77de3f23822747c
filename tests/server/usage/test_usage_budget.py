"""Budget: notices at 80 % and 100 %, warn only or switch route (issue 15 §5),
and the tray's "Today" line (§4)."""
from __future__ import annotations

import json
import time

from server.usage.budget import Today, Tracker, today_line
from server.usage.settings import Budget
from tests.conftest import UPSTREAM_FIXTURES, gateway_config
from tests.support.fake_upstream import json_script
from tray import menu
from tray.state import AppState, collect

from seed import row
from usage_helpers import wait_rows

ANSWER = json.loads((UPSTREAM_FIXTURES / "anthropic/message-text.json").read_text())  # 12 in, 29 out
# 12 input + 29 output at 1000 / 1000 USD per million: $0.041 per request.
PRICE = {"input": 1000, "output": 1000}


def _wait(cond, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _server(upstream, make_server, budget):
    cfg = gateway_config(upstream.url, kind="anthropic")
    cfg["providers"]["up"]["base_url"] = upstream.url
    cfg["routes"]["cheap"] = {"name": "Cheap", "default": "up/m1"}
    cfg["prices"] = {"up/m1": PRICE}
    cfg["usage"] = {"budget": budget}
    server = make_server(cfg)
    upstream.default = json_script(ANSWER)
    notices: list[str] = []
    server.app.config["USAGE"].notice_listeners.append(lambda said: notices.append(said.text))
    return server, notices


def _send(server, n: int) -> None:
    for _ in range(n):
        r = server.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 10,
                                         "messages": [{"role": "user", "content": "x"}]})
        assert r.status_code == 200


def test_warn_at_80_and_100_percent_and_keep_serving(upstream, make_server):
    server, notices = _server(upstream, make_server, {"daily": 0.1})  # 3 requests = $0.123
    told: list[str] = []
    server.app.config["USAGE"].listeners.append(told.append)  # what the tray listens to
    _send(server, 2)  # $0.082: 82 %
    _wait(lambda: len(notices) == 1)
    assert "usage" in told
    assert notices[0].startswith("Daily spending is at 80 % of the limit: $0.08 of $0.10")
    _send(server, 1)
    _wait(lambda: len(notices) == 2)
    assert notices[1].startswith("Daily spending limit reached: $0.12 of $0.10.")
    assert "still go through" in notices[1]
    _send(server, 2)  # no repeat
    wait_rows(server.settings.home / "usage.sqlite3", 5)
    time.sleep(0.7)
    assert len(notices) == 2
    assert server.gateway.config.active_route == "main"
    state = collect(server.gateway, AppState(phase="running"))
    assert state.usage_alert == "Daily limit reached ($0.21 of $0.10)"
    assert state.usage_line == "Today: 205 tokens · $0.21"
    texts = [e.text for e in menu.build(state) if e.kind == "status"]
    assert texts[1:] == ["Today: 205 tokens · $0.21", "Daily limit reached ($0.21 of $0.10)"]


def test_switch_route_at_the_limit(upstream, make_server):
    server, notices = _server(upstream, make_server,
                              {"monthly": 0.05, "at_limit": "switch", "switch_to": "cheap"})
    _send(server, 2)
    _wait(lambda: any("limit reached" in n for n in notices))
    assert "Switched to the route 'Cheap'" in notices[-1]
    _wait(lambda: server.gateway.config.active_route == "cheap")
    saved = json.loads(server.settings.config_path.read_text())
    assert saved["active_route"] == "cheap" and saved["usage"]["budget"]["switch_to"] == "cheap"


def test_restart_loads_today_and_does_not_repeat_notices():
    budget = Budget(daily=1.0)
    t = Tracker()
    now = time.time()
    t.load(now, Today(time.strftime("%Y-%m-%d"), 10, 5000, 0.9, 0), 0.9, budget)
    assert t.add([row(now, cost=0.05)], budget) == []           # 95 %: 80 % was already passed
    assert t.add([row(now, cost=0.06)], budget) == [("daily", 100, 1.01, 1.0)]
    assert t.today.requests == 12 and t.today.tokens == 5000 + 2 * 1100


def test_today_line_words():
    assert today_line(Today("d", 3, 1_234_567, 0.84, 0)).text == "Today: 1.2 M tokens · $0.84"
    assert today_line(Today("d", 3, 4_500, 0.0, 3)).text == "Today: 4.5 k tokens"  # no price known: tokens only
    assert today_line(Today("d", 3, 4_500, 0.5, 1)).text == "Today: 4.5 k tokens · $0.50 + price unknown"
    assert today_line(Today("d")).text == "Today: 0 tokens · $0.00"


def test_tray_line_after_restart_comes_from_the_database(upstream, make_server, tmp_path):
    from seed import seed

    cfg = gateway_config(upstream.url)
    home = tmp_path / "home0"
    home.mkdir()
    seed(home / "usage.sqlite3")
    server = make_server(cfg)
    svc = server.app.config["USAGE"]
    _wait(lambda: svc.today().requests == 5)
    assert svc.today_line().text == "Today: 5.8 k tokens · $0.04 + price unknown"
