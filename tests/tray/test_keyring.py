"""Provider keys in a REAL keyring (Secret Service over D-Bus).

test.sh runs pytest inside dbus-run-session with an unlocked gnome-keyring;
elsewhere this skips when no Secret Service answers.
"""
from __future__ import annotations

import logging
import secrets as random
from pathlib import Path

import pytest

from server.logs import setup_file_logging
from server.secrets import SERVICE, SecretStore
from tests.conftest import gateway_config
from tests.support.fake_upstream import FakeUpstream, json_script
from tests.support.live_server import LiveServer
from tests.support.secret_service import secret_service
from tray import menu
from tray.state import AppState, collect


@pytest.fixture
def real_keyring():
    backend = secret_service()
    import keyring

    old = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield keyring
    keyring.set_keyring(old)


def test_provider_key_lives_in_the_secret_service(real_keyring, tmp_path: Path) -> None:
    store = SecretStore(real_keyring, environ={})
    assert store.problem() is None
    pid = "prov-" + random.token_hex(4)
    key1 = "sk-real-" + random.token_urlsafe(24)
    key2 = "sk-real-" + random.token_urlsafe(24)
    upstream = FakeUpstream()
    log_path = setup_file_logging(tmp_path / "logs")
    try:
        store.set(pid, key1)
        assert real_keyring.get_password(SERVICE, pid) == key1  # really in the keyring
        assert store.get(pid) == key1
        store.set(pid, key2)
        assert store.get(pid) == key2

        config = gateway_config(upstream.url)
        config["providers"] = {pid: {**config["providers"]["up"], "api_key": "keyring", "name": "Real"}}
        config["routes"]["main"]["default"] = f"{pid}/m1"
        srv = LiveServer(tmp_path / "home", config, keyring=real_keyring).start()
        try:
            srv.gateway.save_config(config)  # written to disk as the settings page would
            state = collect(srv.gateway, AppState(phase="running"))
            assert state.keyring_problem is None and state.missing_keys == ()
            upstream.queue(json_script({"id": "x", "object": "chat.completion", "model": "m1",
                                        "choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant", "content": "ok"}}]}))
            r = srv.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 5,
                                          "messages": [{"role": "user", "content": "hi"}]})
            assert r.status_code == 200
            assert upstream.requests[-1].headers["authorization"] == f"Bearer {key2}"
            logging.getLogger("switchboard").info("provider call done for %s", pid)
        finally:
            srv.stop()
        for handler in logging.getLogger().handlers:
            handler.flush()
        config_text = (tmp_path / "home" / "switchboard.json").read_text()
        assert '"keyring"' in config_text
        files = [p for p in (tmp_path).rglob("*") if p.is_file()]
        assert log_path in files and log_path.stat().st_size > 0
        for path in files:
            blob = path.read_bytes()
            assert key1.encode() not in blob and key2.encode() not in blob, path

        store.delete(pid)
        assert store.get(pid) is None
        state = collect(srv.gateway, AppState(phase="running"))
        assert menu.status_lines(state) == ["No key for Real"]
        store.delete(pid)  # deleting twice is fine
    finally:
        upstream.close()
        try:
            real_keyring.delete_password(SERVICE, pid)
        except Exception:
            pass
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", "") == str(log_path):
                root.removeHandler(handler)
                handler.close()


def test_no_keyring_backend_is_reported_not_hidden() -> None:
    from keyring.backends import fail

    store = SecretStore(fail.Keyring(), environ={})
    assert str(store.problem()) == "no keyring backend is available on this system"
    with pytest.raises(Exception, match="keyring"):
        store.set("openai", "sk-should-not-land-anywhere")
