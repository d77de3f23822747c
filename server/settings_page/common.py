"""What the settings page's screens share: the blueprint, the static files,
JSON in and out, and the one way to save the config (validate, store a key,
write atomically, apply).

Each screen's endpoints live in their own module (pages, state_api,
providers_api, network_api, routes_api, setup_api, activity_api,
claude_code_api); ``routes.py`` imports them all so they register on ``bp``.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
from quart import Blueprint, Response, request

from server import config as config_mod
from server.config import ConfigError
from server.errors import SwitchboardError
from server.gateway import Gateway
from server.routes.common import gateway, json_body
from server.secrets import KeyringUnavailable
from server.settings_page import edits

bp = Blueprint("settings_page", __name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
          ".json": "application/json"}
# A fixed list read once: no request can name any other file.
STATIC: dict[str, tuple[bytes, str]] = {
    p.name: (p.read_bytes(), _TYPES[p.suffix])
    for p in sorted(STATIC_DIR.iterdir()) if p.is_file() and p.suffix in _TYPES
}


def request_port() -> int:
    server = request.scope.get("server")
    if server and len(server) > 1 and server[1]:
        return int(server[1])
    return gateway().config.server.port


def base_url() -> str:
    return f"http://127.0.0.1:{request_port()}"


def page(name: str, status: int = 200) -> Response:
    data, ctype = STATIC[name]
    return Response(data, status=status, content_type=ctype)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, content_type="application/json")


async def read_body() -> dict[str, Any]:
    return edits.obj(await json_body())


def access_key_or_none(gw: Gateway) -> str | None:
    try:
        return gw.access_key()
    except SwitchboardError:
        return None


# -- saving -----------------------------------------------------------------------

def validate(data: dict[str, Any]) -> None:
    try:
        config_mod.parse(data)
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None


def save(gw: Gateway, data: dict[str, Any]) -> None:
    try:
        gw.save_config(data)
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None
    except OSError as exc:
        raise SwitchboardError("save_failed", status=503,
                               details={"code": "save_failed", "params": {"detail": exc.strerror or ""}}) from None


def save_with_key(gw: Gateway, data: dict[str, Any], pid: str, key: str | None) -> None:
    """Validate, store the provider's key, then save: a key is never stored
    for a config that will not be saved."""
    validate(data)
    if key:
        set_key(gw, pid, key)
    save(gw, data)


def set_key(gw: Gateway, entry: str, value: str) -> None:
    try:
        gw.secrets.set(entry, value)
    except KeyringUnavailable as exc:
        raise SwitchboardError("keyring", status=503,
                               details={"code": "keyring", "params": {"detail": str(exc)}}) from None


def delete_key(gw: Gateway, entry: str) -> None:
    """Remove a keyring entry; a keyring that cannot be reached leaves it."""
    try:
        gw.secrets.delete(entry)
    except KeyringUnavailable:
        pass


def raw_config(gw: Gateway) -> dict[str, Any]:
    data = copy.deepcopy(gw.config.raw)
    data.setdefault("providers", {})
    data.setdefault("routes", {})
    if not isinstance(data["providers"], dict) or not isinstance(data["routes"], dict):
        raise edits.BadInput("config_invalid")
    return data
