"""The first-run guide: save the first provider and a route to it."""
from __future__ import annotations

from quart import Response

from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, raw_config, read_body, save_with_key
from server.settings_page.providers_api import add_provider


@bp.post("/settings/api/setup")
async def setup() -> Response:
    """Save the first provider (already tested by the page) and a route to it."""
    gw = gateway()
    body = await read_body()
    model = edits.text(body, "model", limit=200)
    if not model:
        raise edits.BadInput("model_required", "model")
    data = raw_config(gw)
    body = dict(body)
    models = edits.models_list(body)
    if model not in models:
        body["models"] = [model, *models]
    pid, key = add_provider(data, body)
    rid = edits.unique_id(data["routes"], "main") if data["routes"] else "main"
    data["routes"][rid] = {"name": "Main", "default": f"{pid}/{model}"}
    data["active_route"] = rid
    save_with_key(gw, data, pid, key)
    return json_response({"ok": True, "id": pid, "route": rid}, 201)
