"""The tray menu as data: AppState -> entries. No GUI import here.

``tray.icon`` renders these entries with pystray; tests read them directly.
Each clickable entry names an ``action`` (and an ``arg``) that
``tray.actions.Actions.run`` knows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.exposure import is_loopback
from tray import i18n
from tray.i18n import _
from tray.state import AppState


@dataclass(frozen=True)
class Caps:
    """What the tray backend can show (pystray's HAS_* flags)."""
    menu: bool = True
    radio: bool = True
    default_action: bool = True
    notification: bool = True


@dataclass(frozen=True)
class Entry:
    kind: str                  # "status" (disabled text), "item", "separator"
    text: str = ""
    action: str | None = None
    arg: str | int | None = None
    checked: bool | None = None  # None: not a check/radio item
    radio: bool = False
    enabled: bool = True
    default: bool = False      # the icon's click action, where the backend has one
    children: tuple["Entry", ...] = ()  # kind "submenu": its entries


SEPARATOR = Entry("separator")

# Action names (tray.actions.Actions handles each).
SETTINGS = "open_settings"
SWITCH = "switch_route"
COPY_SETUP = "copy_setup"
CONNECT = "connect_claude"
DISCONNECT = "disconnect_claude"
AUTOSTART = "toggle_autostart"
LOGS = "open_logs"
USE_PORT = "use_port"
MOVE_SESSION = "move_session"        # arg: (session id, route id or None)
PROJECTS = "open_projects"           # the settings page's Claude Code screen (folders, routes)
OPEN_PROJECT = "open_claude_in"      # arg: a pinned project folder
QUIT = "quit"


def _failure_kind(error_type: str | None) -> str:
    """A failed request's kind (its Anthropic error type), in the tray's language."""
    if error_type == "authentication_error":
        return _("the provider did not accept the key")
    if error_type == "permission_error":
        return _("the provider refused access")
    if error_type == "rate_limit_error":
        return _("the provider's rate limit was reached")
    if error_type == "overloaded_error":
        return _("the provider is overloaded")
    if error_type == "not_found_error":
        return _("the provider does not know that model or address")
    if error_type in ("invalid_request_error", "request_too_large"):
        return _("the provider refused the request")
    return _("the provider or the connection had a problem")


def status_lines(state: AppState) -> list[str]:
    """The first line says what matters most; a second one may explain."""
    i18n.use(state.language)
    if state.crash:
        return [_("Something went wrong inside Switchboard ({crash})").format(crash=state.crash),
                _("It keeps running; the logs folder has details")]
    if state.port_taken:
        if state.claude_at_taken_port:
            warning = _("Claude Code is set to this port: it would send that program its access key")
        else:
            warning = _("Whatever is sent to this port (access keys too) reaches that program")
        return [_("Port {port} is used by another program").format(port=state.port), warning]
    if state.server_error:
        return [_("Not running: {error}").format(error=_words(state.server_error))]
    if state.config_error:
        return [_("The settings file has a problem"), _short(state.config_error)]
    if state.keyring_problem:
        return [_("No system keyring: keys cannot be stored or read"),
                _short(state.keyring_problem)]
    if state.first_run:
        return [_("Not set up yet: open Settings to add a provider")]
    if state.missing_keys:
        return [_("No key for {names}").format(names=", ".join(state.missing_keys))]
    if state.last_error:
        # The error's own words are English (clients read them): in another
        # language the tray says what kind of failure it was instead.
        error = _failure_kind(state.last_error_type) if i18n.translating() else _short(state.last_error)
        return [_("Last request failed: {error}").format(error=error)]
    if state.key_status:
        return [_short(state.key_status)]
    if state.phase == "starting":
        return [_("Starting on {host}:{port}…").format(host=state.host, port=state.port)]
    if state.phase == "stopped":
        return [_("Stopped")]
    label = state.active_label
    where = _("Running on {host}:{port}").format(host=state.host, port=state.port)
    first = f"{where} · {label}" if label else where
    if not is_loopback(state.host):
        return [first, _("Reachable from other computers: anyone with the access key can use your providers")]
    return [first]


def icon_state(state: AppState) -> str:
    """Which icon: ``ready``, ``working`` (starting up), ``setup`` (nothing
    configured yet: not an error) or ``problem``."""
    if state.crash or state.port_taken or state.server_error or state.config_error or state.keyring_problem:
        return "problem"
    if state.first_run:
        return "setup"
    if state.missing_keys or state.last_error:
        return "problem"
    if state.phase != "running":
        return "working"
    return "ready"


def build(state: AppState, caps: Caps = Caps()) -> list[Entry]:
    i18n.use(state.language)
    entries = [Entry("status", text, enabled=False) for text in status_lines(state)]
    for text in (state.usage_line, state.usage_alert):  # issue 15: today's usage, limits
        if text:
            entries.append(Entry("status", _short(text), enabled=False))
    if state.port_taken and state.free_port:
        entries.append(Entry("item", _("Use port {port} instead").format(port=state.free_port), USE_PORT, state.free_port))
    entries.append(SEPARATOR)
    if state.routes:
        for route in state.routes:
            entries.append(Entry("item", route.label, SWITCH, route.id,
                                 checked=route.id == state.active_route, radio=caps.radio))
        entries.append(SEPARATOR)
    # While another program holds the port, Settings cannot open there: the
    # item says so (clicking it explains what to do).
    settings_text = (_("Settings… (port {port} is taken: use another port first)").format(port=state.port)
                     if state.port_taken else _("Settings…"))
    entries.append(Entry("item", settings_text, SETTINGS, default=caps.default_action))
    running = state.phase == "running" and not state.port_taken and not state.server_error
    claude_ok = state.access_key_ok and running
    entries.append(Entry("item", _("Copy Claude Code setup"), COPY_SETUP, enabled=claude_ok))
    if state.claude_connected:
        entries.append(Entry("item", _("Disconnect Claude Code"), DISCONNECT))
    else:
        entries.append(Entry("item", _("Connect Claude Code…"), CONNECT, enabled=claude_ok))
    entries.extend(per_window(state, caps, claude_ok))
    entries.append(SEPARATOR)
    entries.append(Entry("item", _("Start at login"), AUTOSTART, checked=bool(state.autostart),
                         enabled=state.autostart is not None))
    entries.append(Entry("item", _("Open logs folder"), LOGS))
    entries.append(SEPARATOR)
    entries.append(Entry("item", _("Quit"), QUIT))
    return entries


def per_window(state: AppState, caps: Caps, claude_ok: bool) -> list[Entry]:
    """A route per Claude Code window (issue 16): the live sessions, each
    movable to another route; Claude Code opened in a pinned folder; the
    page's screen to pin a folder (a tray has no folder chooser)."""
    out: list[Entry] = []
    if state.sessions and state.routes:
        out.append(Entry("submenu", _("Sessions"), children=tuple(
            Entry("submenu", s.label, children=(
                Entry("item", _("Its address or the active route"), MOVE_SESSION, (s.id, None),
                      checked=s.chosen_route is None, radio=caps.radio),
                *(Entry("item", r.label, MOVE_SESSION, (s.id, r.id), checked=s.chosen_route == r.id,
                        radio=caps.radio) for r in state.routes)))
            for s in state.sessions)))
    if state.projects:
        out.append(Entry("submenu", _("Open Claude Code with a route"), children=(
            *(Entry("item", p.label, OPEN_PROJECT, p.folder, enabled=claude_ok) for p in state.projects),
            SEPARATOR, Entry("item", _("Another folder…"), PROJECTS, enabled=claude_ok))))
    else:
        out.append(Entry("item", _("Open Claude Code with a route…"), PROJECTS, enabled=claude_ok))
    out.append(Entry("item", _("Use a route for a project…"), PROJECTS, enabled=claude_ok))
    return out


def tooltip(state: AppState) -> str:
    return "Switchboard — " + status_lines(state)[0]  # status_lines picks the language


def _words(text: Any) -> str:
    """A sentence the server words (server/said.py) in the menu's language; text as it is."""
    return text if isinstance(text, str) else i18n.said(text)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
