"""Issue 13.4: without PyGObject the app still serves, and the xorg fallback
icon (no menu) docks and opens Settings when clicked.

PyGObject is made unavailable the way a plain ``pip install .`` leaves it: a
``gi`` package early on PYTHONPATH whose import raises ImportError, so
pystray's AppIndicator and GTK backends cannot load and it falls back to
xorg, whose window title is Latin-1 (the tooltip's em dash crashed it).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import gateway_config
from tests.tray.conftest import REPO, free_port, wait_health, write_config
from tests.tray.test_tray_notifications import docked_icons
from tests.tray.test_tray_xvfb import tray_host  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display ($DISPLAY)")
SCREENSHOT = REPO / "build" / "screenshots" / "tray-xorg-fallback.png"


def without_pygobject(root: Path) -> Path:
    pkg = root / "gi"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('raise ImportError("No module named \'gi\' (PyGObject is not installed)")\n')
    return root


def window_size(window_id: str, timeout: float = 10) -> tuple[int, int]:
    """The icon window's size once the tray has given it one (more than 1x1)."""
    from Xlib import display

    d = display.Display()
    try:
        deadline = time.monotonic() + timeout
        while True:
            geometry = d.create_resource_object("window", int(window_id, 16)).get_geometry()
            if (geometry.width > 4 and geometry.height > 4) or time.monotonic() > deadline:
                return geometry.width, geometry.height
            time.sleep(0.1)
    finally:
        d.close()


def test_without_pygobject_the_xorg_icon_serves_and_opens_settings(tmp_path: Path, tray_host, tray_procs) -> None:  # noqa: F811
    blocked = without_pygobject(tmp_path / "no-gi")
    port = free_port()
    home = tmp_path / "home"
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    before = set(docked_icons())
    proc = tray_procs(home, env={"PYSTRAY_BACKEND": "", "PYTHONPATH": f"{blocked}{os.pathsep}{REPO}",
                                 "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    wait_health(port, proc=proc)
    assert httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).json()["service"] == "switchboard"

    deadline = time.monotonic() + 15
    while not (set(docked_icons()) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    new = sorted(set(docked_icons()) - before)
    assert new, f"no icon docked:\n{proc.stderr}"
    assert "tray: using the xorg backend" in proc.stderr
    assert "backend appindicator unavailable" in proc.stderr
    assert "UnicodeEncodeError" not in proc.stderr and "Traceback" not in proc.stderr

    # The icon's window title (the tooltip) is plain Latin-1.
    # (pystray may set it a moment after the window docks: wait for it.)
    name = ""
    deadline = time.monotonic() + 10
    assert shutil.which("xprop"), "xprop is needed to read the icon's title (test.sh installs x11-utils)"
    while "Switchboard" not in name and time.monotonic() < deadline:
        name = subprocess.run(["xprop", "-id", new[0], "WM_NAME"], capture_output=True, text=True).stdout
        time.sleep(0.1)
    assert "Switchboard" in name, name

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(SCREENSHOT)], check=True, timeout=30)
    assert SCREENSHOT.stat().st_size > 1000

    # A left click on the icon opens Settings (the xorg backend has no menu).
    assert shutil.which("xdotool"), "xdotool is needed to click the icon"
    # trayer docks the window at 1x1 and sizes it a moment later: click its
    # middle once it has its real size, and again if that click landed early.
    opened: list[str] = []
    for _ in range(3):
        width, height = window_size(new[0])
        subprocess.run(["xdotool", "mousemove", "--window", str(int(new[0], 16)), str(width // 2), str(height // 2),
                        "click", "1"], check=True, timeout=10)
        opened = proc.wait_opened(1, timeout=5)
        if opened:
            break
    # Settings opens through a 0600 launch file that forwards to this port's
    # one-time login link (the token is never on the browser's command line).
    assert opened and opened[-1].startswith("file://") and "/launch/" in opened[-1], proc.stderr
    launch = Path(opened[-1][len("file://"):])
    assert f"http://127.0.0.1:{port}/settings/login?token=" in launch.read_text(encoding="utf-8")

    assert proc.terminate() == 0
