"""The menu model for every state, without pystray."""
from __future__ import annotations

from server.config import parse
from server.secrets import MemoryKeyring, SecretStore
from tray import menu
from tray.menu import Caps, Entry
from tray.state import AppState, RouteItem, collect, missing_keys, route_label

ROUTES = (RouteItem("everyday", "Everyday (DeepSeek)"), RouteItem("hard", "Hard tasks (OpenAI)"),
          RouteItem("local", "Local (Ollama)"))
RUNNING = AppState(phase="running", has_providers=True, routes=ROUTES, active_route="everyday",
                   autostart=False)


def items(entries: list[Entry]) -> dict[str, Entry]:
    return {e.text: e for e in entries if e.kind == "item"}


def status(entries: list[Entry]) -> list[str]:
    return [e.text for e in entries if e.kind == "status"]


def test_running_with_several_routes() -> None:
    entries = menu.build(RUNNING)
    assert status(entries) == ["Running on 127.0.0.1:3456 · Everyday (DeepSeek)"]
    assert all(not e.enabled for e in entries if e.kind == "status")
    routes = [e for e in entries if e.action == menu.SWITCH]
    assert [(r.text, r.arg, r.checked, r.radio) for r in routes] == [
        ("Everyday (DeepSeek)", "everyday", True, True),
        ("Hard tasks (OpenAI)", "hard", False, True),
        ("Local (Ollama)", "local", False, True),
    ]
    by_text = items(entries)
    assert list(by_text)[-1] == "Quit"
    for text in ("Settings…", "Copy Claude Code setup", "Connect Claude Code…", "Start at login",
                 "Open logs folder", "Quit"):
        assert by_text[text].enabled, text
    assert by_text["Settings…"].default is True
    assert by_text["Start at login"].checked is False
    assert "Disconnect Claude Code" not in by_text
    assert menu.icon_state(RUNNING) == "ready"


def test_active_route_moves_the_check() -> None:
    entries = menu.build(RUNNING.with_(active_route="hard"))
    checked = [e.arg for e in entries if e.action == menu.SWITCH and e.checked]
    assert checked == ["hard"]
    assert status(entries)[0].endswith("· Hard tasks (OpenAI)")


def test_without_radio_support_routes_become_check_items() -> None:
    entries = menu.build(RUNNING, Caps(radio=False, default_action=False))
    routes = [e for e in entries if e.action == menu.SWITCH]
    assert routes and all(not r.radio for r in routes)
    assert [r.checked for r in routes] == [True, False, False]
    assert not any(e.default for e in entries)


def test_first_run() -> None:
    state = AppState(phase="running")
    assert state.first_run
    entries = menu.build(state)
    assert status(entries) == ["Not set up yet: open Settings to add a provider"]
    assert not [e for e in entries if e.action == menu.SWITCH]
    assert items(entries)["Settings…"].enabled
    # Not set up yet is not a failure: its own icon, not the problem triangle (issue 13.16).
    assert menu.icon_state(state) == "setup"
    assert menu.icon_state(state.with_(crash="ValueError")) == "problem"


def test_port_taken_offers_the_next_free_port() -> None:
    state = RUNNING.with_(phase="stopped", port_taken=True, free_port=3457)
    entries = menu.build(state)
    # Says in plain words that the other program receives what is sent there (issue 14).
    assert status(entries) == ["Port 3456 is used by another program",
                               "Whatever is sent to this port (access keys too) reaches that program"]
    claude_there = menu.build(state.with_(claude_at_taken_port=True))
    assert status(claude_there)[1] == ("Claude Code is set to this port: "
                                       "it would send that program its access key")
    offer = items(entries)["Use port 3457 instead"]
    assert (offer.action, offer.arg, offer.enabled) == (menu.USE_PORT, 3457, True)
    # Nothing listens, so the Claude Code items that need the server are off.
    assert not items(entries)["Copy Claude Code setup"].enabled
    assert not items(entries)["Connect Claude Code…"].enabled
    assert menu.icon_state(state) == "problem"


def test_port_taken_without_a_free_port_offers_nothing() -> None:
    entries = menu.build(RUNNING.with_(port_taken=True, free_port=None))
    assert not [e for e in entries if e.action == menu.USE_PORT]


def test_no_keyring_is_said_clearly() -> None:
    state = RUNNING.with_(keyring_problem="no keyring backend is available on this system",
                         access_key_ok=False)
    entries = menu.build(state)
    assert status(entries) == ["No system keyring: keys cannot be stored or read",
                               "no keyring backend is available on this system"]
    assert not items(entries)["Copy Claude Code setup"].enabled
    assert not items(entries)["Connect Claude Code…"].enabled
    assert menu.icon_state(state) == "problem"


def test_missing_key_and_failing_provider() -> None:
    assert status(menu.build(RUNNING.with_(missing_keys=("OpenAI",)))) == ["No key for OpenAI"]
    failing = RUNNING.with_(last_error="rate limited by OpenAI")
    assert status(menu.build(failing)) == ["Last request failed: rate limited by OpenAI"]
    assert menu.icon_state(failing) == "problem"


def test_crash_wins_and_is_plain() -> None:
    lines = status(menu.build(RUNNING.with_(crash="ValueError", last_error="x")))
    assert lines[0] == "Something went wrong inside Switchboard (ValueError)"
    assert "logs" in lines[1]


def test_starting_is_working_and_connected_shows_disconnect() -> None:
    starting = AppState(has_providers=True, phase="starting")
    assert menu.icon_state(starting) == "working"
    assert status(menu.build(starting)) == ["Starting on 127.0.0.1:3456…"]
    entries = menu.build(RUNNING.with_(claude_connected=True, autostart=True))
    assert items(entries)["Disconnect Claude Code"].action == menu.DISCONNECT
    assert "Connect Claude Code…" not in items(entries)
    assert items(entries)["Start at login"].checked is True


def test_autostart_unknown_is_disabled() -> None:
    assert not items(menu.build(RUNNING.with_(autostart=None)))["Start at login"].enabled


def test_config_error_is_shown() -> None:
    lines = status(menu.build(AppState(phase="running", config_error="routes.x.default: is required")))
    assert lines == ["The settings file has a problem", "routes.x.default: is required"]


CONFIG = {
    "providers": {
        "ds": {"type": "openai", "name": "DeepSeek", "base_url": "https://api.deepseek.com", "api_key": "keyring"},
        "oa": {"type": "openai", "name": "OpenAI", "base_url": "https://api.openai.com/v1", "api_key": "env:OA_KEY"},
        "local": {"type": "openai", "base_url": "http://127.0.0.1:11434/v1"},
    },
    "routes": {"everyday": {"name": "Everyday", "default": "ds/deepseek-chat"},
               "hard": {"name": "Hard", "default": ["oa/gpt-5", "ds/deepseek-reasoner"]}},
    "active_route": "hard",
}


class FakeGateway:
    def __init__(self, config: dict, secrets: SecretStore) -> None:
        self.config = parse(config)
        self.secrets = secrets
        self.config_error = None
        self.last_error = "rate limited by OpenAI"


def test_collect_from_a_gateway() -> None:
    keyring = MemoryKeyring()
    secrets = SecretStore(keyring, environ={})
    gw = FakeGateway(CONFIG, secrets)
    assert route_label(gw.config, gw.config.routes["hard"]) == "Hard (OpenAI, DeepSeek)"
    assert missing_keys(gw.config, secrets) == ("OpenAI", "DeepSeek")
    keyring.set_password("switchboard", "ds", "sk-deepseek-0000000000")
    state = collect(gw, AppState(phase="running"), claude_connected=lambda: True,
                    autostart=lambda: 1 / 0)
    assert state.missing_keys == ("OpenAI",)
    assert state.active_route == "hard" and state.has_providers and not state.first_run
    assert [r.label for r in state.routes] == ["Everyday (DeepSeek)", "Hard (OpenAI, DeepSeek)"]
    assert state.claude_connected is True and state.autostart is None  # a failing probe reads as unknown
    assert state.last_error == "rate limited by OpenAI"
    assert status(menu.build(state)) == ["No key for OpenAI"]


def test_collect_reports_a_broken_keyring() -> None:
    class Broken:
        def get_password(self, *_a):
            raise type("NoKeyringError", (RuntimeError,), {})()

    gw = FakeGateway(CONFIG, SecretStore(Broken(), environ={}))
    state = collect(gw, AppState(phase="running"))
    assert state.keyring_problem == "no keyring backend is available on this system"
    assert state.access_key_ok is False
    gw2 = FakeGateway(CONFIG, SecretStore(Broken(), environ={"SWITCHBOARD_API_KEY": "sk-swb-x"}))
    assert collect(gw2, AppState()).access_key_ok is True


def test_route_labels_never_nest_brackets() -> None:
    """Issue 13.19: "Local (free) (Ollama (this computer))" becomes "Local (free) · Ollama"."""
    config = parse({
        "providers": {"ollama": {"type": "openai", "base_url": "http://127.0.0.1:11434/v1", "api_key": "",
                                 "name": "Ollama (this computer)"},
                      "ds": {"type": "anthropic", "base_url": "https://api.deepseek.com/anthropic",
                             "api_key": "keyring", "name": "DeepSeek"}},
        "routes": {"local": {"name": "Local (free)", "default": "ollama/qwen3:8b"},
                   "plain": {"name": "Everyday", "default": "ollama/qwen3:8b"},
                   "ds": {"name": "Main", "default": "ds/deepseek-chat"}},
        "active_route": "local"})
    assert route_label(config, config.routes["local"]) == "Local (free) · Ollama"
    assert route_label(config, config.routes["plain"]) == "Everyday (Ollama)"
    assert route_label(config, config.routes["ds"]) == "Main (DeepSeek)"
    for route in config.routes.values():
        label = route_label(config, route)
        depth = 0
        for ch in label:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            assert depth <= 1, label
