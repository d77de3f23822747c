"""switchboard.json: validation messages name the field; saves are atomic."""
from __future__ import annotations

import json

import pytest

from server.config import ConfigError, load, parse, save

GOOD = {
    "server": {"host": "127.0.0.1", "port": 3456},
    "providers": {
        "deepseek": {"type": "anthropic", "base_url": "https://api.deepseek.com/anthropic",
                     "api_key": "env:DEEPSEEK_API_KEY", "models": ["deepseek-chat"]},
        "openai": {"type": "openai", "base_url": "https://api.openai.com/v1", "api_key": "keyring",
                   "models": ["gpt-5-mini"]},
        "ollama": {"type": "openai", "base_url": "http://127.0.0.1:11434/v1", "api_key": ""},
    },
    "routes": {"everyday": {"default": "openai/gpt-5-mini"}},
    "active_route": "everyday",
}


def test_the_documented_example_parses():
    cfg = parse(GOOD)
    assert cfg.route.default == ("openai/gpt-5-mini",)
    assert cfg.providers["ollama"].api_key == ""
    assert cfg.server.port == 3456


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["providers"]["openai"].update(type="azure"), "providers.openai.type: must be one of"),
    (lambda d: d["providers"]["openai"].update(base_url="api.openai.com"), "providers.openai.base_url"),
    (lambda d: d["providers"]["openai"].update(api_key=5), "providers.openai.api_key"),
    (lambda d: d["providers"]["openai"].update(api_key="env:"), "env: needs a variable name"),
    (lambda d: d["providers"]["openai"].update(models="gpt"), "providers.openai.models"),
    (lambda d: d["server"].update(port=70000), "server.port"),
    (lambda d: d["server"].update(port="80"), "server.port"),
    (lambda d: d["routes"]["everyday"].update(default="nobody/x"), "no provider named 'nobody'"),
    (lambda d: d["routes"]["everyday"].update(default="openai"), "not of the form provider/model"),
    (lambda d: d["routes"]["everyday"].pop("default"), "routes.everyday.default: is required"),
    (lambda d: d["routes"]["everyday"].update(fallback=[]), "routes.everyday.fallback"),
    (lambda d: d.update(active_route="weekend"), "active_route: no route named 'weekend'"),
    (lambda d: d.update(providers=[]), "providers: must be an object"),
    (lambda d: d["providers"].update({"bad id!": {"type": "openai", "base_url": "http://x"}}), "providers.bad id!"),
])
def test_errors_name_the_field(mutate, message):
    data = json.loads(json.dumps(GOOD))
    mutate(data)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse(data)


def test_missing_file_is_a_first_run(tmp_path):
    cfg = load(tmp_path / "switchboard.json")
    assert cfg.providers == {} and cfg.route is None


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "switchboard.json"
    path.write_text('{\n  "providers": {,\n}')
    with pytest.raises(ConfigError, match=r"line 2, column 17"):
        load(path)


def test_save_is_atomic_and_keeps_a_corrupt_file(tmp_path):
    path = tmp_path / "switchboard.json"
    path.write_text("{ this is not json")
    save(path, GOOD)
    assert json.loads(path.read_text()) == GOOD
    kept = list(tmp_path.glob("switchboard.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{ this is not json"
    assert not list(tmp_path.glob(".switchboard.json.*"))  # no temp file left behind


def test_invalid_data_is_never_written(tmp_path):
    path = tmp_path / "switchboard.json"
    save(path, GOOD)
    bad = json.loads(json.dumps(GOOD))
    bad["providers"]["openai"]["type"] = "nope"
    with pytest.raises(ConfigError):
        save(path, bad)
    assert json.loads(path.read_text()) == GOOD


def test_unknown_fields_survive_a_round_trip(tmp_path):
    path = tmp_path / "switchboard.json"
    data = {**GOOD, "ui": {"theme": "dark"}}
    save(path, data)
    assert load(path).raw["ui"] == {"theme": "dark"}
