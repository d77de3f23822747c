"""The tray's own HTTP endpoints on the gateway's server (loopback only).

* ``GET /_switchboard/hello`` and ``POST /_switchboard/settings-link`` —
  ``server.instance``'s proof of identity and one-time settings links (a
  second launch and ``switchboard settings-link`` use them), with the same
  per-run secret as ``python -m server``.
* ``POST /_tray/handover`` — ask this instance to show its settings page
  itself. Needs the per-run secret from ``switchboard.instance.json`` in
  ``X-Switchboard-Handover``.
* Test control, only when ``SWITCHBOARD_TRAY_TEST_CONTROL=1`` is set in the
  environment, same secret: ``GET /_tray/test/menu`` (the menu as rendered by
  the tray layer) and ``POST /_tray/test/click`` ``{"text": ...}`` (activate
  that menu item through the tray layer, as a click would). Tests use it
  because clicking a docked icon by pixel position is not reliable.
"""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
from pathlib import Path
from typing import Any, Callable

from quart import Blueprint, Response, jsonify, request

from server.instance import make_blueprint as make_instance_blueprint
from tray.single_instance import HANDOVER_HEADER

TEST_CONTROL_ENV = "SWITCHBOARD_TRAY_TEST_CONTROL"


def test_control_enabled(environ: Any = None) -> bool:
    return (environ if environ is not None else os.environ).get(TEST_CONTROL_ENV) == "1"


def make_blueprint(secret: str, *, on_handover: Callable[[], None],
                   menu: Callable[[], list[dict[str, Any]]] | None = None,
                   click: Callable[[str], bool] | None = None, home: Path | None = None) -> Blueprint:
    bp = Blueprint("tray_control", __name__)
    if home is not None:
        bp.register_blueprint(make_instance_blueprint(secret, home))

    def allowed() -> bool:
        remote = (request.remote_addr or "").split("%", 1)[0]
        try:
            local = ipaddress.ip_address(remote).is_loopback
        except ValueError:
            local = False
        given = request.headers.get(HANDOVER_HEADER, "")
        return local and hmac.compare_digest(given.encode(), secret.encode())

    def refuse() -> Response:
        return Response('{"error":"forbidden"}', status=403, content_type="application/json")

    @bp.post("/_tray/handover")
    async def handover() -> Response:
        if not allowed():
            return refuse()
        await asyncio.to_thread(on_handover)
        return jsonify({"ok": True})

    if menu is not None and click is not None:
        @bp.get("/_tray/test/menu")
        async def test_menu() -> Response:
            if not allowed():
                return refuse()
            return jsonify({"entries": await asyncio.to_thread(menu)})

        @bp.post("/_tray/test/click")
        async def test_click() -> Response:
            if not allowed():
                return refuse()
            body = await request.get_json(force=True, silent=True) or {}
            ok = await asyncio.to_thread(click, str(body.get("text", "")))
            return jsonify({"ok": ok}), (200 if ok else 404)

    return bp
