"""TrayApp in-process: real server thread, real gateway, injected desktop."""
from __future__ import annotations

import json
import logging
import socket
import sys
import threading
from pathlib import Path

import httpx
import pytest

from server.secrets import MemoryKeyring, SecretStore
from server.settings import Settings
from tests.conftest import gateway_config
from tests.support.fake_upstream import FakeUpstream, json_script
from tests.tray.conftest import ACCESS_KEY, free_port, login_url_in, write_config
from tray import crash, menu
from tray.app import TrayApp
from tray.autostart import Autostart
from tray.single_instance import InstanceLock

OPENAI_REPLY = {"id": "c1", "object": "chat.completion", "model": "m1",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1}}


def make_app(tmp_path: Path, config: dict | None, port: int) -> tuple[TrayApp, list[str], list]:
    home = tmp_path / "home"
    if config is not None:
        write_config(home, config, port)
    else:
        home.mkdir(parents=True)
        (home / "switchboard.json").write_text(json.dumps({"server": {"port": port}}))
    settings = Settings(home=home, config_path=home / "switchboard.json", log_dir=home / "logs")
    opened: list[str] = []
    lock = InstanceLock(home)
    assert lock.acquire()
    app = TrayApp(settings, secrets=SecretStore(MemoryKeyring(), environ={"SWITCHBOARD_API_KEY": ACCESS_KEY}),
                  lock=lock, open_url=lambda u: opened.append(u) or True, claude_home=tmp_path,
                  autostart=Autostart(platform="linux", home=tmp_path, environ={}))
    notes: list = []
    app.notify = lambda title, message: notes.append(message)  # type: ignore[method-assign]
    return app, opened, notes


def ask(port: int) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/v1/messages", trust_env=False, timeout=20,
                      headers={"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01"},
                      json={"model": "claude-sonnet-4-5", "max_tokens": 10,
                            "messages": [{"role": "user", "content": "hi"}]})


def test_switch_route_copy_connect_autostart(tmp_path: Path) -> None:
    a, b = FakeUpstream(), FakeUpstream()
    config = gateway_config(a.url, extra={"other": {"type": "openai", "name": "Other", "base_url": b.url + "/v1",
                                                    "api_key": "other-key-123456", "models": ["m2"]}})
    config["routes"]["second"] = {"name": "Second", "default": "other/m2"}
    port = free_port()
    app, opened, notes = make_app(tmp_path, config, port)
    try:
        assert app.start_server()
        assert menu.status_lines(app.state) == [f"Running on 127.0.0.1:{port} · main (up)"]
        a.queue(json_script(OPENAI_REPLY))
        assert ask(port).status_code == 200 and len(a.requests) == 1

        app.actions.run(menu.SWITCH, "second")  # no restart
        assert app.state.active_route == "second"
        assert json.loads(app.settings.config_path.read_text())["active_route"] == "second"
        assert notes[-1] == "Now using Second"
        b.queue(json_script({**OPENAI_REPLY, "model": "m2"}))
        assert ask(port).status_code == 200
        assert len(b.requests) == 1 and b.requests[0].json["model"] == "m2" and len(a.requests) == 1

        copied: list[str] = []
        app.actions.deps.copy_text = lambda text: copied.append(text) or True
        app.actions.deps.platform, app.actions.deps.environ = "linux", {"SHELL": "/bin/bash"}
        app.actions.run(menu.COPY_SETUP)
        assert copied == [f"export ANTHROPIC_BASE_URL=http://127.0.0.1:{port}\n"
                          f"export ANTHROPIC_AUTH_TOKEN={ACCESS_KEY}\n"]
        assert notes[-1].startswith("Claude Code setup copied for bash")

        app.actions.run(menu.CONNECT)
        env = json.loads((tmp_path / ".claude" / "settings.json").read_text())["env"]
        assert env == {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}
        assert app.state.claude_connected
        assert "Disconnect Claude Code" in [e.text for e in menu.build(app.state)]
        app.actions.run(menu.DISCONNECT)
        assert not app.state.claude_connected

        app.actions.run(menu.AUTOSTART)
        assert (tmp_path / ".config" / "autostart" / "switchboard.desktop").is_file()
        assert app.state.autostart is True
        app.actions.run(menu.AUTOSTART)
        assert app.state.autostart is False

        app.actions.run(menu.SETTINGS)
        assert login_url_in(opened[-1]).startswith(f"http://127.0.0.1:{port}/settings/login?token=")
    finally:
        app.shutdown()
        a.close()
        b.close()


def test_port_taken_then_use_the_offered_port(tmp_path: Path) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    port = squatter.getsockname()[1]
    app, _opened, _ = make_app(tmp_path, gateway_config("http://127.0.0.1:9"), port)
    try:
        assert not app.start_server()
        assert app.state.port_taken and app.state.free_port
        entries = menu.build(app.state)
        offer = next(e for e in entries if e.action == menu.USE_PORT)
        app.actions.run(offer.action, offer.arg)
        new = offer.arg
        assert json.loads(app.settings.config_path.read_text())["server"]["port"] == new
        assert httpx.get(f"http://127.0.0.1:{new}/health", trust_env=False).json()["service"] == "switchboard"
        assert menu.status_lines(app.state)[0].startswith(f"Running on 127.0.0.1:{new}")
    finally:
        app.shutdown()
        squatter.close()


def test_first_run_opens_settings_once(tmp_path: Path) -> None:
    port = free_port()
    app, opened, _ = make_app(tmp_path, None, port)
    try:
        assert app.start_server()
        assert app.state.first_run
        assert app.maybe_first_run() is True
        assert len(opened) == 1 and login_url_in(opened[0]).startswith(f"http://127.0.0.1:{port}/settings/login")
        assert app.maybe_first_run() is False
        assert len(opened) == 1
    finally:
        app.shutdown()


def test_crash_in_a_thread_is_logged_redacted_and_shown(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app, _o, _n = make_app(tmp_path, gateway_config("http://127.0.0.1:9"), free_port())
    old = sys.excepthook, threading.excepthook
    try:
        crash.install_excepthooks(app.on_crash)

        def boom() -> None:
            raise ValueError("upstream said sk-live-abcdefghijklmnop is bad")

        with caplog.at_level(logging.ERROR, logger="switchboard.tray"):
            t = threading.Thread(target=boom, name="worker")
            t.start()
            t.join()
        text = caplog.text
        assert "unhandled exception in thread worker" in text and "ValueError" in text
        assert "sk-live-abcdefghijklmnop" not in text and "[redacted]" in text
        assert app.base.crash == "ValueError"
        assert menu.status_lines(app.refresh_now())[0] == "Something went wrong inside Switchboard (ValueError)"
    finally:
        sys.excepthook, threading.excepthook = old
        app.shutdown()


def test_windowed_build_stdio_goes_to_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert crash.redirect_stdio()
    with caplog.at_level(logging.INFO, logger="switchboard.console"):
        print("hello from a windowed build")
        print("key sk-abcdefghijkl0123", file=sys.stderr)
        sys.stderr.flush()
    assert "hello from a windowed build" in caplog.text
    assert "sk-abcdefghijkl0123" not in caplog.text


def test_a_network_address_needs_an_explicit_key_and_is_announced(tmp_path: Path, monkeypatch) -> None:
    """server.host 0.0.0.0 (issue 14): refused with only the desktop key; with
    an explicit key it serves and the menu says other computers can reach it."""
    up = FakeUpstream()
    port = free_port()
    config = gateway_config(up.url)
    config["server"] = {"host": "0.0.0.0", "port": port}
    monkeypatch.delenv("SWITCHBOARD_API_KEY", raising=False)
    app, _, _ = make_app(tmp_path / "a", config, port)
    (app.settings.config_path).write_text(json.dumps({**config, "server": {"host": "0.0.0.0", "port": port}}))
    app.app = app._build_app()
    try:
        assert app.start_server() is False
        lines = menu.status_lines(app.state)
        assert lines[0].startswith("Not running: refusing to listen on 0.0.0.0")
        assert "SWITCHBOARD_API_KEY" in lines[0]
        with socket.socket() as s:  # nothing listens there
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        app.shutdown()
    monkeypatch.setenv("SWITCHBOARD_API_KEY", ACCESS_KEY)
    app, _, _ = make_app(tmp_path / "b", config, port)
    (app.settings.config_path).write_text(json.dumps({**config, "server": {"host": "0.0.0.0", "port": port}}))
    app.app = app._build_app()
    try:
        assert app.start_server() is True
        lines = menu.status_lines(app.state)
        assert lines[0].startswith(f"Running on 0.0.0.0:{port}")
        assert lines[1] == "Reachable from other computers: anyone with the access key can use your providers"
        state = httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False)
        assert state.status_code == 200
    finally:
        app.shutdown()
        up.close()
