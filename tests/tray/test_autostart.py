"""Start at login: Linux for real, macOS and Windows against stubs."""
from __future__ import annotations

import configparser
import plistlib
import shlex
from pathlib import Path

from tray.autostart import RUN_KEY, RUN_VALUE, Autostart

CMD = ["/opt/Switch Board/python", "-m", "tray"]


def test_linux_xdg_autostart_honours_xdg_config_home(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    auto = Autostart(platform="linux", home=tmp_path / "home", environ={"XDG_CONFIG_HOME": str(xdg)},
                     command=CMD)
    assert auto.path() == xdg / "autostart" / "switchboard.desktop"
    assert not auto.is_enabled()
    auto.set_enabled(True)
    assert auto.is_enabled()
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(auto.path())
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "Switchboard"
    assert shlex.split(entry["Exec"]) == CMD  # quoted so the space survives
    assert entry["Terminal"] == "false"
    auto.set_enabled(False)
    assert not auto.is_enabled() and not auto.path().exists()
    auto.set_enabled(False)  # idempotent


def test_linux_default_is_home_config(tmp_path: Path) -> None:
    auto = Autostart(platform="linux", home=tmp_path, environ={}, command=CMD)
    auto.set_enabled(True)
    assert (tmp_path / ".config" / "autostart" / "switchboard.desktop").is_file()


def test_macos_launch_agent(tmp_path: Path) -> None:
    auto = Autostart(platform="darwin", home=tmp_path, environ={}, command=CMD)
    auto.set_enabled(True)
    path = tmp_path / "Library" / "LaunchAgents" / "app.switchboard.tray.plist"
    assert auto.is_enabled() and path.is_file()
    plist = plistlib.loads(path.read_bytes())
    assert plist["ProgramArguments"] == CMD and plist["RunAtLoad"] is True
    assert plist["Label"] == "app.switchboard.tray"
    auto.set_enabled(False)
    assert not path.exists() and not auto.is_enabled()


class FakeWinreg:
    HKEY_CURRENT_USER = "HKCU"
    REG_SZ = 1

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}

    class _Key:
        def __init__(self, values: dict) -> None:
            self.values = values

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

    def OpenKey(self, root, path):
        if (root, path) not in self.keys:
            raise FileNotFoundError(path)
        return self._Key(self.keys[(root, path)])

    def CreateKey(self, root, path):
        return self._Key(self.keys.setdefault((root, path), {}))

    def QueryValueEx(self, key, name):
        if name not in key.values:
            raise FileNotFoundError(name)
        return key.values[name]

    def SetValueEx(self, key, name, _reserved, kind, value):
        key.values[name] = (value, kind)

    def DeleteValue(self, key, name):
        if name not in key.values:
            raise FileNotFoundError(name)
        del key.values[name]


def test_windows_run_key() -> None:
    reg = FakeWinreg()
    auto = Autostart(platform="win32", registry=reg, command=["C:\\Program Files\\Switchboard\\Switchboard.exe"])
    assert not auto.is_enabled()
    auto.set_enabled(True)
    value, kind = reg.keys[("HKCU", RUN_KEY)][RUN_VALUE]
    assert value == '"C:\\Program Files\\Switchboard\\Switchboard.exe"' and kind == reg.REG_SZ
    assert auto.is_enabled()
    reg.keys[("HKCU", RUN_KEY)]["OtherApp"] = ("other.exe", 1)
    auto.set_enabled(False)
    assert not auto.is_enabled()
    assert reg.keys[("HKCU", RUN_KEY)] == {"OtherApp": ("other.exe", 1)}  # nothing else touched
    auto.set_enabled(False)
