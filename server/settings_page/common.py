"""What the settings page's screens share: the blueprint, the static files,
JSON in and out, and the one way to save the config (validate, store a key,
write atomically, apply).

Each screen's endpoints live in their own module (pages, state_api,
providers_api, network_api, routes_api, setup_api, activity_api,
claude_code_api); ``routes.py`` imports them all so they register on ``bp``.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable, TypeVar

import orjson
from quart import Blueprint, Response, request

from server import config as config_mod
from server.config import ConfigChangedOnDisk, ConfigError
from server.errors import SwitchboardError
from server.gateway import Gateway
from server.routes.common import gateway, json_body
from server.secrets import KeyringUnavailable
from server.settings_page import edits

bp = Blueprint("settings_page", __name__)
T = TypeVar("T")

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


def failure_detail(exc: BaseException, limit: int = 400) -> dict[str, Any]:
    """Why a change failed: ``detail`` in English (an OS error's own words),
    and ``said_detail`` the sentence for the page's language when the error
    carries one (server/said.py)."""
    detail = getattr(exc, "strerror", None) or str(exc)
    out: dict[str, Any] = {"detail": detail[:limit]}
    said = getattr(exc, "said", None)
    if said is not None:
        out["said_detail"] = said.as_json()
    return out


def page_error(code: str, status: int, message: str = "", **params: Any) -> SwitchboardError:
    """An error the page words by its ``code`` (static/strings.js), ``params``
    filling in the words; ``message`` (default: the code) is the plain text."""
    return SwitchboardError(message or code, status=status, details={"code": code, "params": params})


# -- saving -----------------------------------------------------------------------
#
# The keyring and the disk are slow (a keyring call can take seconds; a large
# config takes tens of ms to write): none of it runs on the event loop, which
# serves /v1/messages streams meanwhile. Handlers call ``update`` (and
# ``off_loop`` for a keyring read); the sync helpers below run in a worker.

async def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def validate(data: dict[str, Any]) -> None:
    try:
        config_mod.parse(data)
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None


def _prepared(edit: Callable[[dict[str, Any]], T]) -> Callable[[dict[str, Any]], T]:
    """``edit`` on the raw data as the page expects it (providers and routes present)."""
    def run(data: dict[str, Any]) -> T:
        if not isinstance(data.setdefault("providers", {}), dict) or \
                not isinstance(data.setdefault("routes", {}), dict):
            raise edits.BadInput("config_invalid")
        return edit(data)
    return run


def update_sync(gw: Gateway, edit: Callable[[dict[str, Any]], T]) -> T:
    """Apply ``edit`` to the config file's current content (hand edits
    included) and save; blocking. ``edit`` changes the dict in place and may
    raise BadInput; anything it does after ``validate(data)`` (storing a
    key) happens only for a config that validates."""
    try:
        return gw.update_config(_prepared(edit))
    except ConfigChangedOnDisk as exc:
        raise SwitchboardError(str(exc), status=409, details={
            "code": "config_changed", "field": "", "params": {"path": exc.path, "problem": exc.problem}}) from None
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None
    except OSError as exc:
        raise page_error("save_failed", 503, detail=exc.strerror or "") from None


async def update(gw: Gateway, edit: Callable[[dict[str, Any]], T]) -> T:
    """``update_sync`` in a worker thread."""
    return await off_loop(update_sync, gw, edit)


def save_key_after_validation(gw: Gateway, data: dict[str, Any], pid: str, key: str | None) -> None:
    """Validate, then store the provider's key: a key is never stored for a
    config that will not be saved. Runs inside an ``update`` edit."""
    validate(data)
    if key:
        set_key(gw, pid, key)


def read_key(gw: Gateway, ref: str, pid: str) -> tuple[str | None, str]:
    """The key a provider's reference points at, and ``"keyring"`` when the
    keyring cannot be reached (the key is then None). Blocking."""
    try:
        return gw.secrets.resolve(ref, pid), ""
    except KeyringUnavailable:
        return None, "keyring"


def set_key(gw: Gateway, entry: str, value: str) -> None:
    try:
        gw.secrets.set(entry, value)
    except KeyringUnavailable as exc:
        raise page_error("keyring", 503, detail=str(exc)) from None


def delete_key(gw: Gateway, entry: str) -> None:
    """Remove a keyring entry; a keyring that cannot be reached leaves it."""
    try:
        gw.secrets.delete(entry)
    except KeyringUnavailable:
        pass
