"""switchboard.json: validation messages name the field; saves are atomic."""
from __future__ import annotations

import json

import pytest

from server.config import BACKUPS_KEPT, ConfigError, backup, load, merge, parse, save

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


# -- merging a program's change onto a hand-edited file (issue 14.6) -----------------



@pytest.mark.parametrize("base,ours,theirs,expected", [
    ({"a": 1}, {"a": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 2}),            # only the hand changed
    ({"a": 1}, {"a": 5}, {"a": 1}, {"a": 5}),                            # only the program changed
    ({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 3}, {"a": 2, "b": 3}),  # different keys
    ({"p": {"x": 1, "y": 1}}, {"p": {"x": 2, "y": 1}}, {"p": {"x": 1, "y": 3, "z": 4}},
     {"p": {"x": 2, "y": 3, "z": 4}}),                                   # nested
    ({"a": 1, "b": 1}, {"b": 1}, {"a": 1, "b": 2}, {"b": 2}),            # the program deleted a
    ({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"b": 1}, {"a": 2, "b": 1}),    # the hand deleted a, program changed it
    ({"a": 1}, {"a": 2}, {"a": 3}, {"a": 2}),                            # same value: the later save wins
    ({"l": [1]}, {"l": [1, 2]}, {"l": [1], "m": 0}, {"l": [1, 2], "m": 0}),
])
def test_merge(base, ours, theirs, expected):
    assert merge(base, ours, theirs) == expected


def test_backups_are_capped_and_private(tmp_path):
    path = tmp_path / "switchboard.json"
    folder = tmp_path / "backups"
    for n in range(BACKUPS_KEPT + 3):
        path.write_text(json.dumps({"n": n}))
        backup(path, folder)
    kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    assert [json.loads(p.read_text())["n"] for p in kept] == list(range(3, BACKUPS_KEPT + 3))
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in kept)
    assert folder.stat().st_mode & 0o777 == 0o700


def test_save_returns_the_stamp_of_what_it_wrote(tmp_path):
    from server.config import stamp

    path = tmp_path / "switchboard.json"
    _, written = save(path, GOOD)
    assert written.same_content(stamp(path))
    path.write_text(path.read_text().replace("everyday", "weekday"))
    assert not written.same_content(stamp(path))
