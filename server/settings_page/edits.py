"""Pure edits of the raw config dict, from the page's JSON bodies.

Every function takes the current ``raw`` dict and returns a new one; nothing
here touches the disk or the keyring (routes.py does, after
``config.parse`` accepted the result). Bodies come from the browser, so each
field is checked for type and size and a bad one raises :class:`BadInput`
with a code the page words from static/strings.js. Unknown fields already
in the file are kept.
"""
from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from server.base_url import host_of, same_base_url  # noqa: F401  (edits.same_base_url for the screens)
from server.config import PROVIDER_TYPES, TARGET_SLOTS
from server.errors import InvalidRequest
from server.providers.presets import preset

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_TEXT = 300
MAX_KEY = 4096
MAX_MODELS = 1000
ROUTE_SLOTS = TARGET_SLOTS  # default, opus, sonnet, haiku, think, long_context, image, web_search, fallback


class BadInput(InvalidRequest):
    def __init__(self, code: str, field: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {field}" if field else code,
                         details={"code": code, "field": field, "params": params})


def obj(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadInput("not_object")
    return body


def text(body: dict[str, Any], field: str, *, default: str = "", limit: int = MAX_TEXT) -> str:
    value = body.get(field, default)
    if value is None:
        value = default
    if not isinstance(value, str) or len(value) > limit:
        raise BadInput("bad_field", field)
    return value.strip()


def ident(value: Any, field: str = "id") -> str:
    if not isinstance(value, str) or not ID.match(value):
        raise BadInput("bad_id", field)
    return value


def models_list(body: dict[str, Any], field: str = "models") -> list[str]:
    value = body.get(field, [])
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_MODELS:
        raise BadInput("bad_field", field)
    out: list[str] = []
    for m in value:
        if not isinstance(m, str) or len(m) > 200:
            raise BadInput("bad_field", field)
        m = m.strip()
        if m and m not in out:
            out.append(m)
    return out


def slugify(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.lower()).strip("-._")
    return slug[:48] or "provider"


def unique_id(existing: dict[str, Any], base: str) -> str:
    base = slugify(base)
    if base not in existing:
        return base
    n = 2
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"


# -- providers -----------------------------------------------------------------

def provider_fields(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The provider entry a create/edit body describes (without the key)."""
    entry = copy.deepcopy(current) if current else {}
    preset_id = text(body, "preset", default=str(entry.get("profile", "")))
    row = preset(preset_id) if preset_id else None
    if preset_id and row is None and not current:
        raise BadInput("unknown_preset", "preset")
    kind = text(body, "type", default=str(entry.get("type") or (row or {}).get("type", "")))
    if kind not in PROVIDER_TYPES:
        raise BadInput("bad_field", "type")
    base_url = text(body, "base_url", default=str(entry.get("base_url") or (row or {}).get("base_url", "")),
                    limit=2000)
    if not re.match(r"^https?://[^\s/]+", base_url):
        raise BadInput("bad_url", "base_url")
    # A custom server without a name is shown by its address, never as "Custom (…)".
    preset_name = "" if row is None else host_of(base_url) if preset_id.startswith("custom-") else row.get("name", "")
    name = text(body, "name", default=str(entry.get("name") or preset_name))
    entry.update({"type": kind, "base_url": base_url})
    if name:
        entry["name"] = name
    else:
        entry.pop("name", None)
    if "models" in body or not current:
        models = models_list(body)
        if not models and not current and row:
            models = list(row.get("models") or [])
        entry["models"] = models
    # The preset id names the quirks profile; custom rows let the URL decide.
    if row is not None and not preset_id.startswith("custom-"):
        entry["profile"] = preset_id
    elif "preset" in body:
        entry.pop("profile", None)
    return entry


def key_field(body: dict[str, Any]) -> str:
    value = body.get("api_key", "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_KEY:
        raise BadInput("bad_field", "api_key")
    value = value.strip()
    if any(c in value for c in "\r\n\x00"):
        raise BadInput("bad_field", "api_key")
    return value


def check_key_stays(stored_ref: Any, old_url: Any, new_url: str, new_key: str) -> None:
    """A stored key only ever goes to the base URL it was saved with.

    ``stored_ref`` is the provider's ``api_key`` reference (keyring, env:NAME
    or a literal in the file). When it is set, the URL changes and no new key
    is given, raise ``key_needed`` on ``api_key``: the page asks for the key
    again. Keyless providers are not affected.
    """
    if new_key or not stored_ref:
        return
    if not same_base_url(str(old_url or ""), new_url):
        raise BadInput("key_needed", "api_key")


def routes_using(raw: dict[str, Any], provider_id: str) -> list[str]:
    using = []
    for rid, route in (raw.get("routes") or {}).items():
        if not isinstance(route, dict):
            continue
        for slot in ROUTE_SLOTS:
            value = route.get(slot)
            items = [value] if isinstance(value, str) else (value if isinstance(value, list) else [])
            if any(isinstance(t, str) and t.partition("/")[0] == provider_id for t in items):
                using.append(str(route.get("name") or rid))
                break
    return using


# -- routes --------------------------------------------------------------------

def _target(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 300 or "/" not in value:
        raise BadInput("bad_target", field)
    provider_id, _, model = value.partition("/")
    if not provider_id or not model.strip():
        raise BadInput("bad_target", field)
    return value.strip()


def route_fields(body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    entry = copy.deepcopy(current) if current else {}
    name = text(body, "name", default=str(entry.get("name", "")))
    if name:
        entry["name"] = name
    for slot in ROUTE_SLOTS:
        if slot not in body:
            continue
        value = body[slot]
        if value in (None, "", []):
            entry.pop(slot, None)
            continue
        if isinstance(value, list):
            if len(value) > 20:
                raise BadInput("bad_field", slot)
            targets = [_target(v, slot) for v in value]
            entry[slot] = targets if slot == "fallback" or len(targets) > 1 else targets[0]
        else:
            entry[slot] = _target(value, slot)
    if "long_context_threshold" in body:
        value = body["long_context_threshold"]
        if value in (None, ""):
            entry.pop("long_context_threshold", None)
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000_000:
            raise BadInput("bad_field", "long_context_threshold")
        else:
            entry["long_context_threshold"] = value
    if not entry.get("default"):
        raise BadInput("default_required", "default")
    return entry


# -- network -------------------------------------------------------------------

PROXY_MODES = ("system", "none", "custom")
TIMEOUT_NAMES = ("connect", "first_byte", "idle")


def proxy_parts(proxy: str) -> dict[str, Any]:
    """How the page shows a stored ``proxy`` value: mode, address, user."""
    if proxy in ("system", "none"):
        return {"mode": proxy, "url": "", "user": ""}
    parts = urlsplit(proxy)
    netloc = parts.netloc.rpartition("@")[2]
    return {"mode": "custom", "url": urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)),
            "user": unquote(parts.username or "")}


def proxy_entry(proxy: str) -> str:
    """The keyring entry for a proxy URL's password (as network.with_credentials reads it)."""
    parts = urlsplit(proxy)
    port = parts.port or (1080 if parts.scheme.startswith("socks") else 8080)
    return f"proxy:{parts.hostname}:{port}"


def _secret(body: dict[str, Any], field: str) -> str:
    value = body.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_KEY or any(c in value for c in "\r\n\x00"):
        raise BadInput("bad_field", field)
    return value


def network_fields(body: dict[str, Any], current: Any) -> tuple[dict[str, Any], str]:
    """The global ``network`` section a Network-screen body describes, and
    the proxy password to store ('' for none). Fields the body leaves out
    (and unknown fields in the file) are kept; ``config.parse`` validates."""
    entry = copy.deepcopy(current) if isinstance(current, dict) else {}
    password = ""
    if "proxy" in body:
        mode = body.get("proxy")
        if mode not in PROXY_MODES:
            raise BadInput("bad_field", "proxy")
        if mode != "custom":
            entry["proxy"] = mode
        else:
            url = text(body, "proxy_url", limit=2000)
            user = text(body, "proxy_user")
            password = _secret(body, "proxy_password")
            if not url:
                raise BadInput("proxy_url_required", "proxy_url")
            if "://" not in url:
                url = "http://" + url  # "127.0.0.1:7890" means an HTTP proxy
            if any(c.isspace() for c in url):
                raise BadInput("bad_proxy_url", "proxy_url")
            try:
                parts = urlsplit(url)
                parts.port
            except ValueError:  # "Invalid IPv6 URL", a port that is not a number
                raise BadInput("bad_proxy_url", "proxy_url") from None
            if parts.password is not None:
                raise BadInput("proxy_password_in_url", "proxy_url")
            if not user:
                user = unquote(parts.username or "")
            host = parts.netloc.rpartition("@")[2]
            netloc = f"{quote(user, safe='')}@{host}" if user else host
            entry["proxy"] = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
            if password and not user:
                raise BadInput("proxy_password_needs_user", "proxy_user")
    if "ca_file" in body:
        ca_file = text(body, "ca_file", limit=4096)
        if ca_file:
            entry["ca_file"] = ca_file
        else:
            entry.pop("ca_file", None)
    if "timeouts" in body:
        wanted = body.get("timeouts")
        if not isinstance(wanted, dict):
            raise BadInput("bad_field", "timeouts")
        timeouts = entry.get("timeouts")
        timeouts = dict(timeouts) if isinstance(timeouts, dict) else {}
        for name in TIMEOUT_NAMES:
            if name not in wanted:
                continue
            value = wanted[name]
            if value is None or value == "":
                timeouts.pop(name, None)  # back to the default
            else:
                timeouts[name] = value     # config.parse checks the number
        if timeouts:
            entry["timeouts"] = timeouts
        else:
            entry.pop("timeouts", None)
    return entry, password
