"""Run-time changes: switching routes applies to the next request and never
breaks a stream in flight; the config file is saved atomically, keeps hand
edits made while the app runs, and keeps backups (issue 14.6)."""
from __future__ import annotations

import json
import os
import stat
import threading

import httpx
import pytest

from server.config import ConfigChangedOnDisk, ConfigError
from server.gateway import Gateway
from server.secrets import MemoryKeyring, SecretStore
from server.settings import Settings

from tests.support.fake_upstream import FakeUpstream, json_script, sse_script
from tests.support.live_server import ACCESS_KEY


def frame(delta, finish=None):
    return b"data: " + json.dumps({"id": "c", "choices": [{"index": 0, "delta": delta,
                                                           "finish_reason": finish}]}).encode() + b"\n\n"


def test_switch_route_mid_stream(make_server):
    a, b = FakeUpstream(), FakeUpstream()
    try:
        srv = make_server({
            "providers": {"a": {"type": "openai", "base_url": a.url + "/v1"},
                          "b": {"type": "openai", "base_url": b.url + "/v1"}},
            "routes": {"one": {"default": "a/m"}, "two": {"default": "b/m"}},
            "active_route": "one",
        })
        a.queue(sse_script([frame({"content": "slow "})] * 10 + [frame({}, "stop")], delay_between_parts=0.1))
        b.queue(json_script({"id": "c", "choices": [{"index": 0, "message": {"role": "assistant", "content": "from b"},
                                                      "finish_reason": "stop"}]}))
        result = {}

        def stream():
            result["r"] = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY}, timeout=10,
                                     json={"model": "claude-sonnet-5", "max_tokens": 5, "stream": True,
                                           "messages": [{"role": "user", "content": "hi"}]})

        t = threading.Thread(target=stream)
        t.start()
        while not a.requests:
            pass
        srv.gateway.switch_route("two")
        r2 = httpx.post(srv.url + "/v1/messages", headers={"x-api-key": ACCESS_KEY}, timeout=10,
                        json={"model": "claude-sonnet-5", "max_tokens": 5,
                              "messages": [{"role": "user", "content": "hi"}]})
        t.join(10)
        assert r2.json()["content"][0]["text"] == "from b"
        text = result["r"].text
        assert text.count("slow ") == 10 and "event: message_stop" in text
        saved = json.loads(srv.settings.config_path.read_text())
        assert saved["active_route"] == "two"
    finally:
        a.close()
        b.close()


# -- hand edits (issue 14.6) ------------------------------------------------------

BASE = {
    "providers": {"a": {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": ""},
                  "b": {"type": "openai", "base_url": "http://127.0.0.1:10/v1", "api_key": ""}},
    "routes": {"one": {"default": "a/m"}, "two": {"default": "b/m"}},
    "active_route": "one",
}


def gateway_on_disk(tmp_path, data=BASE) -> Gateway:
    home = tmp_path / "home"
    home.mkdir()
    path = home / "switchboard.json"
    path.write_text(json.dumps(data, indent=2))
    return Gateway(Settings(home=home, config_path=path, log_dir=home / "logs"),
                   secrets=SecretStore(MemoryKeyring(), environ={}))


def edit_by_hand(gw: Gateway, change) -> None:
    path = gw.settings.config_path
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_save_config_merges_onto_a_hand_edited_file(tmp_path):
    gw = gateway_on_disk(tmp_path)
    data = json.loads(json.dumps(gw.config.raw))  # what the tray computes its change from
    edit_by_hand(gw, lambda d: (d["providers"].update(c={"type": "anthropic", "base_url": "http://127.0.0.1:11"}),
                                d["routes"]["one"].update(name="Named by hand"),
                                d.update(ui={"theme": "dark"})))
    data["server"] = {"port": 4567}
    gw.save_config(data)
    on_disk = json.loads(gw.settings.config_path.read_text())
    assert on_disk["server"] == {"port": 4567}
    assert on_disk["providers"]["c"]["type"] == "anthropic"
    assert on_disk["routes"]["one"]["name"] == "Named by hand"
    assert on_disk["ui"] == {"theme": "dark"}
    assert gw.config.server.port == 4567 and "c" in gw.config.providers


def test_switch_route_keeps_a_hand_edit(tmp_path):
    gw = gateway_on_disk(tmp_path)
    edit_by_hand(gw, lambda d: d["routes"].update(three={"default": "b/x"}))
    gw.switch_route("two")
    on_disk = json.loads(gw.settings.config_path.read_text())
    assert on_disk["active_route"] == "two" and on_disk["routes"]["three"] == {"default": "b/x"}
    # A route that exists only in the hand-edited file can be chosen too.
    gw.switch_route("three")
    assert gw.config.active_route == "three"


def test_deletion_by_the_program_survives_a_hand_edit_elsewhere(tmp_path):
    gw = gateway_on_disk(tmp_path)
    data = json.loads(json.dumps(gw.config.raw))
    del data["routes"]["two"]
    edit_by_hand(gw, lambda d: d["providers"]["a"].update(name="A by hand"))
    gw.save_config(data)
    on_disk = json.loads(gw.settings.config_path.read_text())
    assert "two" not in on_disk["routes"] and on_disk["providers"]["a"]["name"] == "A by hand"


def test_invalid_hand_edit_is_never_overwritten(tmp_path):
    gw = gateway_on_disk(tmp_path)
    path = gw.settings.config_path
    path.write_text('{"providers": ')
    data = json.loads(json.dumps(gw.config.raw))
    data["active_route"] = "two"
    with pytest.raises(ConfigChangedOnDisk) as info:
        gw.save_config(data)
    assert isinstance(info.value, ConfigError)
    assert str(path) in str(info.value) and "not valid JSON" in str(info.value)
    assert path.read_text() == '{"providers": '
    with pytest.raises(ConfigChangedOnDisk):
        gw.switch_route("two")
    assert path.read_text() == '{"providers": '
    assert gw.config.active_route == "one"


def test_unchanged_file_is_saved_without_reloading(tmp_path):
    gw = gateway_on_disk(tmp_path)
    os.utime(gw.settings.config_path, ns=(1, 1))  # touched, same content: not a hand edit
    data = json.loads(json.dumps(gw.config.raw))
    data["active_route"] = "two"
    gw.save_config(data)
    assert json.loads(gw.settings.config_path.read_text())["active_route"] == "two"
    # The program's own write is not mistaken for a hand edit later.
    data = json.loads(json.dumps(gw.config.raw))
    del data["routes"]["one"]
    data["active_route"] = "two"
    gw.save_config(data)
    assert "one" not in json.loads(gw.settings.config_path.read_text())["routes"]


def test_saves_keep_private_backups(tmp_path):
    gw = gateway_on_disk(tmp_path)
    first = gw.settings.config_path.read_bytes()
    gw.switch_route("two")
    folder = gw.settings.home / "backups"
    (kept,) = folder.iterdir()
    assert kept.read_bytes() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(gw.settings.config_path.stat().st_mode) == 0o600


def test_a_file_invalid_since_start_is_not_overwritten(tmp_path):
    broken = dict(BASE, active_route="nowhere")
    gw = gateway_on_disk(tmp_path, broken)
    assert gw.config_error and gw.config.providers == {}
    before = gw.settings.config_path.read_text()
    with pytest.raises(ConfigChangedOnDisk, match="has a problem: active_route: no route named 'nowhere'"):
        gw.save_config({"providers": {}})
    assert gw.settings.config_path.read_text() == before
    # Fixed by hand: the next save reads the fix and keeps everything in it.
    edit_by_hand(gw, lambda d: d.update(active_route="two"))
    data = json.loads(json.dumps(gw.config.raw))
    data["ui"] = {"theme": "dark"}
    gw.save_config(data)
    on_disk = json.loads(gw.settings.config_path.read_text())
    assert on_disk["active_route"] == "two" and set(on_disk["providers"]) == {"a", "b"}
    assert gw.config_error is None


def test_a_save_after_a_hand_edit_tells_the_listeners_once(tmp_path):
    gw = gateway_on_disk(tmp_path)
    heard: list[tuple[str, str]] = []
    gw.listeners.append(lambda what: heard.append((what, gw.config.active_route)))
    edit_by_hand(gw, lambda d: d["routes"].update(three={"default": "b/x"}))
    gw.switch_route("two")
    assert heard == [("config", "two")]


def test_a_failed_save_after_a_hand_edit_still_tells_of_the_edit(tmp_path):
    from server.errors import NotFound

    gw = gateway_on_disk(tmp_path)
    heard: list[str] = []
    gw.listeners.append(heard.append)
    edit_by_hand(gw, lambda d: d["routes"].update(three={"default": "b/x"}))
    with pytest.raises(NotFound):
        gw.switch_route("nowhere")
    assert heard == ["config"] and "three" in gw.config.routes


def test_the_last_failure_keeps_its_type_for_the_tray(tmp_path) -> None:
    """The tray words a failure by its kind in another language (tray/menu.py)."""
    from server.errors import AuthenticationFailed

    gw = gateway_on_disk(tmp_path)
    gw.note_failure(AuthenticationFailed("OpenAI did not accept the API key"))
    assert (gw.last_error, gw.last_error_type) == ("OpenAI did not accept the API key", "authentication_error")
    gw.note_success()
    assert gw.last_error is None and gw.last_error_type is None
