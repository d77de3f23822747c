"""The headless server's instance file, its proof endpoints and
``switchboard settings-link`` (issue 13.20, with 14.3's rule that no token
is ever on a command line), with real ``python -m server`` processes."""
from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from server import instance
from tests.support.live_server import free_port
from tests.support.local_site import LocalSite, answers_json

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-swb-instance-test-0000000000"


class Headless:
    def __init__(self, tmp: Path, home: Path, port: int, *args: str) -> None:
        self.home, self.port = home, port
        home.mkdir(parents=True, exist_ok=True)
        config = home / "switchboard.json"
        if not config.exists():
            config.write_text(json.dumps({"providers": {}, "routes": {}}))
        self.env = env_for(home)
        self.err = tmp / f"server-{port}.err"
        self.proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port), *args], cwd=tmp,
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.err, "wb"))

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while not (self.home / instance.INFO_NAME).exists() or not _healthy(self.port):
            assert self.proc.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": KEY,
            "PYTHONPATH": str(REPO), **extra}


def settings_link(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", "settings-link", *args], cwd=REPO,
                          env=env_for(home, **env), capture_output=True, text=True, timeout=60)


def recording_browser(folder: Path) -> tuple[Path, Path]:
    """A $BROWSER that writes its whole command line to a file."""
    log = folder / "browser-argv.txt"
    script = folder / "browser.sh"
    script.write_text(f'#!/bin/sh\nfor a in "$0" "$@"; do printf "%s\\n" "$a"; done >> "{log}"\n')
    script.chmod(0o755)
    return script, log


@pytest.fixture
def headless(tmp_path: Path) -> Iterator[Any]:
    started: list[Headless] = []

    def start(home: Path | None = None, port: int | None = None, *args: str) -> Headless:
        h = Headless(tmp_path, home or tmp_path / "home", port or free_port(), *args)
        started.append(h)
        return h

    yield start
    for h in started:
        h.stop()


def test_headless_server_publishes_a_private_instance_file(headless) -> None:
    server = headless()
    server.wait_ready()
    path = server.home / instance.INFO_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    info = json.loads(path.read_text())
    assert info["pid"] == server.proc.pid and info["port"] == server.port
    assert info["config"] == str((server.home / "switchboard.json").resolve())
    assert len(info["secret"]) >= 40
    assert info["secret"] not in server.err.read_text()
    assert server.stop() == 0
    assert not path.exists()


def test_settings_link_prints_a_working_one_time_link(headless) -> None:
    server = headless()
    server.wait_ready()
    out = settings_link(server.home)
    assert out.returncode == 0, out.stderr
    url = out.stdout.strip()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{server.port}/settings/login\?token=[\w-]{{40,}}", url)
    assert "works once" in out.stderr
    r = httpx.get(url, trust_env=False)
    assert r.status_code == 200 and 'name="switchboard-session"' in r.text
    assert f"switchboard_session_{server.port}" in r.headers["set-cookie"]
    assert httpx.get(url, trust_env=False).status_code == 403  # one-time
    # --config naming the same file works too; `switchboard settings-link` is the same entry point.
    out = settings_link(server.home, "--config", str(server.home / "switchboard.json"))
    assert out.returncode == 0 and "token=" in out.stdout


def test_settings_link_open_keeps_the_token_off_the_command_line(headless, tmp_path: Path) -> None:
    server = headless()
    server.wait_ready()
    browser, argv_log = recording_browser(tmp_path)
    out = settings_link(server.home, "--open", BROWSER=str(browser))
    assert out.returncode == 0, out.stderr
    assert "token=" not in out.stdout + out.stderr
    argv = argv_log.read_text().split("\n")
    opened = [a for a in argv if a.startswith("file://")]
    assert len(opened) == 1, argv
    page = Path(opened[0][len("file://"):])
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE(page.parent.stat().st_mode) == 0o700
    assert page.parent == server.home / "launch"
    login = re.search(r'url=(http://[^"]+)"', page.read_text()).group(1).replace("&amp;", "&")
    token = login.split("token=", 1)[1]
    assert token not in argv_log.read_text()
    # HEAD (a link preview, a prefetch) leaves the token valid.
    assert httpx.head(login, trust_env=False).status_code == 200
    r = httpx.get(login, trust_env=False)
    assert r.status_code == 200 and "set-cookie" in r.headers
    # Used: the file is gone.
    deadline = time.monotonic() + 5
    while page.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not page.exists()


def test_settings_link_says_what_to_do_when_it_cannot(headless, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    out = settings_link(home)
    assert out.returncode == 1 and "no Switchboard is running" in out.stderr and out.stdout == ""
    server = headless(home)
    server.wait_ready()
    other = tmp_path / "other.json"
    other.write_text("{}")
    out = settings_link(home, "--config", str(other))
    assert out.returncode == 1 and out.stdout == ""
    assert str(other) in out.stderr and "--config" in out.stderr


def test_the_endpoints_need_the_secret_and_never_send_it(headless) -> None:
    server = headless()
    server.wait_ready()
    secret = instance.read_info(server.home)["secret"]
    base = f"http://127.0.0.1:{server.port}"
    nonce = "n" * 32
    hello = httpx.get(base + instance.HELLO_PATH, params={"nonce": nonce}, trust_env=False)
    assert hello.status_code == 200
    data = hello.json()
    assert data["proof"] == instance.proof(secret, "server", nonce) and secret not in hello.text
    # A wrong proof, a replayed challenge, a browser (Origin) and a made-up challenge are refused.
    bad = httpx.post(base + instance.LINK_PATH, trust_env=False,
                     json={"challenge": data["challenge"], "proof": instance.proof("guess", "client", data["challenge"])})
    assert bad.status_code == 403 and bad.json()["type"] == "error"
    assert "token" not in bad.text
    replay = httpx.post(base + instance.LINK_PATH, trust_env=False,
                        json={"challenge": data["challenge"], "proof": instance.proof(secret, "client", data["challenge"])})
    assert replay.status_code == 403  # each challenge works once, even the right proof
    challenge = httpx.get(base + instance.HELLO_PATH, params={"nonce": nonce}, trust_env=False).json()["challenge"]
    browser = httpx.post(base + instance.LINK_PATH, trust_env=False, headers={"origin": "http://evil.example"},
                         json={"challenge": challenge, "proof": instance.proof(secret, "client", challenge)})
    assert browser.status_code == 403
    made_up = httpx.post(base + instance.LINK_PATH, trust_env=False,
                         json={"challenge": "c" * 32, "proof": instance.proof(secret, "client", "c" * 32)})
    assert made_up.status_code == 403
    link = instance.request_link(instance.read_info(server.home), file=False)
    assert link.url and httpx.get(link.url, trust_env=False).status_code == 200


def port_squatter() -> LocalSite:
    """Another program on the port in the instance file: it records all it is sent."""
    return answers_json({"service": "switchboard", "proof": "0" * 64, "challenge": "c" * 32,
                         "url": "http://evil.example/", "file": None}, methods=("GET", "POST"))


def test_a_program_holding_the_port_gets_neither_secret_nor_token(tmp_path: Path) -> None:
    squatter = port_squatter()
    try:
        home = tmp_path / "home"
        home.mkdir()
        secret = "s" * 43
        # A stale instance file (Switchboard was killed) whose port another program took.
        (home / instance.INFO_NAME).write_text(json.dumps({"pid": 1, "port": squatter.port, "secret": secret}))
        out = settings_link(home)
        assert out.returncode == 1 and out.stdout == ""
        assert f"port {squatter.port} does not answer as the Switchboard" in out.stderr
        assert squatter.seen  # it was asked to prove itself...
        assert all(secret not in s for s in squatter.seen)  # ...and learned nothing
        assert not any("/_switchboard/settings-link" in s for s in squatter.seen)
        assert not instance.proves_instance(squatter.port, secret)
    finally:
        squatter.close()


def test_lock_is_exclusive_and_the_file_private(tmp_path: Path) -> None:
    a = instance.InstanceLock(tmp_path, config_path=tmp_path / "c.json")
    b = instance.InstanceLock(tmp_path)
    assert a.acquire() and not b.acquire()
    a.publish(4321)
    assert stat.S_IMODE((tmp_path / instance.INFO_NAME).stat().st_mode) == 0o600
    assert instance.read_info(tmp_path)["port"] == 4321
    a.release()
    assert instance.read_info(tmp_path) is None
    assert b.acquire()
    b.release()
