"""Project folders pinned to a route, and opening Claude Code with a route
(the Claude Code screen; issue 16 §2 and §4). The gateway owns the pins
(server/project_pins.py); server/terminal.py opens the terminal."""
from __future__ import annotations

import os
from typing import Any

from quart import Response

from server import terminal
from server.errors import SwitchboardError
from server.project_pins import ProjectPinError, route_address
from server.routes.common import gateway
from server.secrets import ACCESS_KEY_ENV
from server.settings_page.claude_code_api import serving_base_url
from server.settings_page.common import access_key_or_none, bp, failure_detail, json_response, off_loop, read_body


def _failed(problem: str, exc: BaseException) -> Response:
    return json_response({"ok": False, "problem": problem, "params": {}, **failure_detail(exc)})


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value.strip()[:4096] if isinstance(value, str) else ""


@bp.get("/settings/api/projects")
async def projects_view() -> Response:
    gw = gateway()
    config = gw.config
    pinned = await off_loop(gw.project_pins.listing)
    return json_response({
        "projects": [{"folder": p.folder, "route": p.route, "address": p.address, "state": p.state,
                      "route_name": config.routes[p.route].name if p.route in config.routes else p.route}
                     for p in pinned],
        "routes": [{"id": rid, "name": r.name, "address": route_address(serving_base_url(), rid)}
                   for rid, r in config.routes.items()],
        "home": os.path.expanduser("~"),
    })


@bp.post("/settings/api/projects")
async def pin_project() -> Response:
    gw = gateway()
    body = await read_body()
    try:
        pinned = await off_loop(gw.pin_project, _text(body, "folder"), _text(body, "route"))
    except (ProjectPinError, OSError) as exc:
        return _failed("project_pin_failed", exc)
    except SwitchboardError as exc:  # the keyring cannot be read
        return _failed("keyring", exc)
    return json_response({"ok": True, "folder": pinned.folder, "address": pinned.address})


@bp.post("/settings/api/projects/unpin")
async def unpin_project() -> Response:
    gw = gateway()
    body = await read_body()
    try:
        await off_loop(gw.unpin_project, _text(body, "folder"))
    except (ProjectPinError, OSError) as exc:
        return _failed("project_unpin_failed", exc)
    return json_response({"ok": True})


@bp.post("/settings/api/projects/open")
async def open_claude_code() -> Response:
    """A terminal in the folder running ``claude`` with the route's address
    and the access key in its environment; where none can be found, the
    command to copy instead."""
    gw = gateway()
    body = await read_body()
    folder, rid = os.path.expanduser(_text(body, "folder")), _text(body, "route")
    if rid not in gw.config.routes:
        return json_response({"ok": False, "problem": "no_route_chosen", "params": {}})
    if not folder or not os.path.isabs(folder):
        return json_response({"ok": False, "problem": "folder_needed", "params": {}})
    key = access_key_or_none(gw)
    if key is None:
        return json_response({"ok": False, "problem": "keyring", "params": {}})
    address = route_address(serving_base_url(), rid)
    opened = await off_loop(terminal.open_claude, folder, address, key,
                                     key_in_keychain=not os.environ.get(ACCESS_KEY_ENV))
    if opened.ok:
        return json_response({"ok": True, "terminal": opened.terminal, "address": address})
    return json_response({"ok": False, "problem": "terminal_" + (opened.problem or "failed"),
                          "params": {"folder": folder}, "command": opened.command})
