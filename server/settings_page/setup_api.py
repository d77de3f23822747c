"""The first-run guide: save the first provider and a route to it."""
from __future__ import annotations

from typing import Any

from quart import Response

from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, read_body, save_key_after_validation, update
from server.settings_page.providers_api import add_provider


@bp.post("/settings/api/setup")
async def setup() -> Response:
    """Save the first provider (already tested by the page) and a route to it."""
    gw = gateway()
    body = await read_body()
    model = edits.text(body, "model", limit=200)
    if not model:
        raise edits.BadInput("model_required", "model")
    body = dict(body)
    models = edits.models_list(body)
    if model not in models:
        body["models"] = [model, *models]

    def edit(data: dict[str, Any]) -> tuple[str, str]:
        pid, key = add_provider(data, body)
        rid = edits.unique_id(data["routes"], "main") if data["routes"] else "main"
        data["routes"][rid] = {"name": "Main", "default": f"{pid}/{model}"}
        data["active_route"] = rid
        save_key_after_validation(gw, data, pid, key)
        return pid, rid

    # Off the event loop: the keyring and the disk (issue 14).
    pid, rid = await update(gw, edit)
    return json_response({"ok": True, "id": pid, "route": rid}, 201)
