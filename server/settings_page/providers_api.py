"""The Providers screen: add, edit and delete providers; test a connection
and list a provider's models (for a saved provider or the dialog's draft)."""
from __future__ import annotations

import dataclasses
from typing import Any

from quart import Response

from server import config as config_mod
from server.config import ConfigError, ProviderConfig
from server.errors import SwitchboardError
from server.gateway import Gateway
from server.providers.presets import preset, profile_for
from server.routes.common import gateway
from server.secrets import KeyringUnavailable
from server.settings_page import edits, keys_api, probe
from server.settings_page.common import (bp, delete_key, json_response, off_loop, page_error, read_body,
                                         read_key, save_key_after_validation, set_key, update, validate)


def add_provider(data: dict[str, Any], body: dict[str, Any]) -> tuple[str, str]:
    """Put a new provider into ``data``; returns (id, key to store or '')."""
    entry = edits.provider_fields(body, None)
    key = edits.key_field(body)
    wanted = body.get("id")
    if wanted is not None:
        pid = edits.ident(wanted)
        if pid in data["providers"]:
            raise edits.BadInput("id_taken", "id")
    else:
        preset_id = str(body.get("preset") or "")
        base = preset_id if preset_id and not preset_id.startswith("custom-") else entry.get("name") or "custom"
        pid = edits.unique_id(data["providers"], str(base))
    entry["api_key"] = "keyring" if key else ""
    data["providers"][pid] = entry
    return pid, key


def _first_route(data: dict[str, Any], pid: str, model: str) -> str:
    rid = edits.unique_id(data["routes"], "main")
    data["routes"][rid] = {"name": "Main", "default": f"{pid}/{model}"}
    data["active_route"] = rid
    return rid


@bp.post("/settings/api/providers")
async def create_provider() -> Response:
    gw = gateway()
    body = await read_body()

    def edit(data: dict[str, Any]) -> tuple[str, str | None]:
        pid, key = add_provider(data, body)
        models = data["providers"][pid].get("models") or []
        route = None
        if not data["routes"] and models:
            route = _first_route(data, pid, models[0])
        save_key_after_validation(gw, data, pid, key)
        return pid, route

    pid, route = await update(gw, edit)
    return json_response({"ok": True, "id": pid, "route": route}, 201)


@bp.put("/settings/api/providers/<pid>")
async def update_provider(pid: str) -> Response:
    gw = gateway()
    body = await read_body()

    def edit(data: dict[str, Any]) -> list[str]:
        current = data["providers"].get(pid)
        if not isinstance(current, dict):
            raise edits.BadInput("no_such_provider", "id")
        entry = edits.provider_fields(body, current)
        # Extra keys (issue 18) stay with the address they were saved for.
        gone = keys_api.drop_on_url_change(pid, current, entry)
        key = edits.key_field(body)
        clear = body.get("clear_key") is True
        if not clear:
            # A stored key never follows a changed URL (issue 14.2).
            edits.check_key_stays(current.get("api_key"), current.get("base_url"), entry["base_url"], key)
        if key:
            entry["api_key"] = "keyring"
        elif clear:
            entry["api_key"] = ""
            gone = keys_api.pool_entries(pid, entry)
            entry.pop("api_keys", None)
        data["providers"][pid] = entry
        validate(data)
        if key:
            set_key(gw, pid, key)
        elif clear and current.get("api_key") == "keyring":
            delete_key(gw, pid)
        return gone

    for entry in await update(gw, edit):
        await off_loop(delete_key, gw, entry)
    return json_response({"ok": True, "id": pid})


@bp.delete("/settings/api/providers/<pid>")
async def delete_provider(pid: str) -> Response:
    gw = gateway()

    def edit(data: dict[str, Any]) -> Any:
        current = data["providers"].get(pid)
        if current is None:
            raise edits.BadInput("no_such_provider", "id")
        using = edits.routes_using(data, pid)
        if using:
            raise page_error("provider_in_use", 409, routes=", ".join(using))
        del data["providers"][pid]
        return current

    current = await update(gw, edit)  # validates first: nothing is written when invalid
    if isinstance(current, dict) and current.get("api_key") == "keyring":
        await off_loop(delete_key, gw, pid)
    for entry in keys_api.pool_entries(pid, current) if isinstance(current, dict) else []:
        if entry != pid:
            await off_loop(delete_key, gw, entry)
    return json_response({"ok": True})


# -- test and model list ------------------------------------------------------------

def _stored_key(gw: Gateway, pconf: ProviderConfig) -> str | None:
    return read_key(gw, pconf.api_key, pconf.id)[0]


def _draft(gw: Gateway, body: dict[str, Any]) -> tuple[ProviderConfig, str | None, bool]:
    """The provider a test/models body means: a saved one, or a draft of
    the form being edited. Returns (config, key, saved-as-is). Blocking
    (it reads the keyring): run it with ``off_loop``."""
    pid = body.get("id")
    existing = None
    if pid is not None:
        pid = edits.ident(pid)
        existing = gw.config.providers.get(pid)
        if existing is None:
            raise edits.BadInput("no_such_provider", "id")
    drafting = any(k in body for k in ("type", "base_url", "preset", "api_key"))
    if existing is not None and not drafting:
        return existing, _stored_key(gw, existing), True
    raw_current = (gw.config.raw.get("providers") or {}).get(pid) if existing else None
    entry = edits.provider_fields(body, raw_current if isinstance(raw_current, dict) else None)
    key: str | None = edits.key_field(body)
    if existing is not None and not key:
        # The stored key goes only to the URL it was saved with (issue 14.2):
        # a draft with another URL needs the key typed again.
        edits.check_key_stays(existing.api_key, existing.base_url, entry["base_url"], "")
        key = _stored_key(gw, existing)
    entry["api_key"] = ""
    try:
        parsed = config_mod.parse({"providers": {"draft": entry}}).providers["draft"]
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None
    name = parsed.name or (existing.display_name if existing else "")
    if not name and (row := preset(str(body.get("preset") or ""))):
        name = row["name"]
    return dataclasses.replace(parsed, id=pid or "draft", name=name or parsed.base_url), key, False


@bp.post("/settings/api/test")
async def test_provider() -> Response:
    gw = gateway()
    body = await read_body()
    pconf, key, saved = await off_loop(_draft, gw, body)
    model = edits.text(body, "model", limit=200) or (pconf.models[0] if pconf.models else "")
    if not model:
        raise edits.BadInput("model_required", "model")
    try:
        # A saved provider whose key was read above is built with it (no
        # second keyring read on the event loop); else the gateway explains.
        if saved and (key or not pconf.api_key):
            provider = gw.build_provider(pconf, key)
        else:
            provider = gw.provider(pconf.id) if saved else gw.build_provider(pconf, key)
    except (SwitchboardError, KeyringUnavailable) as exc:
        return json_response({"ok": False, **probe.describe_error(exc, pconf, model, key)})
    result = await probe.test_connection(provider, pconf, model, key)
    # Which way the request went: "direct" or "via proxy http://host:port" (issue 10).
    result["path"] = gw.proxy_description(pconf)
    return json_response(result)


@bp.post("/settings/api/models")
async def list_models() -> Response:
    gw = gateway()
    body = await read_body()
    pconf, key, _ = await off_loop(_draft, gw, body)
    try:
        client = gw.client_for(pconf)  # the provider's own proxy, CA and timeouts
    except Exception as exc:  # a bad proxy / CA setting: say so, in words
        return json_response({"ok": False, **probe.describe_error(SwitchboardError(f"{pconf.display_name}: {exc}"),
                                                                  pconf, "", key)})
    return json_response(await probe.fetch_models(client, pconf, key, profile_for(pconf.profile, pconf.base_url)))
