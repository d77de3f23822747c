"""Issue 13.1: the tray and the settings page agree about "Claude Code is
connected" at all times, because both ask the gateway (one owner)."""
from __future__ import annotations

import json
from pathlib import Path

from server.claude_code import ClaudeCodeLink, read_env
from tests.server.settings_page.conftest import SettingsClient
from tests.support.live_server import ACCESS_KEY, LiveServer
from tray.state import AppState, collect


def test_tray_and_page_read_one_owner(tmp_path: Path) -> None:
    user = tmp_path / "user"
    server = LiveServer(tmp_path / "sb", {}).start()
    gw = server.gateway
    gw.claude_code = ClaudeCodeLink(tmp_path / "sb" / "claude-code", home=user, environ={})
    page = SettingsClient(server)
    try:
        def views() -> tuple[bool, bool]:
            tray = collect(gw, AppState(phase="running", port=server.port)).claude_connected
            return tray, page.get("claude-code")["connected"]

        info = page.get("claude-code")
        assert set(info) >= {"base_url", "access_key", "available", "connected"}
        assert info["base_url"] == server.url and info["available"] is True
        assert views() == (False, False)

        gw.connect_claude_code()  # what the tray's "Connect Claude Code…" does
        assert views() == (True, True)
        assert page.call("POST", "claude-code/disconnect").json()["ok"] is True
        assert views() == (False, False)
        assert page.call("POST", "claude-code/connect").json()["ok"] is True
        assert views() == (True, True)

        # Pointing at this address with another key is not "connected" for either.
        path = user / ".claude" / "settings.json"
        data = json.loads(path.read_text())
        data["env"]["ANTHROPIC_AUTH_TOKEN"] = "sk-someone-else"
        path.write_text(json.dumps(data))
        assert views() == (False, False)
        data["env"]["ANTHROPIC_AUTH_TOKEN"] = ACCESS_KEY
        path.write_text(json.dumps(data))
        assert views() == (True, True)

        # The serving address changes: the file follows, both still agree, and
        # the page shows the sentence the tray notifies.
        gw.set_serving_address("127.0.0.1", server.port + 1)
        assert read_env(user)["ANTHROPIC_BASE_URL"] == f"http://127.0.0.1:{server.port + 1}"
        info = page.get("claude-code")
        assert info["connected"] is True and info["base_url"] == f"http://127.0.0.1:{server.port + 1}"
        assert "restart Claude Code" in info["notice"]
        assert collect(gw, AppState(phase="running")).claude_connected is True
    finally:
        page.close()
        server.stop()
