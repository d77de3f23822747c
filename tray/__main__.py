"""python -m tray: Switchboard as a tray app (the packaged app runs this).

The server runs in a background thread; the tray icon owns the main thread.
Quit, SIGTERM and SIGINT stop the server gracefully (streams in flight get
Hypercorn's grace period) and exit with code 0.

``--headless`` runs the same server, single-instance and port logic without
an icon (tests; machines without a desktop). See tray/single_instance.py for
how a second launch hands over to the first.
"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from server.logs import RedactingFilter, setup_file_logging
from server.settings import Settings
from tray import control, crash, desktop
from tray.settings_link import page_url
from tray.single_instance import InstanceLock, NotThisInstance, is_switchboard, port_free, read_info, request_link

log = logging.getLogger("switchboard.tray")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="switchboard", description="Switchboard tray app")
    parser.add_argument("--headless", action="store_true",
                        help="run the server and single-instance logic without a tray icon")
    from server.__main__ import __version__

    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    return parser.parse_args(argv)


def setup_logging(settings: Settings) -> None:
    had_console = sys.stderr is not None
    setup_file_logging(settings.log_dir)
    crash.redirect_stdio()
    if had_console:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("switchboard: %(message)s"))
        handler.addFilter(RedactingFilter())
        logging.getLogger().addHandler(handler)
    # httpx logs every request at INFO ("HTTP Request: GET .../health"): not for the terminal.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def hand_over_to_running(settings: Settings, wait: float = 15.0) -> int:
    """Another instance (the app or ``python -m server``) holds the lock: have
    it prove who it is, get a one-time settings link from it as a 0600 file,
    open that file (never the token itself) in the browser, then exit."""
    deadline = time.monotonic() + wait
    while True:
        info = read_info(settings.home)
        if info:
            try:
                link = request_link(info, file=True)
            except NotThisInstance:
                link = None
            if link is not None and link.file is not None:
                log.info("tray: Switchboard is already running on port %s; opening its settings", info["port"])
                if not desktop.open_url(link.file.as_uri()):
                    log.warning("tray: could not open the browser; run: switchboard settings-link --open")
                return 0
        if time.monotonic() > deadline:
            log.warning("tray: another Switchboard holds %s but did not answer", settings.home)
            return 0
        time.sleep(0.3)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings.from_env()
    setup_logging(settings)
    holder: dict[str, object] = {}
    crash.install_excepthooks(lambda name: holder["app"].on_crash(name) if "app" in holder else None)  # type: ignore[attr-defined]

    lock = InstanceLock(settings.home, config_path=settings.config_path)
    if not lock.acquire():
        return hand_over_to_running(settings)

    from tray.app import TrayApp  # imports the server: after logging is set up

    app = TrayApp(settings, lock=lock, test_control=control.test_control_enabled())
    holder["app"] = app
    host, port = app.configured_port()
    if not port_free(port, host) and is_switchboard(port, host):
        # A Switchboard started from another home: it cannot prove itself to
        # us (its instance file is elsewhere), so no token goes to it; its
        # plain page says how to sign in.
        log.info("tray: a Switchboard from another folder already serves port %s; opening its settings page", port)
        desktop.open_url(page_url(port))
        lock.release()
        return 0
    if args.headless:
        return run_headless(app)
    return run_tray(app)


def run_headless(app, *, started: bool = False) -> int:  # type: ignore[no-untyped-def]
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    if not started:
        app.start_server()
        app.maybe_first_run()
    while not app.quitting.wait(0.25):
        pass
    app.shutdown()
    log.info("tray: stopped")
    return 0


def run_tray(app) -> int:  # type: ignore[no-untyped-def]
    """The server first, then the icon: the server serves whatever happens
    to the icon (no backend, a backend that crashes, a broken notification
    service)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())  # until the icon installs its own
    app.start_server()
    from tray.icon import TrayIcon, load_pystray, tray_host_present

    loaded = load_pystray()
    if loaded is None:
        return _no_tray(app, "no tray backend works on this system")
    pystray, backend = loaded
    log.info("tray: using the %s backend", backend)
    try:
        icon = TrayIcon(pystray, backend, on_action=app.actions.run, state=app.state)
    except Exception as exc:
        return _no_tray(app, f"the {backend} tray failed ({type(exc).__name__})")
    icon.install_signal_handlers(app.quit)

    def setup() -> None:
        app.icon = icon  # only now: the backend's loop runs and takes updates
        app.refresh_now()
        if app.quitting.is_set():  # a signal arrived while starting
            icon.stop()
            return
        if not tray_host_present(backend):
            log.warning("tray: no system tray is visible; opening Settings instead")
            app.actions.run("open_settings")
        else:
            app.maybe_first_run()

    try:
        icon.run(setup)
    except Exception as exc:
        level = logging.INFO if app.quitting.is_set() else logging.ERROR
        log.log(level, "tray: the icon loop ended with %s: %s", type(exc).__name__, exc)
        if not app.quitting.is_set():
            app.icon = None
            return _no_tray(app, "the tray icon failed")
    app.shutdown()
    log.info("tray: stopped")
    return 0


def _no_tray(app, reason: str) -> int:  # type: ignore[no-untyped-def]
    """Never invisible: without a tray, serve (already started by
    ``run_tray``) and open the settings page."""
    log.warning("tray: %s; running without an icon and opening Settings", reason)
    app.actions.run("open_settings")
    return run_headless(app)


if __name__ == "__main__":
    sys.exit(main())
