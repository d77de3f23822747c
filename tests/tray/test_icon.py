"""The pystray layer with the dummy backend (no display needed)."""
from __future__ import annotations

import pytest

from tray import menu
from tray.icon import caps_of, describe, load_pystray, render_menu
from tray.menu import Caps
from tray.state import AppState, RouteItem


@pytest.fixture
def pystray(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    loaded = load_pystray()
    assert loaded is not None
    module, backend = loaded
    assert backend == "dummy"
    return module


def test_render_and_click(pystray) -> None:
    state = AppState(phase="running", has_providers=True, active_route="b", autostart=True,
                     routes=(RouteItem("a", "A (X)"), RouteItem("b", "B (Y)")))
    calls: list = []
    rendered = render_menu(pystray, menu.build(state, Caps()), lambda action, arg: calls.append((action, arg)))
    data = describe(rendered)
    texts = [d.get("text") for d in data]
    assert texts[0] == "Running on 127.0.0.1:3456 · B (Y)" and data[0]["enabled"] is False
    a, b = data[texts.index("A (X)")], data[texts.index("B (Y)")]
    assert (a["checked"], a["radio"], b["checked"], b["radio"]) == (False, True, True, True)
    assert data[texts.index("Start at login")]["checked"] is True
    assert data[texts.index("Settings…")]["default"] is True
    assert {"separator": True} in data
    item = next(i for i in rendered.items if i.text == "A (X)")
    item(None)
    assert calls == [(menu.SWITCH, "a")]


def test_caps_follow_backend_flags() -> None:
    class NoRadio:
        HAS_MENU, HAS_MENU_RADIO, HAS_DEFAULT_ACTION, HAS_NOTIFICATION = True, False, False, True

    caps = caps_of(NoRadio)
    assert caps == Caps(menu=True, radio=False, default_action=False, notification=True)
    routes = [e for e in menu.build(AppState(routes=(RouteItem("a", "A"),), active_route="a"), caps)
              if e.action == menu.SWITCH]
    assert routes[0].radio is False and routes[0].checked is True


def test_unknown_backend_means_no_tray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "no-such-backend")
    assert load_pystray() is None


def test_the_first_menu_is_the_apps_state_not_an_empty_one(pystray) -> None:
    """The icon is made while the server may already answer: its first menu
    must not say "Not set up yet" for a set-up app (seen in the real tray
    between the icon's creation and its first update)."""
    from tray.icon import TrayIcon

    state = AppState(phase="running", has_providers=True, active_route="a", routes=(RouteItem("a", "A (X)"),))
    icon = TrayIcon(pystray, "dummy", on_action=lambda action, arg: None, state=state)
    texts = [d.get("text") for d in icon.rendered()]
    assert texts[0] == "Running on 127.0.0.1:3456 · A (X)"
    assert not any("Not set up" in (t or "") for t in texts)
