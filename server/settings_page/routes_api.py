"""The Routes screen: save, delete and activate routes."""
from __future__ import annotations

from typing import Any

from quart import Response

from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, read_body, update


@bp.put("/settings/api/routes/<rid>")
async def put_route(rid: str) -> Response:
    gw = gateway()
    rid = edits.ident(rid)
    body = await read_body()

    def edit(data: dict[str, Any]) -> None:
        current = data["routes"].get(rid)
        data["routes"][rid] = edits.route_fields(body, current if isinstance(current, dict) else None)
        if body.get("activate") is True or not data.get("active_route"):
            data["active_route"] = rid

    await update(gw, edit)  # validates first: nothing is written when invalid
    return json_response({"ok": True, "id": rid})


@bp.delete("/settings/api/routes/<rid>")
async def delete_route(rid: str) -> Response:
    gw = gateway()

    def edit(data: dict[str, Any]) -> None:
        if rid not in data["routes"]:
            raise edits.BadInput("no_such_route", "id")
        del data["routes"][rid]
        if data.get("active_route") == rid:
            if data["routes"]:
                data["active_route"] = next(iter(data["routes"]))
            else:
                data.pop("active_route", None)

    await update(gw, edit)  # validates first: nothing is written when invalid
    return json_response({"ok": True})


@bp.post("/settings/api/active-route")
async def activate_route() -> Response:
    gw = gateway()
    body = await read_body()
    rid = body.get("id")

    def edit(data: dict[str, Any]) -> None:
        if not isinstance(rid, str) or rid not in data["routes"]:
            raise edits.BadInput("no_such_route", "id")
        data["active_route"] = rid

    await update(gw, edit)  # validates first: nothing is written when invalid
    return json_response({"ok": True, "active_route": rid})
