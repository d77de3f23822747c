"""Helpers for the tray tests: temp homes, `python -m tray` subprocesses."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.live_server import ACCESS_KEY, free_port, port_is_free

REPO = Path(__file__).resolve().parents[2]


class TrayProcess:
    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None,
                 prefix: tuple[str, ...] = ()) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        tag = time.monotonic_ns()
        self.urls = home / f"opened-urls-{tag}.txt"
        browser = home / f"browser-{tag}.sh"
        # webbrowser honours $BROWSER: the "browser" records what it was asked to open.
        browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{self.urls}"\n')
        browser.chmod(0o755)
        full_env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": ACCESS_KEY,
                    "BROWSER": str(browser), "PYTHONPATH": str(REPO), **(env or {})}
        self.stderr_path = home / f"stderr-{tag}.txt"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([*prefix, sys.executable, "-m", "tray", *args], cwd=REPO, env=full_env,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def opened(self) -> list[str]:
        return self.urls.read_text().split() if self.urls.exists() else []

    def wait_opened(self, n: int = 1, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.opened()) < n and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.opened()

    def wait_exit(self, timeout: float = 20) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._stderr.close()

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._stderr.close()


def write_config(home: Path, config: dict[str, Any], port: int) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    data = {**config, "server": {"port": port}}
    path = home / "switchboard.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def wait_health(port: int, timeout: float = 20, proc: TrayProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"tray exited early ({proc.proc.returncode}):\n{proc.stderr}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"nothing answered /health on port {port}" + (f":\n{proc.stderr}" if proc else ""))


def login_url_in(opened: str) -> str:
    """The login link inside a launch file the tray opened (``file://…``):
    the browser is given the file, never the token."""
    import re
    from urllib.parse import unquote, urlparse

    assert opened.startswith("file://") and "token" not in opened, opened
    text = Path(unquote(urlparse(opened).path)).read_text(encoding="utf-8")
    return re.search(r'url=(http://[^"]+)"', text).group(1).replace("&amp;", "&")


@pytest.fixture
def tray_procs():
    procs: list[TrayProcess] = []

    def start(home: Path, *args: str, **kw: Any) -> TrayProcess:
        p = TrayProcess(home, *args, **kw)
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()


__all__ = ["TrayProcess", "write_config", "wait_health", "port_is_free", "free_port", "ACCESS_KEY", "login_url_in"]


def instance_info(home: Path, timeout: float = 15) -> dict[str, Any]:
    """The running instance's 0600 file. The server answers /health a moment
    before the tray publishes it, so wait for it rather than read once."""
    from tray.single_instance import read_info

    deadline = time.monotonic() + timeout
    while True:
        info = read_info(home)
        if info is not None or time.monotonic() > deadline:
            assert info is not None, f"no instance file in {home} after {timeout:.0f} s"
            return info
        time.sleep(0.05)


def menu_screenshot(path: Path) -> None:
    """Click the docked icon (right end of trayer's strip) so the menu shows,
    screenshot the whole display to ``path``, close the menu. A click that
    lands while the icon is still being docked opens nothing: the area under
    the icon is compared with a shot taken before, and the click repeated."""
    from PIL import Image, ImageChops

    assert shutil.which("xdotool"), "xdotool is needed to open the menu (test.sh installs it)"
    path.parent.mkdir(parents=True, exist_ok=True)
    geometry = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True, text=True).stdout.split()
    width = int(geometry[0]) if geometry else 1280
    before = path.with_name(path.stem + ".before.png")
    subprocess.run(["import", "-window", "root", str(before)], check=True, timeout=30)
    under_icon = (max(0, width - 400), 34, width, 400)
    for _ in range(4):
        subprocess.run(["xdotool", "mousemove", str(width - 16), "16", "click", "1"], check=False)
        time.sleep(1.0)
        subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30)
        with Image.open(before) as a, Image.open(path) as b:
            if ImageChops.difference(a.convert("RGB").crop(under_icon), b.convert("RGB").crop(under_icon)).getbbox():
                break
        subprocess.run(["xdotool", "key", "Escape"], check=False)
        time.sleep(0.5)
    before.unlink(missing_ok=True)
    subprocess.run(["xdotool", "key", "Escape"], check=False)
    time.sleep(0.3)
    assert path.stat().st_size > 1000
