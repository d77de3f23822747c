"""The first-run guide: save the provider (already tested by the page) and
a route to it.

Running the guide again reuses what exists instead of making copies: a
provider of the same service at the same address is updated (a new key, the
chosen model added), and a route that already sends everything to that
provider and model is kept. A new route gets a name that says where it goes
(never a second "Main"). The guide makes its route the active one only when
there is no working active route yet, or when the page asks for it
(``"activate": true``, after the person said so); the answer says which
route is active so the page can offer the switch.
"""
from __future__ import annotations

from typing import Any

from quart import Response

from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, read_body, save_key_after_validation, update
from server.settings_page.providers_api import add_provider


def existing_provider(data: dict[str, Any], body: dict[str, Any]) -> str | None:
    """The provider this guide run describes, if one is saved already: same
    API type and base URL, and the same service (preset) when both name one."""
    wanted = edits.provider_fields(body, None)
    preset_id = str(body.get("preset") or "")
    for pid, entry in data["providers"].items():
        if not isinstance(entry, dict):
            continue
        if entry.get("type") != wanted["type"] or not edits.same_base_url(str(entry.get("base_url", "")), wanted["base_url"]):
            continue
        profile = str(entry.get("profile") or "")
        if profile and preset_id and not preset_id.startswith("custom-") and profile != preset_id:
            continue
        return pid
    return None


def existing_route(data: dict[str, Any], target: str) -> str | None:
    """A route whose default model is ``target`` (the active one first)."""
    ids = list(data["routes"])
    active = data.get("active_route")
    if active in ids:
        ids.remove(active)
        ids.insert(0, active)
    for rid in ids:
        route = data["routes"][rid]
        if isinstance(route, dict) and route.get("default") == target:
            return rid
    return None


def route_name(data: dict[str, Any], provider_name: str, model: str, first: str = "") -> str:
    """A name that says where the route goes, unique among the routes. The
    first route is "Main", or ``first``: the word the page sends in its language."""
    taken = {str(r.get("name") or rid) for rid, r in data["routes"].items() if isinstance(r, dict)}
    if not data["routes"]:
        return first or "Main"
    base = f"{provider_name} · {model}"[:120]
    name, n = base, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


@bp.post("/settings/api/setup")
async def setup() -> Response:
    """Save the first provider (already tested by the page) and a route to
    it, reusing a provider and a route that already do the job."""
    gw = gateway()
    body = await read_body()
    model = edits.text(body, "model", limit=200)
    if not model:
        raise edits.BadInput("model_required", "model")
    first_route = edits.text(body, "route_name", limit=120)
    activate = body.get("activate")
    if activate is not None and not isinstance(activate, bool):
        raise edits.BadInput("bad_field", "activate")
    body = dict(body)
    models = edits.models_list(body)
    if model not in models:
        body["models"] = [model, *models]

    def edit(data: dict[str, Any]) -> dict[str, Any]:
        pid = existing_provider(data, body)
        reused_provider = pid is not None
        if pid is None:
            pid, key = add_provider(data, body)
        else:
            entry = dict(data["providers"][pid])
            key = edits.key_field(body)
            if key:
                entry["api_key"] = "keyring"
            name = edits.text(body, "name")
            if name:
                entry["name"] = name
            have = [m for m in entry.get("models") or [] if isinstance(m, str)]
            if model not in have:
                entry["models"] = [*have, model]
            data["providers"][pid] = entry
        provider_name = str(data["providers"][pid].get("name") or pid)

        target = f"{pid}/{model}"
        rid = existing_route(data, target)
        reused_route = rid is not None
        if rid is None:
            rid = edits.unique_id(data["routes"], "main") if data["routes"] else "main"
            data["routes"][rid] = {"name": route_name(data, provider_name, model, first_route), "default": target}
        active = data.get("active_route")
        if activate or active not in data["routes"] or (activate is None and len(data["routes"]) == 1):
            data["active_route"] = rid
        save_key_after_validation(gw, data, pid, key)
        active = data.get("active_route")
        names = {r: str(v.get("name") or r) for r, v in data["routes"].items() if isinstance(v, dict)}
        return {"ok": True, "id": pid, "route": rid, "route_name": names.get(rid, rid),
                "reused_provider": reused_provider, "reused_route": reused_route,
                "active": active == rid, "active_route": active,
                "active_route_name": names.get(str(active), "")}

    # Off the event loop: the keyring and the disk (issue 14).
    return json_response(await update(gw, edit), 201)
