"""The REAL tray: `python -m tray` docked in trayer on an X display.

Menu actions are driven through the tray layer by the test control channel
(``SWITCHBOARD_TRAY_TEST_CONTROL=1``: POST /_tray/test/click activates the
pystray menu item with that label on the GTK thread, exactly as a click on
it would). Clicking menu rows by pixel position is not reliable across
themes, so xdotool is used only to pop the menu open for the screenshot.
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
from tests.support.fake_upstream import FakeUpstream, json_script
from tests.tray.conftest import (ACCESS_KEY, REPO, free_port, instance_info, menu_screenshot, port_is_free,
                                 wait_health, write_config)
from tray.single_instance import HANDOVER_HEADER

pytestmark = pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display ($DISPLAY)")
SCREENSHOT = REPO / "build" / "screenshots" / "tray.png"


def reply(model: str) -> dict:
    return {"id": "c", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}]}


def screenshot_then_quit(path: Path, port: int, secret: str, proc, quit_text: str) -> None:  # type: ignore[no-untyped-def]
    """Keep a picture of the open menu, then Quit from it: the app ends
    cleanly (exit 0, port free, no traceback)."""
    menu_screenshot(path)
    assert path.is_file() and path.stat().st_size > 1000
    assert control(port, secret, "click", {"text": quit_text}).status_code == 200
    assert proc.wait_exit(20) == 0
    assert port_is_free(port)
    assert "Traceback" not in proc.stderr


def tray_host_running() -> bool:
    from Xlib import display

    d = display.Display()
    try:
        return d.get_selection_owner(d.intern_atom(f"_NET_SYSTEM_TRAY_S{d.get_default_screen()}")) != 0
    finally:
        d.close()


@pytest.fixture
def tray_host():
    if tray_host_running():
        yield None
        return
    assert shutil.which("trayer"), "trayer is needed to dock the icon (test.sh installs it)"
    proc = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel",
                             "--width", "240", "--height", "32", "--transparent", "false",
                             "--tint", "0xdddddd", "--SetDockType", "true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not tray_host_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tray_host_running(), "trayer did not become the system tray"
    yield proc
    proc.terminate()
    proc.wait(5)


def control(port: int, secret: str, path: str, body: dict | None = None) -> httpx.Response:
    url = f"http://127.0.0.1:{port}/_tray/test/{path}"
    headers = {HANDOVER_HEADER: secret}
    if body is None:
        return httpx.get(url, headers=headers, trust_env=False, timeout=15)
    return httpx.post(url, json=body, headers=headers, trust_env=False, timeout=15)


def ask(port: int) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/v1/messages", trust_env=False, timeout=20,
                      headers={"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"},
                      json={"model": "claude-sonnet-4-5", "max_tokens": 5,
                            "messages": [{"role": "user", "content": "hi"}]})


def test_real_tray_switch_route_screenshot_quit(tmp_path: Path, tray_host, tray_procs) -> None:
    a, b = FakeUpstream(), FakeUpstream()
    try:
        config = gateway_config(a.url, extra={"b": {"type": "openai", "name": "DeepSeek", "base_url": b.url + "/v1",
                                                    "api_key": "b-key-1234567890", "models": ["m2"]}})
        config["providers"]["up"]["name"] = "OpenAI"
        config["routes"] = {"main": {"name": "Careful", "default": "up/m1"},
                            "everyday": {"name": "Everyday", "default": "b/m2"}}
        port = free_port()
        home = tmp_path / "home"
        write_config(home, config, port)
        proc = tray_procs(home, env={"SWITCHBOARD_TRAY_TEST_CONTROL": "1", "PYSTRAY_BACKEND": ""})
        wait_health(port, proc=proc)
        secret = instance_info(home)["secret"]

        entries = control(port, secret, "menu").json()["entries"]
        texts = [e.get("text") for e in entries]
        assert texts[0] == f"Running on 127.0.0.1:{port} · Careful (OpenAI)", proc.stderr
        assert entries[texts.index("Careful (OpenAI)")]["checked"] is True
        assert entries[texts.index("Everyday (DeepSeek)")]["checked"] is False
        # The server answers before the icon loads (issue 13.4): wait for the icon.
        deadline = time.monotonic() + 15
        while "tray: using the appindicator backend" not in proc.stderr and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "tray: using the appindicator backend" in proc.stderr

        a.queue(json_script(reply("m1")))
        assert ask(port).status_code == 200 and len(a.requests) == 1

        assert control(port, secret, "click", {"text": "Everyday (DeepSeek)"}).status_code == 200
        b.queue(json_script(reply("m2")))
        assert ask(port).status_code == 200
        assert len(b.requests) == 1 and b.requests[0].json["model"] == "m2" and len(a.requests) == 1
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            entries = control(port, secret, "menu").json()["entries"]
            if entries[0]["text"].endswith("· Everyday (DeepSeek)"):
                break
            time.sleep(0.1)
        texts = [e.get("text") for e in entries]
        assert entries[0]["text"] == f"Running on 127.0.0.1:{port} · Everyday (DeepSeek)"
        assert entries[texts.index("Everyday (DeepSeek)")]["checked"] is True

        screenshot_then_quit(SCREENSHOT, port, secret, proc, "Quit")
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_real_tray_stops_on_signals(tmp_path: Path, tray_host, tray_procs, signame: str) -> None:
    import signal

    port = free_port()
    home = tmp_path / "home"
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    proc = tray_procs(home, env={"PYSTRAY_BACKEND": ""})
    wait_health(port, proc=proc)
    assert proc.terminate(getattr(signal, signame)) == 0
    assert port_is_free(port)
    assert not (home / "switchboard.instance.json").exists()
