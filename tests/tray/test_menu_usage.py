"""The tray's usage lines (issue 15 §4, §5): under the status line, disabled."""
from __future__ import annotations

from tray import menu
from tray.state import AppState, RouteItem

RUNNING = AppState(phase="running", has_providers=True, routes=(RouteItem("everyday", "Everyday (DeepSeek)"),),
                   active_route="everyday", autostart=False)


def _status(state: AppState) -> list[menu.Entry]:
    return [e for e in menu.build(state) if e.kind == "status"]


def test_today_line_under_the_status_line() -> None:
    entries = _status(RUNNING.with_(usage_line="Today: 1.2 M tokens · $0.84"))
    assert [e.text for e in entries] == ["Running on 127.0.0.1:3456 · Everyday (DeepSeek)",
                                         "Today: 1.2 M tokens · $0.84"]
    assert not any(e.enabled for e in entries)


def test_limit_reached_is_shown() -> None:
    state = RUNNING.with_(usage_line="Today: 3.0 k tokens · $5.02",
                          usage_alert="Daily limit reached ($5.02 of $5.00)")
    assert [e.text for e in _status(state)][1:] == ["Today: 3.0 k tokens · $5.02",
                                                   "Daily limit reached ($5.02 of $5.00)"]
    assert menu.icon_state(state) == "ready"  # a limit is a notice, not a broken app


def test_no_usage_line_without_history() -> None:
    assert [e.text for e in _status(RUNNING)] == ["Running on 127.0.0.1:3456 · Everyday (DeepSeek)"]
