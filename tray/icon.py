"""The only module that imports pystray: picks a backend, renders menu entries.

Backends on Linux, in order: AppIndicator (menus on GNOME/KDE and, through
its fallback, XEmbed trays), GTK (GtkStatusIcon), then Xorg (an icon with no
menu: a click opens Settings). ``PYSTRAY_BACKEND`` forces one. What a
backend cannot do (radio items, a default action, notifications) is passed
to ``tray.menu.build`` as ``Caps`` so the menu degrades instead of breaking.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any, Callable

from tray import icons, menu
from tray.menu import Caps, Entry
from tray.state import AppState

log = logging.getLogger("switchboard.tray")
GTK_BACKENDS = ("appindicator", "gtk")


def load_pystray(environ: dict[str, str] | None = None) -> tuple[Any, str] | None:
    """(pystray module, backend name), or None when no backend works here."""
    env = os.environ if environ is None else environ
    forced = env.get("PYSTRAY_BACKEND")
    if forced:
        candidates = [forced]
    elif sys.platform.startswith("linux"):
        candidates = ["appindicator", "gtk", "xorg"]
    else:
        candidates = [""]  # pystray's own choice: win32 or darwin
    for name in candidates:
        _forget_pystray()  # pystray picks its backend once, at import
        if name:
            os.environ["PYSTRAY_BACKEND"] = name
        try:
            import pystray

            harden_notifications()
            return pystray, name or pystray.Icon.__module__.rsplit("._", 1)[-1]
        except Exception as exc:  # ImportError, or Xlib's display errors
            log.info("tray backend %s unavailable: %s", name or "default", exc)
    _forget_pystray()
    return None


def harden_notifications() -> bool:
    """A failing notification service must never take the icon down.

    pystray's GTK backends create a D-Bus proxy for
    org.freedesktop.Notifications when the icon loop starts; on a desktop
    whose notification service fails to start (activation error) that raises
    and the loop dies. Wrap the notifier so a failure is logged and the
    notification dropped. True when pystray's D-Bus notifier was wrapped."""
    try:
        from pystray._util import notify_dbus
    except Exception:  # no GTK backend here (xorg, win32, darwin)
        return False
    original = notify_dbus.Notifier
    if getattr(original, "_switchboard_safe", False):
        return True

    class SafeNotifier:
        _switchboard_safe = True

        def __init__(self) -> None:
            self._inner: Any = None
            self._warned = False
            self._connect()

        def _connect(self) -> Any:
            if self._inner is None:
                try:
                    self._inner = original()
                except Exception as exc:
                    self._drop("the notification service is not available", exc)
            return self._inner

        def _drop(self, what: str, exc: BaseException) -> None:
            level = logging.INFO if self._warned else logging.WARNING
            self._warned = True
            log.log(level, "tray: %s (%s: %s); notifications are dropped, the icon stays",
                    what, type(exc).__name__, str(exc)[:200])

        def notify(self, title: str, message: str, icon: Any) -> None:
            inner = self._connect()
            if inner is None:
                return
            try:
                inner.notify(title, message, icon)
            except Exception as exc:
                self._drop("a notification failed", exc)

        def hide(self) -> None:
            if self._inner is None:
                return
            try:
                self._inner.hide()
            except Exception:
                pass

    notify_dbus.Notifier = SafeNotifier  # type: ignore[misc]
    return True


def safe_text(text: str, backend: str) -> str:
    """Text this backend can encode: the xorg backend sets the window title
    as Latin-1 (an em dash or an ellipsis would crash it); Windows cuts
    tooltips at 128 characters."""
    if backend == "xorg":
        for bad, good in (("\u2014", "-"), ("\u2013", "-"), ("\u2026", "..."), ("\u2018", "'"),
                          ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2192", "->")):
            text = text.replace(bad, good)
        text = text.encode("latin-1", "replace").decode("latin-1")
    elif backend == "win32" and len(text) > 127:
        text = text[:126] + "\u2026"
    return text


def _forget_pystray() -> None:
    for mod in [m for m in sys.modules if m == "pystray" or m.startswith("pystray.")]:
        del sys.modules[mod]


def caps_of(icon_cls: Any) -> Caps:
    return Caps(menu=bool(getattr(icon_cls, "HAS_MENU", False)),
                radio=bool(getattr(icon_cls, "HAS_MENU_RADIO", False)),
                default_action=bool(getattr(icon_cls, "HAS_DEFAULT_ACTION", False)),
                notification=bool(getattr(icon_cls, "HAS_NOTIFICATION", False)))


def render_menu(pystray: Any, entries: list[Entry], on_action: Callable[[str, Any], None]) -> Any:
    items = []
    for entry in entries:
        if entry.kind == "separator":
            if items and items[-1] is not pystray.Menu.SEPARATOR:
                items.append(pystray.Menu.SEPARATOR)
            continue
        if entry.kind == "status":
            items.append(pystray.MenuItem(entry.text, None, enabled=False))
            continue
        if entry.kind == "submenu":
            items.append(pystray.MenuItem(entry.text, render_menu(pystray, list(entry.children), on_action),
                                          enabled=entry.enabled))
            continue
        action = _callback(on_action, entry.action, entry.arg)
        checked = None if entry.checked is None else (lambda _i, c=entry.checked: c)
        items.append(pystray.MenuItem(entry.text, action, checked=checked, radio=entry.radio,
                                      default=entry.default, enabled=entry.enabled))
    return pystray.Menu(*items)


def _callback(on_action: Callable[[str, Any], None], action: Any, arg: Any) -> Callable[..., None]:
    def clicked(_icon: Any, _item: Any) -> None:
        on_action(action, arg)
    return clicked


def describe(pystray_menu: Any) -> list[dict[str, Any]]:
    """The rendered menu as plain data (for the test control channel)."""
    out = []
    for item in pystray_menu.items:
        if item is type(pystray_menu).SEPARATOR:
            out.append({"separator": True})
            continue
        entry = {"text": item.text, "enabled": item.enabled, "checked": item.checked,
                 "radio": item.radio, "default": item.default}
        if item.submenu:
            entry["children"] = describe(item.submenu)
        out.append(entry)
    return out


class TrayIcon:
    """pystray.Icon, fed from AppState; every method is safe from any thread."""

    def __init__(self, pystray: Any, backend: str, on_action: Callable[[str, Any], None],
                 state: AppState | None = None) -> None:
        """``state``: what the app knows already, so the first menu tells the
        truth (an empty AppState would read "Not set up yet")."""
        self.pystray = pystray
        self.backend = backend
        self.caps = caps_of(pystray.Icon)
        self._on_action = on_action
        self._state = state or AppState()
        # The image starts as "working" and the first update always draws the
        # real one: the xorg backend showed no icon at all when the first image
        # was already the final one (tests/tray/test_tray_xorg_fallback.py, 3 in 10).
        self._drawn = False
        self.icon = pystray.Icon("switchboard", icons.render("working"), "Switchboard",
                                 menu=self._menu_for(self._state))
        if backend == "xorg":
            _xorg_listen_for_clicks(self.icon)

    def _text(self, text: str) -> str:
        return safe_text(text, self.backend)

    def _menu_for(self, state: AppState) -> Any:
        return render_menu(self.pystray, menu.build(state, self.caps), self._on_action)

    def update(self, state: AppState) -> None:
        previous, self._state = self._state, state
        if menu.icon_state(previous) != menu.icon_state(state) or not self._drawn:
            self._drawn = True
            self.icon.icon = icons.render(menu.icon_state(state))
        self.icon.title = self._text(menu.tooltip(state))
        self.icon.menu = self._menu_for(state)  # the setter rebuilds the native menu

    def notify(self, title: str, message: str) -> bool:
        if not self.caps.notification:
            return False
        try:
            self.icon.notify(self._text(message), self._text(title))
            return True
        except Exception as exc:  # logged and dropped: the icon stays
            log.warning("tray: a notification failed (%s); the icon stays", type(exc).__name__)
            return False

    def call_in_ui(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run ``fn`` on the GUI thread (GTK is not thread-safe) and wait."""
        if self.backend not in GTK_BACKENDS:
            return fn()
        from gi.repository import GLib

        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> bool:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed back to the caller
                box["error"] = exc
            done.set()
            return False

        GLib.idle_add(run)
        if not done.wait(timeout):
            raise TimeoutError("the tray did not respond")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def rendered(self) -> list[dict[str, Any]]:
        return describe(self.icon.menu)

    def click(self, text: str) -> bool:
        """Activate the menu item labelled ``text`` as a click would."""
        for item in self.icon.menu.items:
            if item.text == text and item.enabled and item is not self.pystray.Menu.SEPARATOR:
                self.call_in_ui(lambda: item(self.icon))
                return True
        return False

    def install_signal_handlers(self, handler: Callable[[], None]) -> None:
        """SIGTERM/SIGINT -> ``handler``, in a way that works inside the
        backend's main loop (GTK resets Python's SIGINT handler)."""
        import signal

        if self.backend in GTK_BACKENDS:
            from gi.repository import GLib

            def install() -> bool:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, lambda *_: (handler(), True)[1])
                return False

            # pystray's set-up resets SIGINT to the default (kill) just before
            # its loop runs: install right after it, before the loop starts, so
            # no signal lands in between. (Python's handler covers the time
            # before; ``run_tray`` installs it.)
            original = getattr(self.icon, "_initialize", None)
            if callable(original):
                def initialize() -> None:
                    # pystray's set-up puts SIGINT back to the default (kill)
                    # and then talks to D-Bus: a Ctrl+C in that window killed
                    # the app. Keep our handler through it (main thread only).
                    real_signal = signal.signal

                    def keep_sigint(signum: int, action: Any) -> Any:
                        if signum == signal.SIGINT:
                            return signal.getsignal(signum)
                        return real_signal(signum, action)

                    signal.signal = keep_sigint  # type: ignore[assignment]
                    try:
                        original()
                    finally:
                        signal.signal = real_signal  # type: ignore[assignment]
                    install()
                self.icon._initialize = initialize
            else:
                GLib.idle_add(install)
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: handler())

    def run(self, setup: Callable[[], None]) -> None:
        def _setup(icon: Any) -> None:
            icon.visible = True
            setup()
        self.icon.run(_setup)

    def stop(self) -> None:
        self.icon.stop()


def _xorg_listen_for_clicks(icon: Any) -> None:
    """pystray's xorg window does not ask X for button presses, so a click on
    the icon (its only action: open Settings) would never arrive."""
    try:
        from Xlib import X

        icon._window.change_attributes(event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask)
        icon._display.flush()
    except Exception as exc:
        log.warning("tray: the icon cannot take clicks (%s)", type(exc).__name__)


def tray_host_present(backend: str) -> bool:
    """Is there anything to show an icon in? (Linux: an XEmbed tray manager or
    a StatusNotifier watcher.) Elsewhere the OS always has one."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        from gi.repository import Gio

        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "NameHasOwner", _variant("(s)", ("org.kde.StatusNotifierWatcher",)),
                              None, Gio.DBusCallFlags.NONE, 1000, None)
        if reply.unpack()[0]:
            return True
    except Exception:
        pass
    try:
        from Xlib import display as xdisplay

        d = xdisplay.Display()
        try:
            atom = d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}")
            return d.get_selection_owner(atom) != 0
        finally:
            d.close()
    except Exception:
        return False


def _variant(fmt: str, value: Any) -> Any:
    from gi.repository import GLib

    return GLib.Variant(fmt, value)
