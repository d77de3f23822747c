"""Claude Code's settings file (server/claude_code.py) against a temp home,
and the gateway as its one owner."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from server import claude_code
from server.claude_code import ClaudeCodeError, ClaudeCodeLink

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
    assert not claude_code.is_connected(home=tmp_path, store=tmp_path / 'sb')

    backup = claude_code.connect(URL, KEY, home=tmp_path, store=tmp_path / 'sb')
    assert backup is not None and backup.parent == tmp_path / "sb" / "backups"
    assert backup.read_bytes() == before  # a true copy, made before the change
    assert backup.stat().st_mode & 0o777 == 0o600 and backup.parent.stat().st_mode & 0o777 == 0o700
    assert not list(path.parent.glob("*switchboard*"))  # nothing of ours next to Claude Code's file
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["env"]["ANTHROPIC_BASE_URL"] == URL
    assert data["env"]["ANTHROPIC_AUTH_TOKEN"] == KEY
    # Every other key survives, semantically and in order.
    expected = json.loads(json.dumps(ORIGINAL))
    expected["env"].update(ANTHROPIC_BASE_URL=URL, ANTHROPIC_AUTH_TOKEN=KEY)
    assert data == expected
    assert list(data) == list(ORIGINAL)
    assert claude_code.is_connected(home=tmp_path, store=tmp_path / 'sb')
    assert claude_code.is_connected(home=tmp_path, base_url=URL, store=tmp_path / 'sb')
    assert not claude_code.is_connected(home=tmp_path, base_url="http://127.0.0.1:9999", store=tmp_path / 'sb')

    # A second connect (new port) keeps the original record.
    claude_code.connect("http://127.0.0.1:3457", KEY, home=tmp_path, store=tmp_path / 'sb')
    claude_code.disconnect(home=tmp_path, store=tmp_path / 'sb')
    restored = json.loads(path.read_text(encoding="utf-8"))
    assert restored == ORIGINAL  # the corp proxy URL is back, the token key removed
    assert "ANTHROPIC_AUTH_TOKEN" not in restored["env"]
    assert not claude_code.is_connected(home=tmp_path, store=tmp_path / 'sb')
    assert not (tmp_path / "sb" / "restore.json").exists()


def test_connect_without_a_file_and_disconnect_leaves_no_trace(tmp_path: Path) -> None:
    assert claude_code.connect(URL, KEY, home=tmp_path, store=tmp_path / 'sb') is None  # nothing to back up
    path = tmp_path / ".claude" / "settings.json"
    assert json.loads(path.read_text()) == {"env": {"ANTHROPIC_BASE_URL": URL, "ANTHROPIC_AUTH_TOKEN": KEY}}
    claude_code.disconnect(home=tmp_path, store=tmp_path / 'sb')
    assert json.loads(path.read_text()) == {}


def test_existing_env_block_kept_even_when_emptied(tmp_path: Path) -> None:
    path = write(tmp_path, {"env": {}, "model": "sonnet"})
    claude_code.connect(URL, KEY, home=tmp_path, store=tmp_path / 'sb')
    claude_code.disconnect(home=tmp_path, store=tmp_path / 'sb')
    assert json.loads(path.read_text()) == {"env": {}, "model": "sonnet"}


# The last: saved in Latin-1, not UTF-8 (it raised UnicodeDecodeError, an internal error, before).
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"env": "oops"}', b'{"model": "caf\xe9"}'])
def test_a_broken_file_is_never_overwritten(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_bytes(raw)
    with pytest.raises(ClaudeCodeError, match="left it unchanged"):
        claude_code.connect(URL, KEY, home=tmp_path, store=tmp_path / 'sb')
    assert path.read_bytes() == raw
    assert list(path.parent.iterdir()) == [path]
    assert not (tmp_path / "sb" / "backups").exists()


def test_disconnect_takes_the_access_key_out_of_every_backup(tmp_path: Path) -> None:
    """Issue 14: backups are 0600 in Switchboard's folder, and after disconnecting
    none of them still holds the access key."""
    write(tmp_path, {"env": {"ANTHROPIC_AUTH_TOKEN": "my-own-corp-token"}, "model": "opus"})
    store = tmp_path / "sb"
    claude_code.connect(URL, KEY, home=tmp_path, store=store)
    claude_code.connect("http://127.0.0.1:3457", KEY, home=tmp_path, store=store)  # backs up a file holding KEY
    backups = sorted((store / "backups").iterdir())
    assert any(KEY in b.read_text() for b in backups)
    claude_code.disconnect(home=tmp_path, store=store)
    backups = sorted((store / "backups").iterdir())
    assert len(backups) == 3
    for backup in backups:
        assert KEY not in backup.read_text(), backup.name
        assert backup.stat().st_mode & 0o777 == 0o600
    # The person's own token is what the backups hold instead.
    assert all(json.loads(b.read_text())["env"]["ANTHROPIC_AUTH_TOKEN"] == "my-own-corp-token" for b in backups)
    assert json.loads((tmp_path / ".claude" / "settings.json").read_text()) == {
        "env": {"ANTHROPIC_AUTH_TOKEN": "my-own-corp-token"}, "model": "opus"}


def test_backups_left_next_to_claude_code_by_older_versions_move_and_lose_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, {"env": {"ANTHROPIC_BASE_URL": URL, "ANTHROPIC_AUTH_TOKEN": KEY}})
    legacy = path.with_name("settings.json.switchboard-backup-20250101-000000")
    legacy.write_text(json.dumps({"env": {"ANTHROPIC_BASE_URL": URL, "ANTHROPIC_AUTH_TOKEN": KEY}}))
    legacy.chmod(0o644)
    record = path.with_name("settings.json.switchboard-restore")
    record.write_text(json.dumps({"previous": {}, "env_existed": False}))
    store = tmp_path / "sb"
    assert claude_code.is_connected(home=tmp_path, store=store)  # the old record is understood
    claude_code.disconnect(home=tmp_path, store=store)
    assert not legacy.exists() and not record.exists()
    moved = sorted((store / "backups").iterdir())
    assert moved and all(KEY not in b.read_text() and b.stat().st_mode & 0o777 == 0o600 for b in moved)
    assert json.loads(path.read_text()) == {}


def test_follow_moves_only_what_this_switchboard_wrote(tmp_path: Path) -> None:
    link = ClaudeCodeLink(tmp_path / "sb", home=tmp_path, environ={})
    assert link.follow("http://127.0.0.1:3457", KEY) is False  # never connected: nothing to move
    link.connect(URL, KEY)
    assert link.connected(URL, KEY) and not link.connected(URL, "another-key")
    assert not link.connected("http://127.0.0.1:3457", KEY)
    assert link.follow("http://127.0.0.1:3457", "another-key") is False  # not this instance's key
    assert link.follow("http://127.0.0.1:3457", KEY) is True
    env = claude_code.read_env(tmp_path)
    assert env == {"ANTHROPIC_BASE_URL": "http://127.0.0.1:3457", "ANTHROPIC_AUTH_TOKEN": KEY}
    assert link.connected("http://127.0.0.1:3457", KEY)
    # Pointed elsewhere by hand: a later move leaves it alone.
    write_env = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    write_env["env"]["ANTHROPIC_BASE_URL"] = "https://api.anthropic.com"
    (tmp_path / ".claude" / "settings.json").write_text(json.dumps(write_env))
    assert link.follow("http://127.0.0.1:3458", KEY) is False
    assert claude_code.read_env(tmp_path)["ANTHROPIC_BASE_URL"] == "https://api.anthropic.com"
    assert ClaudeCodeLink(tmp_path / "sb", home=tmp_path, environ={"SWITCHBOARD_CLAUDE_CODE": "off"}).available() is False


def test_gateway_owns_connected_and_follows_a_moved_address(tmp_path: Path) -> None:
    """Connected = this instance's address and key; a new serving address
    rewrites the file and leaves one sentence to show."""
    from server.gateway import Gateway
    from server.secrets import MemoryKeyring, SecretStore
    from server.settings import Settings

    sb = tmp_path / "sb"
    settings = Settings(home=sb, config_path=sb / "switchboard.json", log_dir=sb / "logs")
    gw = Gateway(settings, secrets=SecretStore(MemoryKeyring(), environ={"SWITCHBOARD_API_KEY": KEY}))
    gw.claude_code = ClaudeCodeLink(sb / "claude-code", home=tmp_path, environ={})
    events: list[str] = []
    gw.listeners.append(events.append)
    gw.set_serving_address("127.0.0.1", 3456)
    assert gw.serving_url == URL and not gw.claude_code_connected()
    gw.connect_claude_code()
    assert gw.claude_code_connected()
    gw.set_serving_address("127.0.0.1", 3457)
    assert claude_code.read_env(tmp_path)["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:3457"
    assert gw.claude_code_connected()
    assert "claude_code_moved" in events
    assert gw.claude_code_notice and "restart Claude Code" in gw.claude_code_notice.text
    assert gw.claude_code_notice.text.count(".") == 1  # one sentence
    assert gw.claude_code_points_at("http://127.0.0.1:3457") and not gw.claude_code_points_at(URL)
    gw.disconnect_claude_code()
    assert not gw.claude_code_connected() and claude_code.read_env(tmp_path) == {}


def test_headless_server_on_a_new_port_moves_claude_code(tmp_path: Path) -> None:
    """`python -m server --port N` (or a changed config port): the real process
    tells its gateway where it serves, and Claude Code follows."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    from tests.support.live_server import ACCESS_KEY, free_port

    repo = Path(__file__).resolve().parents[2]
    user, sb = tmp_path / "user", tmp_path / "sb"
    old, new = free_port(), free_port()
    sb.mkdir()
    (sb / "switchboard.json").write_text(json.dumps({"server": {"port": new}}))
    ClaudeCodeLink(sb / "claude-code", home=user, environ={}).connect(f"http://127.0.0.1:{old}", ACCESS_KEY)
    env = {**os.environ, "HOME": str(user), "SWITCHBOARD_HOME": str(sb), "SWITCHBOARD_API_KEY": ACCESS_KEY,
           "PYTHONPATH": str(repo)}
    env.pop(claude_code.DISABLE_ENV, None)
    proc = subprocess.Popen([sys.executable, "-m", "server"], cwd=repo, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{new}/health", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert claude_code.read_env(user) == {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{new}",
                                              "ANTHROPIC_AUTH_TOKEN": ACCESS_KEY}
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "restart Claude Code to use it." in err
