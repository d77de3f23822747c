"""Issue 13.3: a broken notification service never takes the tray icon down.

The real tray runs under its own ``dbus-run-session`` whose only
org.freedesktop.Notifications is a session service whose activation fails
(``Exec=/bin/false`` in a temporary XDG_DATA_DIRS). The icon must dock, stay
docked after a notification, and the failure is logged and dropped.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import gateway_config
from tests.tray.conftest import instance_info, free_port, wait_health, write_config
from tests.tray.test_tray_xvfb import control, tray_host  # noqa: F401  (fixture)

pytestmark = [pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display ($DISPLAY)"),
              pytest.mark.skipif(not shutil.which("dbus-run-session"), reason="needs dbus-run-session")]


def failing_notification_service(root: Path) -> Path:
    services = root / "dbus-1" / "services"
    services.mkdir(parents=True)
    (services / "org.freedesktop.Notifications.service").write_text(
        "[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=/bin/false\n", encoding="utf-8")
    return root


def docked_icons() -> list[str]:
    """Windows embedded in the tray (trayer's children with the XEmbed info)."""
    from Xlib import display
    from Xlib.error import XError

    d = display.Display()
    try:
        atom = d.intern_atom("_XEMBED_INFO")
        found: list[str] = []

        def walk(window) -> None:  # type: ignore[no-untyped-def]
            try:
                children = window.query_tree().children
            except XError:  # the window went away while we looked (trayer re-packs its icons)
                return
            for child in children:
                try:
                    if child.get_full_property(atom, 0) is not None:
                        found.append(hex(child.id))
                except Exception:
                    pass
                walk(child)

        walk(d.screen().root)
        return found
    finally:
        d.close()


def test_icon_survives_a_failing_notification_service(tmp_path: Path, tray_host, tray_procs) -> None:  # noqa: F811
    xdg = failing_notification_service(tmp_path / "xdg")
    port = free_port()
    home = tmp_path / "home"
    config = gateway_config("http://127.0.0.1:9")
    config["routes"]["other"] = {"name": "Other", "default": "up/m1"}
    write_config(home, config, port)
    before = set(docked_icons())
    proc = tray_procs(home, prefix=("dbus-run-session", "--"),
                      env={"SWITCHBOARD_TRAY_TEST_CONTROL": "1", "PYSTRAY_BACKEND": "",
                           "XDG_DATA_DIRS": f"{xdg}:/usr/share", "DBUS_SESSION_BUS_ADDRESS": "",
                           # a fresh session bus has no unlocked keyring; the access key comes from the env
                           "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"})
    wait_health(port, proc=proc)
    secret = instance_info(home)["secret"]
    deadline = time.monotonic() + 15
    while not (set(docked_icons()) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(docked_icons()) - before, f"the icon never docked:\n{proc.stderr}"

    # A notification: switching the route says "Now using Other".
    assert control(port, secret, "click", {"text": "Other (up)"}).status_code == 200
    time.sleep(2.0)
    assert proc.proc.poll() is None, proc.stderr
    assert set(docked_icons()) - before, f"the icon went away:\n{proc.stderr}"
    assert "the icon loop ended" not in proc.stderr and "running without an icon" not in proc.stderr
    assert "notifications are dropped, the icon stays" in proc.stderr
    assert control(port, secret, "menu").json()["entries"][0]["text"].endswith("· Other (up)")
    assert control(port, secret, "click", {"text": "Quit"}).status_code == 200
    assert proc.wait_exit(20) == 0
