"""Connect/disconnect Claude Code against a temp home."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tray import claude_code
from tray.claude_code import ClaudeCodeError

ORIGINAL = {
    "$schema": "https://json.schemastore.org/claude-code-settings.json",
    "model": "opus",
    "permissions": {"allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"], "deny": ["Read(./.env)"]},
    "env": {"CLAUDE_CODE_ENABLE_TELEMETRY": "0", "ANTHROPIC_BASE_URL": "https://corp-proxy.example/v1",
            "OTEL_METRICS_EXPORTER": "otlp"},
    "hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "prettier -w"}]}]},
    "includeCoAuthoredBy": False,
    "cleanupPeriodDays": 20,
    "statusLine": {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0},
    "unicode": "é → ✓",
}
URL = "http://127.0.0.1:3456"
KEY = "sk-swb-local-access-key-abcdef"


def write(home: Path, data: dict) -> Path:
    path = home / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return path


def test_connect_then_disconnect_restores_everything(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGINAL)
    before = path.read_bytes()
    assert not claude_code.is_connected(home=tmp_path)

    backup = claude_code.connect(URL, KEY, home=tmp_path)
    assert backup is not None and backup.name.startswith("settings.json.switchboard-backup-")
    assert backup.read_bytes() == before  # a true copy, made before the change
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["env"]["ANTHROPIC_BASE_URL"] == URL
    assert data["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
    # Every other key survives, semantically and in order.
    expected = json.loads(json.dumps(ORIGINAL))
    expected["env"].update(ANTHROPIC_BASE_URL=URL, ANTHROPIC_AUTH_TOKEN=KEY)
    assert data == expected
    assert list(data) == list(ORIGINAL)
    assert claude_code.is_connected(home=tmp_path)
    assert claude_code.is_connected(home=tmp_path, base_url=URL)
    assert not claude_code.is_connected(home=tmp_path, base_url="http://127.0.0.1:9999")

    # A second connect (new port) keeps the original record.
    claude_code.connect("http://127.0.0.1:3457", KEY, home=tmp_path)
    claude_code.disconnect(home=tmp_path)
    restored = json.loads(path.read_text(encoding="utf-8"))
    assert restored == ORIGINAL  # the corp proxy URL is back, the token key removed
    assert "ANTHROPIC_AUTH_TOKEN" not in restored["env"]
    assert not claude_code.is_connected(home=tmp_path)
    assert not (path.parent / "settings.json.switchboard-restore").exists()


def test_connect_without_a_file_and_disconnect_leaves_no_trace(tmp_path: Path) -> None:
    assert claude_code.connect(URL, KEY, home=tmp_path) is None  # nothing to back up
    path = tmp_path / ".claude" / "settings.json"
    assert json.loads(path.read_text()) == {"env": {"ANTHROPIC_BASE_URL": URL, "ANTHROPIC_AUTH_TOKEN": KEY}}
    claude_code.disconnect(home=tmp_path)
    assert json.loads(path.read_text()) == {}


def test_existing_env_block_kept_even_when_emptied(tmp_path: Path) -> None:
    path = write(tmp_path, {"env": {}, "model": "sonnet"})
    claude_code.connect(URL, KEY, home=tmp_path)
    claude_code.disconnect(home=tmp_path)
    assert json.loads(path.read_text()) == {"env": {}, "model": "sonnet"}


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"env": "oops"}'])
def test_a_broken_file_is_never_overwritten(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ClaudeCodeError, match="left it unchanged"):
        claude_code.connect(URL, KEY, home=tmp_path)
    assert path.read_text() == text
    assert list(path.parent.iterdir()) == [path]


def test_settings_page_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """server/settings_page/claude_code.py calls the module functions."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    from server.settings_page import claude_code as page

    page.connect(URL, KEY)
    assert page.connected(URL) is True
    assert page.connected("http://127.0.0.1:9999") is False  # connected elsewhere
    page.disconnect()
    assert page.connected(URL) is False
