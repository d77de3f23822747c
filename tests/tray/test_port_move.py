"""Issue 13.1 with real processes: Claude Code follows Switchboard to another port.

Repro from the issue: connect Claude Code; quit; another program takes the
port; launch Switchboard; choose "Use port N instead". Claude Code's settings
must then point at the new port (with a backup), the tray must say connected
and tell the person to restart Claude Code; while the port is taken the tray
says that the other program would receive Claude Code's access key (issue 14).

The menu is driven through the tray's test control channel. While the port
is taken Switchboard's server does not run, so the tray serves the channel on
a loopback port of its own, named in ``tray-test-control.json``.
"""
from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from tests.conftest import gateway_config
from tests.tray.conftest import (ACCESS_KEY, free_port, instance_info, menu_screenshot, port_is_free, wait_health,
                                 write_config)
from tests.tray.test_tray_xvfb import tray_host  # noqa: F401  (fixture)
from tray.app import TEST_CONTROL_FILE
from tray.single_instance import HANDOVER_HEADER

CONTROL = {"SWITCHBOARD_TRAY_TEST_CONTROL": "1"}


class Control:
    def __init__(self, port: int, secret: str) -> None:
        self.port, self.secret = port, secret

    def call(self, path: str, body: dict | None = None) -> httpx.Response:
        url = f"http://127.0.0.1:{self.port}/_tray/test/{path}"
        headers = {HANDOVER_HEADER: self.secret}
        if body is None:
            return httpx.get(url, headers=headers, trust_env=False, timeout=30)
        return httpx.post(url, json=body, headers=headers, trust_env=False, timeout=30)

    def click(self, text: str) -> None:
        r = self.call("click", {"text": text})
        assert r.status_code == 200, (text, r.text, self.texts())

    def texts(self) -> list[str]:
        return [e.get("text", "") for e in self.call("menu").json()["entries"]]


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_use_another_port_moves_claude_code(tmp_path: Path, tray_procs) -> None:
    user_home = tmp_path / "user"
    claude = user_home / ".claude" / "settings.json"
    claude.parent.mkdir(parents=True)
    claude.write_text(json.dumps({"model": "opus", "env": {"DISABLE_TELEMETRY": "1"}}), encoding="utf-8")
    home = tmp_path / "switchboard"
    port = free_port()
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    env = {**CONTROL, "HOME": str(user_home)}

    # 1. Connect Claude Code through the tray, then quit.
    first = tray_procs(home, "--headless", env=env)
    wait_health(port, proc=first)
    menu = Control(port, instance_info(home)["secret"])
    menu.click("Connect Claude Code…")
    assert json.loads(claude.read_text())["env"] == {
        "DISABLE_TELEMETRY": "1", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}
    assert wait_for(lambda: "Disconnect Claude Code" in menu.texts())
    menu.click("Quit")
    assert first.wait_exit(20) == 0 and port_is_free(port)

    # 2. Another program takes the port; Switchboard starts again.
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the old connections wait in TIME_WAIT
    blocker.bind(("127.0.0.1", port))
    blocker.listen()
    try:
        second = tray_procs(home, "--headless", env=env)
        info_path = home / TEST_CONTROL_FILE
        assert wait_for(lambda: info_path.exists() or second.proc.poll() is not None, 30), second.stderr
        info = json.loads(info_path.read_text())
        taken = Control(info["port"], info["secret"])
        texts = taken.texts()
        assert texts[0] == f"Port {port} is used by another program"
        # Issue 14: it says in plain words that the other program would get the key.
        assert texts[1] == "Claude Code is set to this port: it would send that program its access key"
        offer = next(t for t in texts if t.startswith("Use port "))
        new_port = int(offer.split()[2])
        assert "Disconnect Claude Code" not in texts  # not connected to *this* instance

        # 3. "Use port N instead".
        taken.click(offer)
        wait_health(new_port, proc=second)
        env_now = json.loads(claude.read_text())["env"]
        assert env_now == {"DISABLE_TELEMETRY": "1", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{new_port}",
                           "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}
        backups = sorted((home / "claude-code" / "backups").iterdir())
        assert len(backups) == 2  # before connecting, and before the move
        assert json.loads(backups[-1].read_text())["env"]["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{port}"
        assert all(b.stat().st_mode & 0o777 == 0o600 for b in backups)

        moved = Control(new_port, instance_info(home)["secret"])
        assert wait_for(lambda: "Disconnect Claude Code" in moved.texts()), moved.texts()
        assert moved.texts()[0].startswith(f"Running on 127.0.0.1:{new_port}")
        # One sentence telling the person to restart Claude Code (tray notification, logged).
        assert wait_for(lambda: "restart Claude Code to use it." in second.stderr), second.stderr
        line = next(x for x in second.stderr.splitlines() if "restart Claude Code" in x)
        assert f"port {new_port}" in line

        moved.click("Quit")
        assert second.wait_exit(20) == 0
        assert not info_path.exists()
        assert "Traceback" not in second.stderr
    finally:
        blocker.close()


def test_port_moved_flow_in_the_real_tray_screenshots(tmp_path: Path, tray_host, tray_procs) -> None:  # noqa: F811
    """The same flow in the docked tray (AppIndicator under trayer): the
    menu while the port is taken, and after the move (build/screenshots/)."""
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display ($DISPLAY)")
    shots = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    user_home = tmp_path / "user"
    claude = user_home / ".claude" / "settings.json"
    home = tmp_path / "switchboard"
    port = free_port()
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    from server.claude_code import ClaudeCodeLink

    ClaudeCodeLink(home / "claude-code", home=user_home, environ={}).connect(f"http://127.0.0.1:{port}", ACCESS_KEY)
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", port))
    blocker.listen()
    try:
        proc = tray_procs(home, env={**CONTROL, "HOME": str(user_home), "PYSTRAY_BACKEND": ""})
        info_path = home / TEST_CONTROL_FILE
        assert wait_for(lambda: info_path.exists() or proc.proc.poll() is not None, 30), proc.stderr
        info = json.loads(info_path.read_text())
        taken = Control(info["port"], info["secret"])
        assert wait_for(lambda: "tray: using the appindicator backend" in proc.stderr), proc.stderr
        texts = wait_for(lambda: (t := taken.texts()) and t[0].startswith("Port") and t)
        menu_screenshot(shots / "tray-port-taken.png")
        offer = next(t for t in texts if t.startswith("Use port "))
        new_port = int(offer.split()[2])
        taken.click(offer)
        wait_health(new_port, proc=proc)
        moved = Control(new_port, instance_info(home)["secret"])
        assert wait_for(lambda: "Disconnect Claude Code" in moved.texts()), moved.texts()
        assert json.loads(claude.read_text())["env"]["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{new_port}"
        menu_screenshot(shots / "tray-port-moved.png")
        moved.click("Quit")
        assert proc.wait_exit(20) == 0
    finally:
        blocker.close()
