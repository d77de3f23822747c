"""TrayApp: the server thread, the app state, the actions, the icon — wired.

Threads: the GUI loop owns the main thread (pystray needs it on macOS);
Hypercorn runs in a ``ServerThread``; a small refresher thread rebuilds the
state when the gateway reports a change (so keyring calls never block the
server's event loop).
"""
from __future__ import annotations

import errno
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable

from server import exposure
from server.app import create_app
from server.claude_code import ClaudeCodeLink
from server.fileio import atomic_write_json
from server.runner import ServerThread
from server.secrets import SecretStore
from server.settings import Settings
from tray import control, desktop, i18n, menu, settings_link
from tray.actions import Actions, Deps
from tray.autostart import Autostart
from tray.single_instance import InstanceLock, next_free_port, port_free, proves_instance
from tray.state import AppState, collect

log = logging.getLogger("switchboard.tray")
FIRST_RUN_MARKER = ".first-run-settings-shown"
TEST_CONTROL_FILE = "tray-test-control.json"
_ADDR_IN_USE = {errno.EADDRINUSE, 48, 98, 10048}


class TrayApp:
    def __init__(self, settings: Settings, *, secrets: SecretStore | None = None,
                 lock: InstanceLock | None = None, open_url: Callable[[str], bool] = desktop.open_url,
                 claude_home: Path | None = None, autostart: Any = None, test_control: bool = False) -> None:
        self.settings = settings
        self.secrets = secrets or SecretStore()
        self.lock = lock or InstanceLock(settings.home)
        self.claude_home = claude_home  # where ~/.claude is (None: the user's home)
        self.autostart = autostart or Autostart()
        self.test_control = test_control
        self.icon: Any = None  # tray.icon.TrayIcon once the GUI runs
        self.server: ServerThread | None = None
        self.app: Any = None
        self.base = AppState()
        self.state = AppState()
        self.quitting = threading.Event()
        self._lock = threading.RLock()
        self._dirty = threading.Event()
        self._pending_notice: Any = None  # a server/said.py sentence
        self._control_server: ServerThread | None = None
        self.actions = Actions(Deps(
            gateway=lambda: self.gateway, port=lambda: self.base.port,
            login_page=lambda port, screen="": settings_link.login_page(self.app, port, settings.home, screen),
            proves_instance=lambda port: proves_instance(port, self.lock.secret), open_url=open_url,
            open_folder=desktop.open_folder, copy_text=desktop.copy_text,
            notify=lambda title, message: self.notify(title, message),
            autostart=self.autostart, log_dir=settings.log_dir,
            use_port=self.use_port, quit=self.quit, refresh=self.refresh_now))
        self.app = self._build_app()
        threading.Thread(target=self._refresher, name="switchboard-tray-refresh", daemon=True).start()

    @property
    def gateway(self) -> Any:
        return self.app.config["GATEWAY"]

    def configured_port(self) -> tuple[str, int]:
        cfg = self.gateway.config.server
        return self.settings.host or cfg.host, self.settings.port or cfg.port

    # -- server ------------------------------------------------------------------
    def _build_app(self) -> Any:
        app = create_app(self.settings, secrets=self.secrets)
        gateway = app.config["GATEWAY"]
        gateway.claude_code = ClaudeCodeLink(self.settings.home / "claude-code", home=self.claude_home)
        gateway.listeners.append(lambda what: self._on_gateway_change(what, gateway))
        usage = app.config["USAGE"]  # issue 15: today's line, spending-limit notices
        usage.listeners.append(lambda _what: self._dirty.set())
        usage.notice_listeners.append(lambda said: self.notify("Switchboard", i18n.said(said)))
        test = self.test_control
        app.register_blueprint(control.make_blueprint(
            self.lock.secret, on_handover=self.on_handover, home=self.settings.home,
            menu=self.rendered_menu if test else None, click=self.click if test else None))
        return app

    def start_server(self, port: int | None = None) -> bool:
        host, configured = self.configured_port()
        port = port or configured
        self.base = self.base.with_(host=host, port=port, phase="starting",
                                    port_taken=False, free_port=None, server_error=None)
        self.refresh_now()
        refused = exposure.refusal(host, port, os.environ)
        if refused:  # a network address with only the desktop key: never an open gateway
            log.error("tray: %s", refused)
            self.base = self.base.with_(phase="stopped", server_error=refused)
            self.refresh_now()
            return False
        if not port_free(port, host):
            return self._port_taken(host, port)
        if not exposure.is_loopback(host):
            log.warning("tray: %s", exposure.warning(host, port))
        thread = ServerThread(self.app, host, port)
        thread.start()
        if not thread.ready.wait(30) or thread.error is not None:
            error = thread.error
            thread.stop(2)
            self.app = self._build_app()  # a fresh app for the next attempt
            if isinstance(error, OSError) and error.errno in _ADDR_IN_USE:
                return self._port_taken(host, port)
            reason = getattr(error, "strerror", None) or type(error).__name__
            self.base = self.base.with_(phase="stopped", server_error=exposure.NOT_SERVING(
                "server.cannotListen", port=str(port), reason=reason))
            self.refresh_now()
            return False
        self.server = thread
        self.lock.publish(port)
        self.base = self.base.with_(phase="running")
        log.info("tray: serving on %s:%s", host, port)
        self.refresh_now()
        return True

    def _port_taken(self, host: str, port: int) -> bool:
        free = next_free_port(port, host)
        log.warning("tray: port %s is used by another program; %s is free", port, free)
        self.base = self.base.with_(phase="stopped", port_taken=True, free_port=free)
        self.refresh_now()
        if self.test_control:
            self._start_test_control()
        return False

    def _start_test_control(self) -> None:
        """Tests only (SWITCHBOARD_TRAY_TEST_CONTROL=1): while the port is
        taken the server does not run, so the menu's test endpoints get their
        own loopback port, written to ``TEST_CONTROL_FILE`` in the home folder."""
        if self._control_server is not None:
            return
        import socket

        from quart import Quart

        app = Quart("switchboard-tray-test-control")
        app.register_blueprint(control.make_blueprint(
            self.lock.secret, on_handover=self.on_handover, menu=self.rendered_menu, click=self.click))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        thread = ServerThread(app, "127.0.0.1", port)
        thread.start()
        if not thread.ready.wait(10) or thread.error is not None:
            log.error("tray: the test control server did not start")
            return
        self._control_server = thread
        atomic_write_json(self.settings.home / TEST_CONTROL_FILE, {"port": port, "secret": self.lock.secret})

    def use_port(self, port: int) -> None:
        """Save ``port`` to the config, then (re)start the server on it."""
        data = dict(self.gateway.config.raw)
        data["server"] = {**(data.get("server") or {}), "port": port}
        self.gateway.save_config(data)
        self.stop_server()
        self.app = self._build_app()
        self.settings.port = None  # the config decides from now on
        self.start_server(port)

    def stop_server(self, timeout: float = 10.0) -> None:
        thread, self.server = self.server, None
        if thread is not None:
            thread.stop(timeout)

    # -- state -------------------------------------------------------------------
    def refresh_now(self) -> AppState:
        with self._lock:
            try:
                self.state = collect(self.gateway, self.base, autostart=self.autostart.is_enabled)
            except Exception as exc:  # the menu must always render
                log.error("tray: state refresh failed: %s", type(exc).__name__)
                self.state = self.base
            state = self.state
        if self.icon is not None:
            try:
                self.icon.update(state)
            except Exception as exc:  # the icon's trouble never stops the server or the state
                log.error("tray: the icon could not be updated: %s", type(exc).__name__, exc_info=exc)
        return state

    def _on_gateway_change(self, what: str, gateway: Any) -> None:
        # Called on the server's threads: note it, let the refresher act.
        if what == "claude_code_moved":
            self._pending_notice = gateway.claude_code_notice
        self._dirty.set()

    def _refresher(self) -> None:
        while not self.quitting.is_set():
            if self._dirty.wait(1.0):
                self._dirty.clear()
                self.refresh_now()
                notice, self._pending_notice = self._pending_notice, None
                if notice:
                    self.notify("Switchboard", i18n.said(notice))

    def on_crash(self, name: str) -> None:
        self.base = self.base.with_(crash=name)
        self._dirty.set()

    # -- user-facing -------------------------------------------------------------
    def notify(self, title: str, message: str) -> None:
        log.info("tray: %s", message)
        if self.icon is not None:
            self.icon.notify(title, message)

    def on_handover(self) -> None:
        log.info("tray: another launch handed over; opening Settings")
        self.actions.run(menu.SETTINGS)

    def maybe_first_run(self) -> bool:
        """With no provider configured, open Settings once (ever)."""
        marker = self.settings.home / FIRST_RUN_MARKER
        if not self.state.first_run or marker.exists() or self.server is None:
            return False
        self.actions.run(menu.SETTINGS)
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text("The settings page was opened once on first run.\n", encoding="utf-8")
        except OSError:
            pass
        return True

    def rendered_menu(self) -> list[dict[str, Any]]:
        if self.icon is not None:
            return self.icon.rendered()
        return [{"text": e.text, "enabled": e.enabled, "checked": e.checked, "radio": e.radio,
                 "default": e.default} if e.kind != "separator" else {"separator": True}
                for e in menu.build(self.state)]

    def click(self, text: str) -> bool:
        if self.icon is not None:
            return self.icon.click(text)
        for entry in menu.build(self.state):
            if entry.kind == "item" and entry.text == text and entry.enabled:
                self.actions.run(entry.action or "", entry.arg)
                return True
        return False

    def quit(self) -> None:
        log.info("tray: quit requested")
        self.quitting.set()
        if self.icon is not None:
            try:
                self.icon.stop()
            except Exception:
                pass

    def shutdown(self) -> None:
        """After the GUI loop ends: stop serving (streams get a grace period)."""
        self.quitting.set()
        self.stop_server()
        if self._control_server is not None:
            self._control_server.stop(2)
            (self.settings.home / TEST_CONTROL_FILE).unlink(missing_ok=True)
        self.lock.release()
