"""The settings page: ``/settings`` (static HTML/CSS/JS) and its JSON API.

Every request passes :func:`_guard` first: Host must be ours (DNS
rebinding), the client must be this computer, state-changing requests must
carry our Origin (CSRF), and everything but the login link and the static
assets needs the session cookie. Keys are write-only: responses carry
``sk-…1234`` masks, never a provider key. Config edits are pure functions
(edits.py) validated by ``config.parse`` before anything is written; then
``Gateway.save_config`` saves atomically, applies at once and tells the tray.
"""
from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import secrets as _random
from pathlib import Path
from typing import Any

import orjson
from quart import Blueprint, Response, redirect, request

from server import config as config_mod
from server import network as network_mod
from server.config import ConfigError, ProviderConfig
from server.errors import NotFound, SwitchboardError
from server.gateway import Gateway
from server.providers.presets import PRESETS, preset, profile_for
from server.routes.common import gateway, json_body
from server.secrets import ACCESS_KEY_ENTRY, KeyringUnavailable, mask
from server.settings_page import activity, auth, claude_code, edits, probe

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
PUBLIC_ENDPOINTS = {"settings_page.login", "settings_page.static_file"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# -- guard ---------------------------------------------------------------------

def _port() -> int:
    server = request.scope.get("server")
    if server and len(server) > 1 and server[1]:
        return int(server[1])
    return gateway().config.server.port


def _refuse(status: int, code: str) -> Response:
    body = {"type": "error", "error": {"type": "permission_error" if status == 403 else "authentication_error",
                                      "message": code, "details": {"code": code}}}
    return Response(orjson.dumps(body), status=status, content_type="application/json")


def _page(name: str, status: int = 200) -> Response:
    data, ctype = STATIC[name]
    return Response(data, status=status, content_type=ctype)


@bp.before_request
async def _guard() -> Response | None:
    if request.content_length or "transfer-encoding" in request.headers:
        # Read the body even when refusing: a keep-alive connection whose
        # request body is left unread is dropped after the response, and
        # the client's next request on it fails.
        await request.get_data(cache=True)
    port = _port()
    if not auth.remote_ok(request.remote_addr):
        return _refuse(403, "not_local")
    if not auth.host_ok(request.headers.get("host"), port):
        return _refuse(403, "bad_host")
    if not auth.origin_ok(request.method, request.headers.get("origin"),
                          request.headers.get("sec-fetch-site"), request.headers.get("host")):
        return _refuse(403, "bad_origin")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not auth.sessions_for(gateway()).check(request.cookies.get(auth.cookie_name(port))):
        if request.endpoint == "settings_page.index":
            return _page("signed-out.html", 401)
        return _refuse(401, "no_session")
    return None


@bp.after_request
async def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, content_type="application/json")


async def _body() -> dict[str, Any]:
    return edits.obj(await json_body())


# -- pages -----------------------------------------------------------------------

@bp.get("/settings")
async def root() -> Response:
    return redirect("/settings/", 302)


@bp.get("/settings/")
async def index() -> Response:
    return _page("index.html")


@bp.get("/settings/login")
async def login() -> Response:
    port = _port()
    session = auth.sessions_for(gateway()).redeem(request.args.get("token", ""))
    if session is None:
        return _page("signed-out.html", 403)
    response = redirect("/settings/", 303)
    response.set_cookie(auth.cookie_name(port), session, httponly=True, samesite="Strict",
                        path="/settings", secure=False)
    return response


@bp.post("/settings/api/logout")
async def logout() -> Response:
    port = _port()
    auth.sessions_for(gateway()).end(request.cookies.get(auth.cookie_name(port)))
    response = _json({"ok": True})
    response.delete_cookie(auth.cookie_name(port), path="/settings")
    return response


@bp.get("/settings/static/<name>")
async def static_file(name: str) -> Response:
    if name not in STATIC or name.endswith(".html"):
        raise NotFound("not found")
    return _page(name)


# -- state -------------------------------------------------------------------------

def _key_info(gw: Gateway, pconf: ProviderConfig) -> dict[str, Any]:
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


def _preset_rows() -> list[dict[str, Any]]:
    return [{k: p.get(k) for k in ("id", "name", "type", "base_url", "key_url", "models")}
            | {"keyless": bool(p.get("keyless")), "local_app": p.get("local_app", "")}
            for p in PRESETS]


def _provider_row(gw: Gateway, pconf: ProviderConfig) -> dict[str, Any]:
    row = preset(pconf.profile) if pconf.profile else None
    return {"id": pconf.id, "name": pconf.display_name, "type": pconf.type,
            "base_url": pconf.base_url, "models": list(pconf.models),
            "preset": pconf.profile or "", "keyless": bool(row and row.get("keyless")),
            "local_app": probe.local_app(pconf), "key": _key_info(gw, pconf)}


def _routes(gw: Gateway) -> list[dict[str, Any]]:
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
    gw = gateway()
    cfg = gw.config
    return _json({
        "providers": [_provider_row(gw, p) for p in cfg.providers.values()],
        "routes": _routes(gw),
        "active_route": cfg.active_route,
        "presets": _preset_rows(),
        "slots": list(edits.ROUTE_SLOTS),
        "config_error": gw.config_error,
        "keyring_problem": gw.secrets.problem(),
        "claude_code": {"available": claude_code.available()},
    })


# -- saving -----------------------------------------------------------------------

def _validate(data: dict[str, Any]) -> None:
    try:
        config_mod.parse(data)
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None


def _save(gw: Gateway, data: dict[str, Any]) -> None:
    try:
        gw.save_config(data)
    except ConfigError as exc:
        raise edits.BadInput("config_invalid", detail=str(exc)) from None
    except OSError as exc:
        raise SwitchboardError("save_failed", status=503,
                               details={"code": "save_failed", "params": {"detail": exc.strerror or ""}}) from None


def _save_with_key(gw: Gateway, data: dict[str, Any], pid: str, key: str | None) -> None:
    """Validate, store the provider's key, then save: a key is never stored
    for a config that will not be saved."""
    _validate(data)
    if key:
        _set_key(gw, pid, key)
    _save(gw, data)


def _set_key(gw: Gateway, entry: str, value: str) -> None:
    try:
        gw.secrets.set(entry, value)
    except KeyringUnavailable as exc:
        raise SwitchboardError("keyring", status=503,
                               details={"code": "keyring", "params": {"detail": str(exc)}}) from None


def _raw(gw: Gateway) -> dict[str, Any]:
    data = copy.deepcopy(gw.config.raw)
    data.setdefault("providers", {})
    data.setdefault("routes", {})
    if not isinstance(data["providers"], dict) or not isinstance(data["routes"], dict):
        raise edits.BadInput("config_invalid")
    return data


def _add_provider(gw: Gateway, data: dict[str, Any], body: dict[str, Any]) -> tuple[str, str]:
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
    body = await _body()
    data = _raw(gw)
    pid, key = _add_provider(gw, data, body)
    models = data["providers"][pid].get("models") or []
    route = None
    if not data["routes"] and models:
        route = _first_route(data, pid, models[0])
    _save_with_key(gw, data, pid, key)
    return _json({"ok": True, "id": pid, "route": route}, 201)


@bp.put("/settings/api/providers/<pid>")
async def update_provider(pid: str) -> Response:
    gw = gateway()
    body = await _body()
    data = _raw(gw)
    current = data["providers"].get(pid)
    if not isinstance(current, dict):
        raise edits.BadInput("no_such_provider", "id")
    entry = edits.provider_fields(body, current)
    key = edits.key_field(body)
    clear = body.get("clear_key") is True
    if key:
        entry["api_key"] = "keyring"
    elif clear:
        entry["api_key"] = ""
    data["providers"][pid] = entry
    _validate(data)
    if key:
        _set_key(gw, pid, key)
    elif clear and current.get("api_key") == "keyring":
        try:
            gw.secrets.delete(pid)
        except KeyringUnavailable:
            pass
    _save(gw, data)
    return _json({"ok": True, "id": pid})


@bp.delete("/settings/api/providers/<pid>")
async def delete_provider(pid: str) -> Response:
    gw = gateway()
    data = _raw(gw)
    current = data["providers"].get(pid)
    if current is None:
        raise edits.BadInput("no_such_provider", "id")
    using = edits.routes_using(data, pid)
    if using:
        raise SwitchboardError("provider_in_use", status=409, details={
            "code": "provider_in_use", "params": {"routes": ", ".join(using)}})
    del data["providers"][pid]
    _save(gw, data)  # validates first: nothing is written when invalid
    if isinstance(current, dict) and current.get("api_key") == "keyring":
        try:
            gw.secrets.delete(pid)
        except KeyringUnavailable:
            pass
    return _json({"ok": True})


# -- test and model list ------------------------------------------------------------

def _draft(gw: Gateway, body: dict[str, Any]) -> tuple[ProviderConfig, str | None, bool]:
    """The provider a test/models body means: a saved one, or a draft of
    the form being edited. Returns (config, key, saved-as-is)."""
    pid = body.get("id")
    existing = None
    if pid is not None:
        pid = edits.ident(pid)
        existing = gw.config.providers.get(pid)
        if existing is None:
            raise edits.BadInput("no_such_provider", "id")
    drafting = any(k in body for k in ("type", "base_url", "preset", "api_key"))
    stored: str | None = None
    if existing is not None:
        try:
            stored = gw.secrets.resolve(existing.api_key, existing.id)
        except KeyringUnavailable:
            stored = None
    if existing is not None and not drafting:
        return existing, stored, True
    raw_current = (gw.config.raw.get("providers") or {}).get(pid) if existing else None
    entry = edits.provider_fields(body, raw_current if isinstance(raw_current, dict) else None)
    key = edits.key_field(body) or stored
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
    body = await _body()
    pconf, key, saved = _draft(gw, body)
    model = edits.text(body, "model", limit=200) or (pconf.models[0] if pconf.models else "")
    if not model:
        raise edits.BadInput("model_required", "model")
    try:
        provider = gw.provider(pconf.id) if saved else gw.build_provider(pconf, key)
    except (SwitchboardError, KeyringUnavailable) as exc:
        return _json({"ok": False, **probe.describe_error(exc, pconf, model, key)})
    result = await probe.test_connection(provider, pconf, model, key)
    # Which way the request went: "direct" or "via proxy http://host:port" (issue 10).
    result["path"] = gw.proxy_description(pconf)
    return _json(result)


@bp.post("/settings/api/models")
async def list_models() -> Response:
    gw = gateway()
    body = await _body()
    pconf, key, _ = _draft(gw, body)
    try:
        client = gw.client_for(pconf)  # the provider's own proxy, CA and timeouts
    except Exception as exc:  # a bad proxy / CA setting: say so, in words
        return _json({"ok": False, **probe.describe_error(SwitchboardError(f"{pconf.display_name}: {exc}"),
                                                          pconf, "", key)})
    return _json(await probe.fetch_models(client, pconf, key, profile_for(pconf.profile, pconf.base_url)))



# -- network (proxy, certificates, timeouts) ---------------------------------------------

def _ca_status(path: str) -> str:
    """Whether a CA file path is usable, in a code the page words. Only the
    path is looked at (exists, is a file, may be read); nothing is read."""
    if not path:
        return ""
    if not os.path.isabs(path):
        return "ca_not_absolute"
    if not os.path.isfile(path):
        return "ca_missing"
    if not os.access(path, os.R_OK):
        return "ca_unreadable"
    return "ok"


def _network_view(gw: Gateway) -> dict[str, Any]:
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
            "ca_file": net.ca_file, "ca_status": _ca_status(net.ca_file),
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
async def network_view() -> Response:
    return _json(_network_view(gateway()))


@bp.put("/settings/api/network")
async def put_network() -> Response:
    gw = gateway()
    body = await _body()
    data = _raw(gw)
    entry, password = edits.network_fields(body, data.get("network"))
    data["network"] = entry
    if "ca_file" in body and entry.get("ca_file"):
        status = _ca_status(entry["ca_file"])
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
        _set_key(gw, edits.proxy_entry(proxy), password)
    elif clear and proxy not in ("system", "none"):
        try:
            gw.secrets.delete(edits.proxy_entry(proxy))
        except KeyringUnavailable:
            pass
    _save(gw, data)
    return _json({"ok": True, **_network_view(gw)})


# -- routes ---------------------------------------------------------------------------

@bp.put("/settings/api/routes/<rid>")
async def put_route(rid: str) -> Response:
    gw = gateway()
    rid = edits.ident(rid)
    body = await _body()
    data = _raw(gw)
    current = data["routes"].get(rid)
    entry = edits.route_fields(body, current if isinstance(current, dict) else None)
    data["routes"][rid] = entry
    if body.get("activate") is True or not data.get("active_route"):
        data["active_route"] = rid
    _save(gw, data)  # validates first: nothing is written when invalid
    return _json({"ok": True, "id": rid})


@bp.delete("/settings/api/routes/<rid>")
async def delete_route(rid: str) -> Response:
    gw = gateway()
    data = _raw(gw)
    if rid not in data["routes"]:
        raise edits.BadInput("no_such_route", "id")
    del data["routes"][rid]
    if data.get("active_route") == rid:
        if data["routes"]:
            data["active_route"] = next(iter(data["routes"]))
        else:
            data.pop("active_route", None)
    _save(gw, data)  # validates first: nothing is written when invalid
    return _json({"ok": True})


@bp.post("/settings/api/active-route")
async def activate_route() -> Response:
    gw = gateway()
    body = await _body()
    rid = body.get("id")
    if not isinstance(rid, str) or rid not in gw.config.routes:
        raise edits.BadInput("no_such_route", "id")
    data = _raw(gw)
    data["active_route"] = rid
    _save(gw, data)  # validates first: nothing is written when invalid
    return _json({"ok": True, "active_route": rid})


# -- first run -----------------------------------------------------------------------

@bp.post("/settings/api/setup")
async def setup() -> Response:
    """Save the first provider (already tested by the page) and a route to it."""
    gw = gateway()
    body = await _body()
    model = edits.text(body, "model", limit=200)
    if not model:
        raise edits.BadInput("model_required", "model")
    data = _raw(gw)
    body = dict(body)
    models = edits.models_list(body)
    if model not in models:
        body["models"] = [model, *models]
    pid, key = _add_provider(gw, data, body)
    rid = edits.unique_id(data["routes"], "main") if data["routes"] else "main"
    data["routes"][rid] = {"name": "Main", "default": f"{pid}/{model}"}
    data["active_route"] = rid
    _save_with_key(gw, data, pid, key)
    return _json({"ok": True, "id": pid, "route": rid}, 201)


# -- activity ----------------------------------------------------------------------------

@bp.get("/settings/api/activity")
async def activity_view() -> Response:
    gw = gateway()
    names = {pid: p.display_name for pid, p in gw.config.providers.items()}
    entries = list(gw.activity)
    return _json({"entries": activity.entries(entries, names),
                  "today": activity.totals_today(entries, names)})


# -- Claude Code ---------------------------------------------------------------------------

def _base_url() -> str:
    return f"http://127.0.0.1:{_port()}"


def _access_key(gw: Gateway) -> str | None:
    try:
        return gw.access_key()
    except SwitchboardError:
        return None


@bp.get("/settings/api/claude-code")
async def claude_code_view() -> Response:
    gw = gateway()
    available = claude_code.available()
    return _json({"base_url": _base_url(), "access_key": _access_key(gw),
                  "available": available,
                  "connected": await asyncio.to_thread(claude_code.connected, _base_url()) if available else None})


@bp.post("/settings/api/claude-code/<action>")
async def claude_code_action(action: str) -> Response:
    gw = gateway()
    if action not in ("connect", "disconnect") or not claude_code.available():
        raise NotFound("not found")
    key = _access_key(gw)
    try:
        if action == "connect":
            if key is None:
                return _json({"ok": False, "problem": "keyring", "params": {}})
            await asyncio.to_thread(claude_code.connect, _base_url(), key)
        else:
            await asyncio.to_thread(claude_code.disconnect)
    except Exception as exc:  # the tray module's own errors, shown in plain words
        return _json({"ok": False, "problem": f"claude_{action}_failed",
                      "params": {}, "detail": str(exc)[:300]})
    return _json({"ok": True, "connected": action == "connect"})


@bp.post("/settings/api/access-key/regenerate")
async def regenerate_access_key() -> Response:
    gw = gateway()
    new = "sk-swb-" + _random.token_urlsafe(32)
    _set_key(gw, ACCESS_KEY_ENTRY, new)
    gw.reset_access_key()
    current = _access_key(gw)
    reconnected = False
    if current == new and claude_code.available() and await asyncio.to_thread(claude_code.connected, _base_url()):
        try:
            await asyncio.to_thread(claude_code.connect, _base_url(), new)
            reconnected = True
        except Exception:
            reconnected = False
    return _json({"ok": current == new, "access_key": current, "env_override": current != new,
                  "reconnected": reconnected})
