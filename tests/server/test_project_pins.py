"""server/project_pins.py: a route pinned to a project folder's
.claude/settings.local.json, followed when the address or key changes, and
unpinned byte for byte (issue 16 §2)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from server.project_pins import ProjectPinError, ProjectPins, route_address, settings_file

KEY = "sk-swb-project-key-0123456789"
ORIGINAL = (b'{\n    "permissions": {"allow": ["Bash(npm test:*)"], "deny": []},\n'
            b'    "env": {"FOO": "bar", "ANTHROPIC_BASE_URL": "https://proxy.example.com",\n'
            b'            "MAX_THINKING_TOKENS": "8000"},\n'
            b'    "model": "opus",  "outputStyle": "Explanatory",\n'
            b'    "hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "make fmt"}]}]},\n'
            b'    "note": "caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac"\n}\n')


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "my project"
    (folder / ".claude").mkdir(parents=True)
    path = settings_file(folder)
    path.write_bytes(ORIGINAL)
    os.chmod(path, 0o644)
    return folder


@pytest.fixture
def pins(tmp_path):
    return ProjectPins(tmp_path / "store")


def env_of(folder) -> dict:
    return json.loads(settings_file(folder).read_text(encoding="utf-8"))["env"]


def test_pin_change_port_unpin_leaves_the_file_byte_identical(project, pins, tmp_path):
    pinned = pins.pin(project, "work", "http://127.0.0.1:3456", KEY)
    assert pinned.address == "http://127.0.0.1:3456/r/work"
    data = json.loads(settings_file(project).read_text(encoding="utf-8"))
    assert data["env"] == {"FOO": "bar", "ANTHROPIC_BASE_URL": "http://127.0.0.1:3456/r/work",
                           "MAX_THINKING_TOKENS": "8000", "ANTHROPIC_AUTH_TOKEN": KEY}
    assert data["permissions"] == {"allow": ["Bash(npm test:*)"], "deny": []}
    assert data["model"] == "opus" and data["note"] == "café — 日本"
    assert stat.S_IMODE(settings_file(project).stat().st_mode) == 0o600  # it holds the key now
    # The backup is the exact original, private; the record never holds the key.
    store = tmp_path / "store"
    [backup] = list((store / "originals").iterdir())
    assert backup.read_bytes() == ORIGINAL and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert KEY not in (store / "pins.json").read_text()

    assert pins.follow("http://127.0.0.1:4567", KEY) == [str(project.resolve())]
    assert env_of(project)["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:4567/r/work"
    assert pins.follow("http://127.0.0.1:4567", KEY) == []  # nothing new: nothing written
    [listed] = pins.listing()
    assert (listed.route, listed.address, listed.state) == ("work", "http://127.0.0.1:4567/r/work", "pinned")

    pins.unpin(project)
    assert settings_file(project).read_bytes() == ORIGINAL
    assert stat.S_IMODE(settings_file(project).stat().st_mode) == 0o644
    assert pins.listing() == [] and list((store / "originals").iterdir()) == []


def test_a_new_key_reaches_pinned_projects(project, pins):
    pins.pin(project, "work", "http://127.0.0.1:3456", KEY)
    assert pins.follow("http://127.0.0.1:3456", "sk-swb-new-key-9876543210") == [str(project.resolve())]
    assert env_of(project)["ANTHROPIC_AUTH_TOKEN"] == "sk-swb-new-key-9876543210"
    pins.unpin(project)
    assert settings_file(project).read_bytes() == ORIGINAL


def test_a_file_changed_by_hand_is_not_followed_and_its_edits_survive_unpin(project, pins):
    pins.pin(project, "work", "http://127.0.0.1:3456", KEY)
    data = json.loads(settings_file(project).read_text())
    data["env"]["ANTHROPIC_BASE_URL"] = "http://elsewhere:1"
    settings_file(project).write_text(json.dumps(data))
    assert pins.follow("http://127.0.0.1:9999", KEY) == []
    assert env_of(project)["ANTHROPIC_BASE_URL"] == "http://elsewhere:1"
    assert pins.listing()[0].state == "changed"
    # Another key added by hand: unpin puts back the two values and keeps the edit.
    data["model"] = "sonnet"
    settings_file(project).write_text(json.dumps(data))
    pins.unpin(project)
    after = json.loads(settings_file(project).read_text())
    assert after["model"] == "sonnet"
    assert after["env"] == {"FOO": "bar", "ANTHROPIC_BASE_URL": "https://proxy.example.com",
                            "MAX_THINKING_TOKENS": "8000"}


def test_a_folder_without_settings_gets_them_and_loses_them_again(tmp_path, pins):
    folder = tmp_path / "fresh"
    folder.mkdir()
    pins.pin(folder, "work", "http://127.0.0.1:3456", KEY)
    assert json.loads(settings_file(folder).read_text()) == {
        "env": {"ANTHROPIC_BASE_URL": "http://127.0.0.1:3456/r/work", "ANTHROPIC_AUTH_TOKEN": KEY}}
    pins.unpin(folder)
    assert not (folder / ".claude").exists()
    assert list(folder.iterdir()) == []


def test_pinning_again_switches_the_route_and_unpin_still_restores(project, pins):
    pins.pin(project, "work", "http://127.0.0.1:3456", KEY)
    pins.pin(project, "cheap", "http://127.0.0.1:3456", KEY)
    assert env_of(project)["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:3456/r/cheap"
    assert [p.route for p in pins.listing()] == ["cheap"]
    pins.unpin(str(project))
    assert settings_file(project).read_bytes() == ORIGINAL


def test_invalid_files_and_folders_are_refused_and_left_alone(tmp_path, pins):
    folder = tmp_path / "broken"
    (folder / ".claude").mkdir(parents=True)
    settings_file(folder).write_bytes(b'{"env": {"A": 1},,}')
    with pytest.raises(ProjectPinError, match="not valid JSON"):
        pins.pin(folder, "work", "http://127.0.0.1:3456", KEY)
    assert settings_file(folder).read_bytes() == b'{"env": {"A": 1},,}'
    settings_file(folder).write_bytes(b'{"env": "x"}')
    with pytest.raises(ProjectPinError, match="not an object"):
        pins.pin(folder, "work", "http://127.0.0.1:3456", KEY)
    with pytest.raises(ProjectPinError, match="full path"):
        pins.pin("relative/folder", "work", "http://127.0.0.1:3456", KEY)
    with pytest.raises(ProjectPinError, match="no folder"):
        pins.pin(tmp_path / "absent", "work", "http://127.0.0.1:3456", KEY)
    with pytest.raises(ProjectPinError, match="not pinned"):
        pins.unpin(tmp_path)
    assert pins.listing() == []


def test_route_address():
    assert route_address("http://127.0.0.1:3456/", "work") == "http://127.0.0.1:3456/r/work"
