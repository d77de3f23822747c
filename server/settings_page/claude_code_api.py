"""The Claude Code screen: connect, disconnect, the access key."""
from __future__ import annotations

import secrets as _random

from quart import Response

from server.claude_code import ClaudeCodeError
from server.errors import NotFound
from server.routes.common import gateway
from server.secrets import ACCESS_KEY_ENTRY
from server.settings_page import claude_code
from server.settings_page.common import (access_key_or_none, base_url, bp, failure_detail, json_response, off_loop,
                                         set_key)


def serving_base_url() -> str:
    """This instance's address as the gateway knows it (the request's port
    before the server announced it)."""
    return gateway().serving_url or base_url()


@bp.get("/settings/api/claude-code")
async def claude_code_view() -> Response:
    gw = gateway()
    available = claude_code.available(gw)
    return json_response({"base_url": serving_base_url(), "access_key": access_key_or_none(gw),
                          "available": available,
                          "connected": await claude_code.connected_now(gw),
                          "notice": str(gw.claude_code_notice) if available and gw.claude_code_notice else None})


@bp.post("/settings/api/claude-code/<action>")
async def claude_code_action(action: str) -> Response:
    gw = gateway()
    if action not in ("connect", "disconnect") or not claude_code.available(gw):
        raise NotFound("not found")
    key = access_key_or_none(gw)
    try:
        if action == "connect":
            if key is None:
                return json_response({"ok": False, "problem": "keyring", "params": {}})
            await off_loop(claude_code.connect, gw, serving_base_url())
        else:
            await off_loop(claude_code.disconnect, gw)
    except (ClaudeCodeError, OSError) as exc:  # plain words from server/claude_code.py
        return json_response({"ok": False, "problem": f"claude_{action}_failed",
                              "params": {}, **failure_detail(exc, 300)})
    return json_response({"ok": True, "connected": action == "connect"})


@bp.post("/settings/api/access-key/regenerate")
async def regenerate_access_key() -> Response:
    gw = gateway()
    was_connected = await claude_code.connected_now(gw)  # None: Connect is off
    new = "sk-swb-" + _random.token_urlsafe(32)
    await off_loop(set_key, gw, ACCESS_KEY_ENTRY, new)  # the keyring, off the event loop
    gw.reset_access_key()
    current = access_key_or_none(gw)
    await off_loop(gw.follow_projects)  # pinned project folders get the new key
    reconnected = False
    if current == new and was_connected:
        try:
            await off_loop(claude_code.connect, gw, serving_base_url())
            reconnected = True
        except (ClaudeCodeError, OSError):
            reconnected = False
    return json_response({"ok": current == new, "access_key": current, "env_override": current != new,
                          "reconnected": reconnected})
