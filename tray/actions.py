"""What the menu entries do. Every dependency is injected (``Deps``), so
tests run each action against fakes, and the tray wires the real ones.

``Actions.run(action, arg)`` never raises: a failure is logged and told to
the user in a notification (or by the status line when notifications are
not supported).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from server import terminal
from server.logs import redact
from server.project_pins import route_address
from server.secrets import ACCESS_KEY_ENV
from tray import i18n, menu
from tray.i18n import _
from tray.setup_text import claude_code_setup

log = logging.getLogger("switchboard.tray")


@dataclass
class Deps:
    gateway: Callable[[], Any]             # the running Gateway
    port: Callable[[], int]                # where the server listens
    login_page: Callable[..., str | None]  # (port, screen=""): a file:// address that signs in there (no token in it)
    proves_instance: Callable[[int], bool]   # does 127.0.0.1:<port> prove it is this instance?
    open_url: Callable[[str], bool]
    open_folder: Callable[[Path], bool]
    copy_text: Callable[[str], bool]
    notify: Callable[[str, str], None]     # (title, message)
    autostart: Any                         # is_enabled(), set_enabled(bool)
    log_dir: Path
    use_port: Callable[[int], None]        # move the server to another port
    quit: Callable[[], None]
    refresh: Callable[[], None]            # rebuild the menu from fresh state
    platform: str | None = None            # sys.platform (injected by tests)
    environ: Mapping[str, str] | None = None  # os.environ (injected by tests): $SHELL


PORT_TAKEN_SETTINGS = ("Settings cannot open: port {port} is used by another program, not by Switchboard. "
                       "Choose \"Use port … instead\" in the menu (or quit that program), then open Settings.")


class Actions:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def run(self, action: str, arg: Any = None) -> None:
        handler = {
            menu.SETTINGS: self.open_settings,
            menu.SWITCH: lambda: self.switch_route(str(arg)),
            menu.COPY_SETUP: self.copy_setup,
            menu.CONNECT: self.connect_claude,
            menu.DISCONNECT: self.disconnect_claude,
            menu.AUTOSTART: self.toggle_autostart,
            menu.LOGS: self.open_logs,
            menu.USE_PORT: lambda: self.use_port(int(arg)),
            menu.MOVE_SESSION: lambda: self.move_session(arg),
            menu.PROJECTS: lambda: self.open_settings("claude"),
            menu.OPEN_PROJECT: lambda: self.open_claude_in(str(arg)),
            menu.QUIT: self.deps.quit,
        }.get(action)
        if handler is None:
            log.error("unknown menu action %r", action)
            return
        try:
            handler()
        except Exception as exc:
            log.error("menu action %s failed: %s", action, redact(str(exc)), exc_info=exc)
            self.deps.notify("Switchboard", _plain(exc))
        finally:
            if action != menu.QUIT:
                self.deps.refresh()

    # -- the actions -------------------------------------------------------------
    def open_settings(self, screen: str = "") -> None:
        """Open a signed-in settings page (on ``screen``, when given), only on
        an address that proved it is this instance (a program holding the
        port never gets a token), and never with the token in the browser's
        command line."""
        port = self.deps.port()
        if not self.deps.proves_instance(port):
            self.deps.notify("Switchboard", _(PORT_TAKEN_SETTINGS).format(port=port))
            return
        page = self.deps.login_page(port, screen) if screen else self.deps.login_page(port)
        if page is None or not self.deps.open_url(page):
            self.deps.notify("Switchboard", _("Could not open the browser. In a terminal, run: "
                                              "switchboard settings-link --open"))

    def switch_route(self, route_id: str) -> None:
        gateway = self.deps.gateway()
        gateway.switch_route(route_id)
        route = gateway.config.routes[route_id]
        self.deps.notify("Switchboard", _("Now using {name}").format(name=route.name))

    def base_url(self) -> str:
        return self.deps.gateway().serving_url or f"http://127.0.0.1:{self.deps.port()}"

    def setup_text(self) -> tuple[str, str]:
        """(lines for this platform's shell, the shell's name)."""
        key = self.deps.gateway().access_key()
        return claude_code_setup(self.base_url(), key, platform=self.deps.platform, environ=self.deps.environ)

    def copy_setup(self) -> None:
        text, shell = self.setup_text()
        if self.deps.copy_text(text):
            self.deps.notify("Switchboard", _("Claude Code setup copied for {shell}: paste it into {shell}, "
                                              "then start claude from there").format(shell=shell))
        else:
            self.deps.notify("Switchboard", _("Could not reach the clipboard; Settings shows the same lines"))
            self.open_settings()

    def connect_claude(self) -> None:
        self.deps.gateway().connect_claude_code()  # the gateway owns Claude Code's settings
        self.deps.notify("Switchboard", _("Claude Code now uses Switchboard: restart Claude Code to use it."))

    def disconnect_claude(self) -> None:
        self.deps.gateway().disconnect_claude_code()
        self.deps.notify("Switchboard", _("Claude Code's settings are restored: restart Claude Code."))

    def toggle_autostart(self) -> None:
        autostart = self.deps.autostart
        autostart.set_enabled(not autostart.is_enabled())

    def open_logs(self) -> None:
        if not self.deps.open_folder(self.deps.log_dir):
            self.deps.notify("Switchboard", _("The logs are in {folder}").format(folder=self.deps.log_dir))

    def use_port(self, port: int) -> None:
        self.deps.use_port(port)

    def move_session(self, arg: Any) -> None:
        """One Claude Code session to another route (the others stay)."""
        session_id, route_id = arg
        gateway = self.deps.gateway()
        if not gateway.move_session(session_id, route_id):
            self.deps.notify("Switchboard", _("That Claude Code session is no longer live"))
            return
        where = gateway.config.routes[route_id].name if route_id else _("its address or the active route")
        self.deps.notify("Switchboard", _("That Claude Code session now uses {where} from its next request")
                         .format(where=where))

    def open_claude_in(self, folder: str) -> None:
        """Claude Code in a terminal in a pinned folder, with the folder's route."""
        gateway = self.deps.gateway()
        pinned = {p.folder: p for p in gateway.project_pins.listing()}.get(folder)
        if pinned is None:
            self.deps.notify("Switchboard", _("{folder} is not pinned to a route any more").format(folder=folder))
            return
        opened = terminal.open_claude(folder, route_address(self.base_url(), pinned.route), gateway.access_key(),
                                      platform=self.deps.platform, environ=self.deps.environ,
                                      key_in_keychain=not _environ(self.deps).get(ACCESS_KEY_ENV))
        if opened.ok:
            return
        if opened.command and self.deps.copy_text(opened.command):
            self.deps.notify("Switchboard", _("No terminal program was found: the command to start Claude Code "
                                              "was copied; paste it into a terminal"))
        else:
            self.deps.notify("Switchboard", _("Could not open a terminal; Settings → Claude Code shows the command"))


def _environ(deps: Deps) -> Mapping[str, str]:
    return os.environ if deps.environ is None else deps.environ


def _plain(exc: Exception) -> str:
    """An error in plain words: in the person's language when it is a
    sentence (server/said.py: ClaudeCodeError, ProjectPinError), else its message."""
    said = getattr(exc, "said", None)
    message = i18n.said(said) if said is not None else getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return redact(message)[:200]
