"""Start at login, per OS, reading and writing the real OS state.

* Linux: an XDG autostart entry, ``$XDG_CONFIG_HOME/autostart/switchboard.desktop``
  (``~/.config`` when unset).
* macOS: a LaunchAgent, ``~/Library/LaunchAgents/app.switchboard.tray.plist``.
* Windows: the ``Switchboard`` value of ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.

``Autostart(platform, home, environ, registry, command)`` makes every path
injectable: tests run the Linux code for real in a temp folder and the other
two against a temp home and a registry stub (an object with winreg's
``OpenKey``/``CreateKey``/``QueryValueEx``/``SetValueEx``/``DeleteValue``).
"""
from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

APP_ID = "switchboard"
LAUNCH_AGENT_LABEL = "app.switchboard.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Switchboard"


def launch_command() -> list[str]:
    """How to start this app: the frozen executable, or ``python -m tray``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    exe = sys.executable
    if sys.platform == "win32" and exe.lower().endswith("python.exe"):
        pythonw = exe[: -len("python.exe")] + "pythonw.exe"
        if os.path.exists(pythonw):
            exe = pythonw  # no console window at login
    return [exe, "-m", "tray"]


class Autostart:
    def __init__(self, *, platform: str | None = None, home: Path | None = None,
                 environ: Mapping[str, str] | None = None, registry: Any = None,
                 command: Sequence[str] | None = None) -> None:
        self.platform = platform or sys.platform
        self.home = Path(home) if home else Path.home()
        self.environ = os.environ if environ is None else environ
        self._registry = registry
        self.command = list(command) if command else launch_command()

    # -- public ----------------------------------------------------------------
    def is_enabled(self) -> bool:
        if self.platform == "win32":
            return self._win_get() is not None
        return self.path().exists()

    def set_enabled(self, enabled: bool) -> None:
        if self.platform == "win32":
            self._win_set(enabled)
        elif self.platform == "darwin":
            self._mac_set(enabled)
        else:
            self._linux_set(enabled)

    def path(self) -> Path:
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
        base = self.environ.get("XDG_CONFIG_HOME") or str(self.home / ".config")
        return Path(base) / "autostart" / f"{APP_ID}.desktop"

    # -- Linux -------------------------------------------------------------------
    def desktop_entry(self) -> str:
        return "\n".join([
            "[Desktop Entry]",
            "Type=Application",
            "Name=Switchboard",
            "Comment=Serves Claude Code's API and routes it to the provider you choose",
            f"Exec={_desktop_exec(self.command)}",
            "Icon=switchboard",
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            "",
        ])

    def _linux_set(self, enabled: bool) -> None:
        path = self.path()
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.desktop_entry(), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)

    # -- macOS -------------------------------------------------------------------
    def launch_agent(self) -> bytes:
        return plistlib.dumps({
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": self.command,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        })

    def _mac_set(self, enabled: bool) -> None:
        path = self.path()
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.launch_agent())
        else:
            path.unlink(missing_ok=True)

    # -- Windows -----------------------------------------------------------------
    @property
    def registry(self) -> Any:
        if self._registry is None:
            import winreg  # type: ignore[import-not-found]

            self._registry = winreg
        return self._registry

    def windows_command(self) -> str:
        return subprocess.list2cmdline(self.command)

    def _win_get(self) -> str | None:
        reg = self.registry
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = reg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return None
        return value or None

    def _win_set(self, enabled: bool) -> None:
        reg = self.registry
        with reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if enabled:
                reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, self.windows_command())
            else:
                try:
                    reg.DeleteValue(key, RUN_VALUE)
                except FileNotFoundError:
                    pass


def _desktop_exec(command: Sequence[str]) -> str:
    # The Desktop Entry spec quotes with double quotes; shlex quoting with
    # single quotes is not understood, so quote only when needed.
    parts = []
    for arg in command:
        if any(c in arg for c in " \t\"'\\$`"):
            arg = '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'
        parts.append(arg.replace("%", "%%"))
    return " ".join(parts)


__all__ = ["Autostart", "launch_command"]
