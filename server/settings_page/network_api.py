"""The Network screen: proxy (with its password in the keyring), an extra
CA file, timeouts."""
from __future__ import annotations

import os
from typing import Any

from quart import Response

from server import config as config_mod
from server import network as network_mod
from server.config import ConfigError
from server.gateway import Gateway
from server.routes.common import gateway
from server.secrets import KeyringUnavailable
from server.settings_page import edits
from server.settings_page.common import bp, delete_key, json_response, off_loop, read_body, set_key, update


def ca_status(path: str) -> str:
    """Whether a CA file is usable, in a code the page words: the path
    (absolute, exists, may be read), then its content must load as a
    certificate bundle. Blocking (reads the file); nothing of it is shown."""
    if not path:
        return ""
    if not os.path.isabs(path):
        return "ca_not_absolute"
    if not os.path.isfile(path):
        return "ca_missing"
    if not os.access(path, os.R_OK):
        return "ca_unreadable"
    try:
        network_mod.check_ca_file(path)
    except network_mod.NetworkConfigError:
        return "ca_invalid"
    return "ok"


def network_view(gw: Gateway) -> dict[str, Any]:
    net = gw.config.network
    proxy = edits.proxy_parts(net.proxy)
    password_saved, problem = False, ""
    if proxy["mode"] == "custom" and proxy["user"]:
        try:
            password_saved = bool(gw.secrets.get(edits.proxy_entry(net.proxy)))
        except (KeyringUnavailable, ValueError):
            problem = "keyring"
    raw_timeouts = ((gw.config.raw.get("network") or {}).get("timeouts") or {}) \
        if isinstance(gw.config.raw.get("network"), dict) else {}
    raw_providers = gw.config.raw.get("providers") or {}
    own = [p.display_name for pid, p in gw.config.providers.items()
           if isinstance(raw_providers.get(pid), dict) and raw_providers[pid].get("network")]
    return {"proxy": proxy | {"password_saved": password_saved, "problem": problem},
            "ca_file": net.ca_file, "ca_status": ca_status(net.ca_file),
            "timeouts": {name: (raw_timeouts.get(name) if isinstance(raw_timeouts, dict) else None)
                         for name in edits.TIMEOUT_NAMES},
            "defaults": dict(network_mod.DEFAULT_TIMEOUTS),
            "providers_with_own": own}


def _network_error(exc: ConfigError) -> edits.BadInput:
    """``network.timeouts.connect: must be …`` -> field ``timeouts.connect``, detail ``must be …``."""
    message = str(exc)
    where, sep, detail = message.partition(": ")
    if sep and where.startswith("network"):
        field = where[len("network."):] if where.startswith("network.") else "network"
        return edits.BadInput("network_invalid", field, detail=detail)
    return edits.BadInput("config_invalid", detail=message)


@bp.get("/settings/api/network")
async def get_network() -> Response:
    # The keyring read and the CA file check run in a worker.
    return json_response(await off_loop(network_view, gateway()))


@bp.put("/settings/api/network")
async def put_network() -> Response:
    gw = gateway()
    body = await read_body()

    def edit(data: dict[str, Any]) -> None:
        entry, password = edits.network_fields(body, data.get("network"))
        data["network"] = entry
        if "ca_file" in body and entry.get("ca_file"):
            status = ca_status(entry["ca_file"])
            if status != "ok":
                raise edits.BadInput(status, "ca_file")
        try:
            config_mod.parse(data)
        except ConfigError as exc:
            error = _network_error(exc)
            if error.details["field"] == "proxy" and body.get("proxy") == "custom":
                error.details["field"] = "proxy_url"  # the address the person typed
            raise error from None
        proxy = entry.get("proxy", "system")
        clear = body.get("clear_proxy_password") is True
        if password:
            set_key(gw, edits.proxy_entry(proxy), password)
        elif clear and proxy not in ("system", "none"):
            delete_key(gw, edits.proxy_entry(proxy))

    await update(gw, edit)  # the keyring and the disk, off the event loop
    return json_response({"ok": True, **await off_loop(network_view, gw)})
