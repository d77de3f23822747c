"""What the menu entries do. Every dependency is injected (``Deps``), so
tests run each action against fakes, and the tray wires the real ones.

``Actions.run(action, arg)`` never raises: a failure is logged and told to
the user in a notification (or by the status line when notifications are
not supported).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from server.logs import redact
from tray import menu

log = logging.getLogger("switchboard.tray")


@dataclass
class Deps:
    gateway: Callable[[], Any]             # the running Gateway
    port: Callable[[], int]                # where the server listens
    login_page: Callable[[int], str | None]  # a file:// address that signs in to that port (no token in it)
    proves_instance: Callable[[int], bool]   # does 127.0.0.1:<port> prove it is this instance?
    open_url: Callable[[str], bool]
    open_folder: Callable[[Path], bool]
    copy_text: Callable[[str], bool]
    notify: Callable[[str, str], None]     # (title, message)
    claude_code: Any                       # connect(base_url, api_key), disconnect()
    autostart: Any                         # is_enabled(), set_enabled(bool)
    log_dir: Path
    use_port: Callable[[int], None]        # move the server to another port
    quit: Callable[[], None]
    refresh: Callable[[], None]            # rebuild the menu from fresh state


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
    def open_settings(self) -> None:
        """Open a signed-in settings page, only on an address that proved it
        is this instance (a program holding the port never gets a token),
        and never with the token in the browser's command line."""
        port = self.deps.port()
        if not self.deps.proves_instance(port):
            self.deps.notify("Switchboard", PORT_TAKEN_SETTINGS.format(port=port))
            return
        page = self.deps.login_page(port)
        if page is None or not self.deps.open_url(page):
            self.deps.notify("Switchboard", "Could not open the browser. In a terminal, run: "
                                            "switchboard settings-link --open")

    def switch_route(self, route_id: str) -> None:
        gateway = self.deps.gateway()
        gateway.switch_route(route_id)
        route = gateway.config.routes[route_id]
        self.deps.notify("Switchboard", f"Now using {route.name}")

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.deps.port()}"

    def setup_text(self) -> str:
        key = self.deps.gateway().access_key()
        return f"ANTHROPIC_BASE_URL={self.base_url()}\nANTHROPIC_AUTH_TOKEN={key}\n"

    def copy_setup(self) -> None:
        if self.deps.copy_text(self.setup_text()):
            self.deps.notify("Switchboard", "Claude Code setup copied: paste it into your shell or .env")
        else:
            self.deps.notify("Switchboard", "Could not reach the clipboard; Settings shows the same lines")
            self.open_settings()

    def connect_claude(self) -> None:
        key = self.deps.gateway().access_key()
        self.deps.claude_code.connect(self.base_url(), key)
        self.deps.notify("Switchboard", "Claude Code now uses Switchboard (restart Claude Code)")

    def disconnect_claude(self) -> None:
        self.deps.claude_code.disconnect()
        self.deps.notify("Switchboard", "Claude Code settings restored")

    def toggle_autostart(self) -> None:
        autostart = self.deps.autostart
        autostart.set_enabled(not autostart.is_enabled())

    def open_logs(self) -> None:
        if not self.deps.open_folder(self.deps.log_dir):
            self.deps.notify("Switchboard", f"The logs are in {self.deps.log_dir}")

    def use_port(self, port: int) -> None:
        self.deps.use_port(port)


def _plain(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return redact(message)[:200]
