"""The Claude Code screen: connect, disconnect, the access key."""
from __future__ import annotations

import asyncio
import secrets as _random

from quart import Response

from server.errors import NotFound
from server.routes.common import gateway
from server.secrets import ACCESS_KEY_ENTRY
from server.settings_page import claude_code
from server.settings_page.common import access_key_or_none, base_url, bp, json_response, set_key


@bp.get("/settings/api/claude-code")
async def claude_code_view() -> Response:
    gw = gateway()
    available = claude_code.available()
    return json_response({"base_url": base_url(), "access_key": access_key_or_none(gw),
                          "available": available,
                          "connected": await asyncio.to_thread(claude_code.connected, base_url()) if available else None})


@bp.post("/settings/api/claude-code/<action>")
async def claude_code_action(action: str) -> Response:
    gw = gateway()
    if action not in ("connect", "disconnect") or not claude_code.available():
        raise NotFound("not found")
    key = access_key_or_none(gw)
    try:
        if action == "connect":
            if key is None:
                return json_response({"ok": False, "problem": "keyring", "params": {}})
            await asyncio.to_thread(claude_code.connect, base_url(), key)
        else:
            await asyncio.to_thread(claude_code.disconnect)
    except Exception as exc:  # the tray module's own errors, shown in plain words
        return json_response({"ok": False, "problem": f"claude_{action}_failed",
                              "params": {}, "detail": str(exc)[:300]})
    return json_response({"ok": True, "connected": action == "connect"})


@bp.post("/settings/api/access-key/regenerate")
async def regenerate_access_key() -> Response:
    gw = gateway()
    new = "sk-swb-" + _random.token_urlsafe(32)
    set_key(gw, ACCESS_KEY_ENTRY, new)
    gw.reset_access_key()
    current = access_key_or_none(gw)
    reconnected = False
    if current == new and claude_code.available() and await asyncio.to_thread(claude_code.connected, base_url()):
        try:
            await asyncio.to_thread(claude_code.connect, base_url(), new)
            reconnected = True
        except Exception:
            reconnected = False
    return json_response({"ok": current == new, "access_key": current, "env_override": current != new,
                          "reconnected": reconnected})
