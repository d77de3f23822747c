"""The packaged app (issue 8): the PyInstaller one-folder build, run for real.

The build comes from tests/build/conftest.py (cached by source hash). The
tray test starts the built executable on the X display that test.sh provides,
docked in trayer, with a temp SWITCHBOARD_HOME whose config points at a fake
OpenAI-compatible upstream; the upstream key is read from the real Secret
Service (test.sh runs pytest in dbus-run-session with an unlocked
gnome-keyring). It streams an answer through the official anthropic SDK,
counts tokens (the BPE file must be inside), then quits through the tray's
own "Quit" item (the test control channel) and expects exit code 0.
"""
from __future__ import annotations

import json
import os
import secrets as random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.tray.conftest import instance_info
from tests.build.conftest import BuiltApp
from tests.conftest import gateway_config
from tests.support.fake_upstream import FakeUpstream, json_script, sse_script
from tests.support.live_server import ACCESS_KEY, free_port, port_is_free
from tray.single_instance import HANDOVER_HEADER

pytestmark = pytest.mark.build
MODEL = "claude-sonnet-4-6"
COUNT_TEXT = "Switchboard counts tokens offline with cl100k_base: naïve café, 12345, 日本語."


# -- helpers -------------------------------------------------------------------------
def app_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith("PYTHON")}
    browser = home / "browser.sh"  # records URLs instead of opening a browser
    browser.write_text(f'#!/bin/sh\nprintf "%s LD_LIBRARY_PATH=%s\\n" "$1" "$LD_LIBRARY_PATH" >> "{home}/opened-urls.txt"\n')
    browser.chmod(0o755)
    env.update({"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": ACCESS_KEY, "BROWSER": str(browser)})
    env.update(extra)
    return env


def write_config(home: Path, config: dict[str, Any], port: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "switchboard.json").write_text(json.dumps({**config, "server": {"port": port}}), encoding="utf-8")


class App:
    """The built executable as a subprocess; its output goes to files."""

    def __init__(self, built: BuiltApp, home: Path, *args: str, env: dict[str, str],
                 closed_stdio: bool = False) -> None:
        self.home = home
        self.out_path = home / "stdout.txt"
        self.err_path = home / "stderr.txt"
        self.started = time.monotonic()
        if closed_stdio:
            # What a windowed build sees: no stdin/stdout/stderr at all, so
            # Python sets sys.stdout and sys.stderr to None.
            self.proc = subprocess.Popen([str(built.exe), *args], cwd=home, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=lambda: os.closerange(0, 3))
        else:
            with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
                self.proc = subprocess.Popen([str(built.exe), *args], cwd=home, env=env,
                                             stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace") if self.err_path.exists() else ""

    @property
    def log(self) -> str:
        path = self.home / "logs" / "switchboard.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_health(self, port: int, timeout: float = 60) -> float:
        """Seconds from the launch to the first 200 from /health."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited early ({self.proc.returncode}):\n{self.stderr}\n{self.log}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1, trust_env=False).status_code == 200:
                    return time.monotonic() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"nothing answered /health on port {port}:\n{self.stderr}\n{self.log}")

    def wait_exit(self, timeout: float = 30) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def launch():
    apps: list[App] = []

    def start(*args: Any, **kw: Any) -> App:
        app = App(*args, **kw)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.kill()


def openai_stream(words: list[str]) -> Any:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        body = {"id": "chatcmpl-pkg", "object": "chat.completion.chunk", "created": 0, "model": "m1",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    frames = [chunk({"role": "assistant", "content": ""})]
    frames += [chunk({"content": w}) for w in words]
    frames.append(chunk({}, "stop"))
    usage = {"id": "chatcmpl-pkg", "object": "chat.completion.chunk", "created": 0, "model": "m1", "choices": [],
             "usage": {"prompt_tokens": 7, "completion_tokens": len(words), "total_tokens": 7 + len(words)}}
    frames.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
    frames.append(b"data: [DONE]\n\n")
    return sse_script(frames)


def expected_tokens(body: dict[str, Any]) -> int:
    from server.tokens import count_request  # the source tree's count, for comparison

    return count_request(body)


def sdk_client(port: int) -> Any:
    import anthropic

    return anthropic.Anthropic(base_url=f"http://127.0.0.1:{port}", api_key=ACCESS_KEY, max_retries=0, timeout=30)


def tray_control(port: int, secret: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    url = f"http://127.0.0.1:{port}/_tray/test/{path}"
    if body is None:
        return httpx.get(url, headers={HANDOVER_HEADER: secret}, trust_env=False, timeout=15)
    return httpx.post(url, json=body, headers={HANDOVER_HEADER: secret}, trust_env=False, timeout=15)


@pytest.fixture
def secret_service():
    """The real keyring, as the packaged app will see it (Secret Service)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session (test.sh runs pytest in dbus-run-session with gnome-keyring)")
    import keyring
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    backend.get_password("switchboard", "__probe__")  # fails loudly when the keyring is locked or absent
    return backend


# -- tests ---------------------------------------------------------------------------
def test_version_prints_the_version_and_exits_0(built_app: BuiltApp) -> None:
    proc = subprocess.run([str(built_app.exe), "--version"], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "DISPLAY"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"switchboard {built_app.version}"


def test_everything_needed_at_run_time_is_inside(built_app: BuiltApp) -> None:
    internal = built_app.app / "_internal"
    assert (internal / "assets" / "tiktoken" / "cl100k_base.tiktoken").is_file()
    assert (internal / "assets" / "icons" / "switchboard.png").is_file()
    assert (internal / "server" / "settings_page" / "static" / "index.html").is_file()
    metadata = {p.name.split("-")[0].lower() for p in internal.glob("*.dist-info")}
    assert {"keyring", "truststore", "certifi"} <= metadata, metadata
    assert (internal / "certifi" / "cacert.pem").is_file()
    if not sys.platform.startswith("linux"):
        return
    assert {"secretstorage", "jeepney"} <= metadata, metadata
    typelibs = {p.name for p in (internal / "gi_typelibs").glob("*.typelib")}
    assert {"Gtk-3.0.typelib", "AyatanaAppIndicator3-0.1.typelib", "GLib-2.0.typelib"} <= typelibs, typelibs


def test_headless_serves_without_a_display_or_stdio(built_app: BuiltApp, launch, tmp_path: Path) -> None:
    """--headless with no $DISPLAY, no D-Bus and no stdin/stdout/stderr (a
    windowed build's situation): serves, logs to its file, stops with 0."""
    upstream = FakeUpstream()
    try:
        home = tmp_path / "home"
        port = free_port()
        config = gateway_config(upstream.url)
        config["providers"]["up"]["api_key"] = "env:SB_PKG_UPSTREAM_KEY"
        write_config(home, config, port)
        env = app_env(home, SB_PKG_UPSTREAM_KEY="sk-headless-upstream-0123456789")
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            env.pop(name, None)
        app = launch(built_app, home, "--headless", env=env, closed_stdio=True)
        first_200 = app.wait_health(port)
        built_app.record(headless_start_to_first_200_s=round(first_200, 2))

        upstream.queue(json_script({"id": "chatcmpl-h", "object": "chat.completion", "model": "m1", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "headless ok"}}]}))
        answer = sdk_client(port).messages.create(model=MODEL, max_tokens=20,
                                                  messages=[{"role": "user", "content": "hi"}])
        assert answer.content[0].text == "headless ok"
        assert upstream.requests[0].headers["authorization"] == "Bearer sk-headless-upstream-0123456789"
        body = {"model": MODEL, "messages": [{"role": "user", "content": COUNT_TEXT}]}
        assert sdk_client(port).messages.count_tokens(**body).input_tokens == expected_tokens(body)

        app.proc.send_signal(signal.SIGTERM)
        assert app.wait_exit() == 0
        assert port_is_free(port)
        log = app.log
        assert f"tray: serving on 127.0.0.1:{port}" in log
        assert "tray: stopped" in log
        assert "Traceback" not in log
    finally:
        upstream.close()


def test_programs_it_starts_do_not_get_the_bundle_library_path(built_app: BuiltApp, launch, tmp_path: Path) -> None:
    """First run (no provider) opens Settings in the browser; the browser must
    not inherit LD_LIBRARY_PATH=<bundle> (build/rthooks/pyi_rth_switchboard_env.py)."""
    home = tmp_path / "home"
    port = free_port()
    write_config(home, {}, port)
    env = app_env(home)
    env.pop("LD_LIBRARY_PATH", None)
    env.pop("DISPLAY", None)
    app = launch(built_app, home, "--headless", env=env)
    app.wait_health(port)
    opened = home / "opened-urls.txt"
    deadline = time.monotonic() + 20
    while not opened.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = opened.read_text().strip()
    # Settings opens through a 0600 launch file (the token is never in argv).
    assert line.startswith(f"file://{home}/launch/") and "token" not in line, line
    assert line.endswith("LD_LIBRARY_PATH="), line
    app.proc.send_signal(signal.SIGTERM)
    assert app.wait_exit() == 0


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display ($DISPLAY; test.sh starts Xvfb)")
def test_tray_app_streams_counts_reads_the_keyring_and_quits(built_app: BuiltApp, launch, tray_host,
                                                              secret_service, tmp_path: Path) -> None:
    provider = "pkg" + random.token_hex(4)
    key = "sk-pkg-keyring-" + random.token_urlsafe(18)
    secret_service.set_password("switchboard", provider, key)
    upstream = FakeUpstream()
    try:
        home = tmp_path / "home"
        port = free_port()
        base = gateway_config(upstream.url)
        config = {"providers": {provider: {**base["providers"]["up"], "api_key": "keyring", "name": "Packaged"}},
                  "routes": {"main": {"name": "Main", "default": f"{provider}/m1"}}, "active_route": "main"}
        write_config(home, config, port)
        env = app_env(home, SWITCHBOARD_TRAY_TEST_CONTROL="1", PYSTRAY_BACKEND="")
        app = launch(built_app, home, env=env)
        first_200 = app.wait_health(port)
        built_app.record(tray_start_to_first_200_s=round(first_200, 2))

        # The tray is up, with its menu, on the AppIndicator backend.
        secret = instance_info(home)["secret"]
        deadline = time.monotonic() + 15
        while True:
            entries = tray_control(port, secret, "menu").json()["entries"]
            if entries[0].get("text", "").startswith("Running on") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert entries[0]["text"] == f"Running on 127.0.0.1:{port} · Main (Packaged)"
        assert "Quit" in [e.get("text") for e in entries]
        # The server answers before the icon is up (it serves whatever happens
        # to the icon), so the backend line may come a moment after the menu.
        deadline = time.monotonic() + 15
        while "tray: using the appindicator backend" not in app.stderr and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "tray: using the appindicator backend" in app.stderr

        # A streamed answer through the official SDK; the key came from the keyring.
        upstream.queue(openai_stream(["Hello ", "from ", "the ", "packaged ", "app"]))
        with sdk_client(port).messages.stream(model=MODEL, max_tokens=50,
                                              messages=[{"role": "user", "content": "Say hello"}]) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert text == "Hello from the packaged app"
        assert final.stop_reason == "end_turn" and final.usage.output_tokens == 5
        sent = upstream.requests[0]
        assert sent.path == "/v1/chat/completions" and sent.json["stream"] is True
        assert sent.headers["authorization"] == f"Bearer {key}"

        # Offline token counting: the BPE file is inside the bundle.
        body = {"model": MODEL, "messages": [{"role": "user", "content": COUNT_TEXT}]}
        assert sdk_client(port).messages.count_tokens(**body).input_tokens == expected_tokens(body)

        # Quit through the tray's own menu item.
        assert tray_control(port, secret, "click", {"text": "Quit"}).status_code == 200
        assert app.wait_exit() == 0
        assert port_is_free(port)
        assert not (home / "switchboard.instance.json").exists()
        assert "Traceback" not in app.stderr and "Traceback" not in app.log
    finally:
        upstream.close()
        try:
            secret_service.delete_password("switchboard", provider)
        except Exception:
            pass


from tests.tray.test_tray_xvfb import tray_host  # noqa: E402,F401  (trayer as the system tray)
