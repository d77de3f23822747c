"""``GET /settings/api/state``: everything the page draws its screens from.
Keys are write-only: only ``sk-…1234`` masks leave, never a provider key."""
from __future__ import annotations

from typing import Any

from quart import Response

from server.config import ProviderConfig
from server.exposure import is_loopback
from server.gateway import Gateway
from server.providers.presets import PRESETS, preset
from server.routes.common import gateway
from server import said
from server.secrets import KeyringUnavailable, mask
from server.settings_page import claude_code, edits, language_api, probe
from server.settings_page.common import bp, json_response, off_loop


def key_info(gw: Gateway, pconf: ProviderConfig) -> dict[str, Any]:
    ref = pconf.api_key
    if not ref:
        return {"source": "none", "set": False, "masked": ""}
    if ref.startswith("env:"):
        value = gw.secrets.resolve(ref, pconf.id)
        return {"source": "env", "env": ref[4:], "set": bool(value), "masked": mask(value)}
    if ref == "keyring":
        try:
            value = gw.secrets.get(pconf.id)
        except KeyringUnavailable:
            return {"source": "keyring", "set": False, "masked": "", "problem": "keyring"}
        return {"source": "keyring", "set": bool(value), "masked": mask(value)}
    return {"source": "file", "set": True, "masked": mask(ref)}


def preset_rows() -> list[dict[str, Any]]:
    return [{k: p.get(k) for k in ("id", "name", "type", "base_url", "key_url", "models")}
            | {"keyless": bool(p.get("keyless")), "local_app": p.get("local_app", "")}
            for p in PRESETS]


def provider_row(gw: Gateway, pconf: ProviderConfig) -> dict[str, Any]:
    row = preset(pconf.profile) if pconf.profile else None
    return {"id": pconf.id, "name": pconf.display_name, "type": pconf.type,
            "base_url": pconf.base_url, "models": list(pconf.models),
            "preset": pconf.profile or "", "keyless": bool(row and row.get("keyless")),
            "local_app": probe.local_app(pconf), "key": key_info(gw, pconf)}


def route_rows(gw: Gateway) -> list[dict[str, Any]]:
    out = []
    raw_routes = gw.config.raw.get("routes") or {}
    for rid, route in gw.config.routes.items():
        raw = raw_routes.get(rid) or {}
        out.append({"id": rid, "name": route.name,
                    "slots": {slot: list(t) for slot, t in route.targets.items()},
                    "long_context_threshold": raw.get("long_context_threshold")})
    return out


@bp.get("/settings/api/state")
async def state() -> Response:
    # Keyring reads (one per provider) run in a worker, not on the event loop.
    return json_response(await off_loop(state_view, gateway()))


def state_view(gw: Gateway) -> dict[str, Any]:
    cfg = gw.config
    keyring_problem = gw.secrets.problem()
    return {
        "providers": [provider_row(gw, p) for p in cfg.providers.values()],
        "routes": route_rows(gw),
        "active_route": cfg.active_route,
        "presets": preset_rows(),
        "slots": list(edits.ROUTE_SLOTS),
        "config_error": gw.config_error,
        # Why the keyring cannot be used: the English, and the sentence for the page's language.
        "keyring_problem": said.text(keyring_problem), "keyring_said": said.as_json(keyring_problem),
        # Listening on an address other computers can reach (server/exposure.py).
        "exposed_host": gw.serving_host if gw.serving_host and not is_loopback(gw.serving_host) else None,
        "claude_code": {"available": claude_code.available()},
        # The person's language choice (issue 19); "" follows the browser.
        "language": language_api.chosen_language(gw),
    }
