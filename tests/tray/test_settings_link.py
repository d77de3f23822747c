"""How the tray opens Settings: only on an address that proved it is this
instance (issue 13.2), never with the token on a command line (14.3), and a
second launch against a headless server opens a working signed-in page
(13.20)."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.secrets import MemoryKeyring, SecretStore
from server.settings import Settings
from tests.conftest import gateway_config
from tests.support.local_site import LocalSite, answers_json
from tests.tray.conftest import ACCESS_KEY, REPO, free_port, login_url_in, wait_health, write_config
from tray import menu
from tray.app import TrayApp
from tray.autostart import Autostart
from tray.single_instance import InstanceLock
from tray.state import AppState

CHROMIUM = os.environ.get("SWITCHBOARD_CHROMIUM", "/usr/bin/chromium")


def fake_switchboard() -> LocalSite:
    """Another program on our port that even answers /health like us, and
    records every request it gets."""
    return answers_json({"status": "ok", "service": "switchboard", "proof": "0" * 64, "challenge": "c" * 32})


def make_app(tmp_path: Path, port: int) -> tuple[TrayApp, list[str], list[str]]:
    home = tmp_path / "home"
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    settings = Settings(home=home, config_path=home / "switchboard.json", log_dir=home / "logs")
    lock = InstanceLock(home)
    assert lock.acquire()
    opened: list[str] = []
    app = TrayApp(settings, secrets=SecretStore(MemoryKeyring(), environ={"SWITCHBOARD_API_KEY": ACCESS_KEY}),
                  lock=lock, open_url=lambda u: opened.append(u) or True, claude_home=tmp_path,
                  autostart=Autostart(platform="linux", home=tmp_path, environ={}))
    notes: list[str] = []
    app.notify = lambda title, message: notes.append(message)  # type: ignore[method-assign]
    return app, opened, notes


def test_settings_never_opens_a_login_link_on_a_foreign_program(tmp_path: Path) -> None:
    fake = fake_switchboard()
    app, opened, notes = make_app(tmp_path, fake.port)
    try:
        assert not app.start_server()
        assert app.state.port_taken
        app.actions.run(menu.SETTINGS)
        assert opened == []  # nothing opened at all: no token went anywhere
        assert f"port {fake.port} is used by another program" in notes[-1]
        assert "Use port" in notes[-1]
        assert fake.seen  # it was asked to prove itself (and answers /health like us)...
        assert all("token" not in s and app.lock.secret not in s for s in fake.seen)  # ...and learned nothing
        assert not list((tmp_path / "home").glob("launch/*.html"))
        # The menu item itself says what to do.
        item = next(e for e in menu.build(app.state) if e.action == menu.SETTINGS)
        assert "taken" in item.text and "another port" in item.text
    finally:
        app.shutdown()
        fake.close()


def test_settings_item_text_while_the_port_is_taken() -> None:
    taken = AppState(phase="stopped", port=3456, port_taken=True, free_port=3457)
    item = next(e for e in menu.build(taken) if e.action == menu.SETTINGS)
    assert item.text == "Settings… (port 3456 is taken: use another port first)" and item.enabled
    fine = AppState(phase="running", port=3456)
    assert next(e for e in menu.build(fine) if e.action == menu.SETTINGS).text == "Settings…"


def test_settings_opens_a_private_file_not_the_token(tmp_path: Path) -> None:
    port = free_port()
    app, opened, notes = make_app(tmp_path, port)
    try:
        assert app.start_server()
        app.actions.run(menu.SETTINGS)
        assert len(opened) == 1 and "token" not in opened[0]
        page = Path(opened[0][len("file://"):])
        assert page.parent == tmp_path / "home" / "launch"
        assert stat.S_IMODE(page.stat().st_mode) == 0o600
        assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700
        url = login_url_in(opened[0])
        assert url.startswith(f"http://127.0.0.1:{port}/settings/login?token=")
        assert httpx.head(url, trust_env=False).status_code == 200  # HEAD does not spend it
        assert page.exists()
        r = httpx.get(url, trust_env=False)
        assert r.status_code == 200 and "switchboard-session" in r.text
        assert not page.exists()  # deleted once used
    finally:
        app.shutdown()


def test_an_unused_launch_file_goes_when_the_token_expires(tmp_path: Path) -> None:
    from server.settings_page import auth

    port = free_port()
    app, opened, _ = make_app(tmp_path, port)
    try:
        assert app.start_server()
        app.actions.run(menu.SETTINGS)
        page = Path(opened[0][len("file://"):])
        store = auth.sessions_for(app.app)
        real = store._clock
        store._clock = lambda: real() + auth.TOKEN_TTL + 1
        try:
            store.expire_tokens()
        finally:
            store._clock = real
        assert not page.exists()
    finally:
        app.shutdown()


class Headless:
    def __init__(self, home: Path, port: int) -> None:
        env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": ACCESS_KEY,
               "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def test_second_launch_against_a_headless_server_opens_a_signed_in_page(tmp_path: Path, tray_procs) -> None:
    home = tmp_path / "home"
    port = free_port()
    write_config(home, gateway_config("http://127.0.0.1:9"), port)
    server = Headless(home, port)
    try:
        wait_health(port)
        deadline = time.monotonic() + 10
        while not (home / "switchboard.instance.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        launch = tray_procs(home, "--headless")
        assert launch.wait_exit(30) == 0, launch.stderr
        assert server.proc.poll() is None
        opened = launch.opened()
        assert len(opened) == 1 and opened[0].startswith(f"file://{home}/launch/"), opened
        if not Path(CHROMIUM).exists():
            url = login_url_in(opened[0])
            assert httpx.get(url, trust_env=False).status_code == 200
            return
        playwright_api = pytest.importorskip("playwright.sync_api")
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            try:
                page = browser.new_page()
                page.goto(opened[0])  # exactly what the browser was given
                playwright_api.expect(page.locator("#route-pill")).to_contain_text("main", timeout=20000)
                playwright_api.expect(page).to_have_url(f"http://127.0.0.1:{port}/settings/")
                assert page.evaluate("sessionStorage.getItem('switchboard.session')")
            finally:
                browser.close()
    finally:
        server.stop()
