"""cc-switch: ``~/.cc-switch/cc-switch.db``, read-only.

Facts from its source (farion1231/cc-switch, src-tauri/src/database/
schema.rs, schema version 17; settings.rs; app_store.rs): table
``providers`` keyed by ``(id, app_type)``; Claude's rows have
``app_type = 'claude'``; ``settings_config`` is JSON whose ``env`` holds
``ANTHROPIC_BASE_URL``, ``ANTHROPIC_AUTH_TOKEN`` / ``ANTHROPIC_API_KEY`` and
the model variables; ``meta`` JSON's ``apiFormat`` is ``anthropic``
(default), ``openai_chat``, ``openai_responses`` or ``gemini_native``. The
current provider is ``is_current = 1`` unless ``currentProviderClaude`` in
``~/.cc-switch/settings.json`` names one that exists. The failover queue is
``in_failover_queue`` ordered by ``sort_index``. The folder of the database
can be moved: ``app_config_dir_override`` in Tauri's store
``app_paths.json`` (in the app's data folder, identifier
``com.ccswitch.desktop``). Columns are read by name: older databases have
them in another order, or lack some.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from server.importers import sqlite_ro
from server.importers.common import add_model, http_url, profile_for, set_key, strip_suffix, text
from server.importers.model import ImportSourceError, Source, SourceProvider, SourceRoute
from server.import_words import ERRORS, LEFT, ROUTE_NAMES

APP = "cc-switch"
KIND = "cc-switch"
MARK = "cc-switch"
SCHEMA_VERSION = 17         # the newest cc-switch schema this importer knows
IDENTIFIER = "com.ccswitch.desktop"
GEMINI_HOST = "generativelanguage.googleapis.com"
# env variable -> route slot (ANTHROPIC_SMALL_FAST_MODEL is the older name of the haiku one)
TIER_VARS = (("ANTHROPIC_DEFAULT_FABLE_MODEL", "fable"), ("ANTHROPIC_DEFAULT_OPUS_MODEL", "opus"),
             ("ANTHROPIC_DEFAULT_SONNET_MODEL", "sonnet"), ("ANTHROPIC_DEFAULT_HAIKU_MODEL", "haiku"),
             ("ANTHROPIC_SMALL_FAST_MODEL", "haiku"))
FORMATS = {"": "anthropic", "anthropic": "anthropic", "openai_chat": "openai", "gemini_native": "gemini"}


def app_paths_file(home: Path, environ: Mapping[str, str], platform: str) -> Path:
    """Where Tauri's store keeps ``app_paths.json`` (the app data folder)."""
    if platform == "win32":
        base = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / IDENTIFIER / "app_paths.json"


def config_dir(home: Path, environ: Mapping[str, str], platform: str) -> Path:
    """cc-switch's folder: ``~/.cc-switch`` unless app_paths.json moves it (to a folder that exists)."""
    try:
        data = json.loads(app_paths_file(home, environ, platform).read_text(encoding="utf-8"))
        override = text(data.get("app_config_dir_override")) if isinstance(data, dict) else ""
    except (OSError, ValueError):
        override = ""
    if override:
        path = Path(home / override[2:]) if override.startswith(("~/", "~\\")) else Path(override)
        if path.is_dir():
            return path
    return home / ".cc-switch"


def default_path(home: Path, environ: Mapping[str, str], platform: str) -> Path:
    return config_dir(home, environ, platform) / "cc-switch.db"


def settings_file(home: Path) -> Path:
    """settings.json always stays in ~/.cc-switch (device settings, not moved)."""
    return home / ".cc-switch" / "settings.json"


def looks_like(conn: Any) -> bool:
    return "providers" in sqlite_ro.tables(conn) and "app_type" in sqlite_ro.columns(conn, "providers")


def read(path: Path, *, home: Path | None = None) -> Source:
    """Read the database at ``path``; the current provider's override comes
    from settings.json next to it, else from ``~/.cc-switch``."""
    def query(conn: Any) -> list[dict[str, Any]]:
        version = sqlite_ro.user_version(conn)
        if version > SCHEMA_VERSION:
            raise ImportSourceError(ERRORS("import.error.newerCcswitch", path=str(path), version=str(version),
                                           known=str(SCHEMA_VERSION)))
        if not looks_like(conn):
            raise ImportSourceError(ERRORS("import.error.notCcswitch", path=str(path)))
        cols = sqlite_ro.columns(conn, "providers")
        missing = {"id", "name", "settings_config"} - cols
        if missing:
            raise ImportSourceError(ERRORS("import.error.ccswitchColumns", path=str(path),
                                           columns=", ".join(sorted(missing))))
        order = "COALESCE(sort_index, 999999), id" if "sort_index" in cols else "rowid"
        return [dict(r) for r in conn.execute(
            f"SELECT * FROM providers WHERE app_type = 'claude' ORDER BY {order}")]  # noqa: S608 (fixed text)

    rows = sqlite_ro.read(path, APP, query)
    beside = path.parent / "settings.json"
    current_override = _current_from_settings(beside if beside.is_file() else settings_file(home or Path.home()))
    return convert(rows, current_override, str(path))


def _current_from_settings(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return text(data.get("currentProviderClaude")) if isinstance(data, dict) else ""


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, (bytes, str)):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def convert(rows: list[dict[str, Any]], current_override: str = "", path: str = "") -> Source:
    """``providers`` rows (app_type 'claude', in cc-switch's order) -> a Source (pure)."""
    src = Source(kind=KIND, mark=MARK, path=path, route_prefix="cc-switch", id_suffix="ccswitch")
    main_model: dict[str, str] = {}     # cc-switch id -> the model its route slot uses
    names: dict[str, str] = {}          # cc-switch id -> provider name (imported ones)
    tiers: dict[str, dict[str, str]] = {}
    for row in rows:
        p = _provider(src, row)
        if p is None:
            continue
        cid = str(row.get("id"))
        names[cid] = p.name
        env = _json(row.get("settings_config")).get("env") or {}
        env = env if isinstance(env, dict) else {}
        tier = {}
        for var, slot in TIER_VARS:
            if text(env.get(var)) and slot not in tier:
                tier[slot] = text(env[var])
        tiers[cid] = tier
        model = text(env.get("ANTHROPIC_MODEL")) or tier.get("sonnet") or tier.get("opus") or tier.get("haiku", "")
        if model:
            main_model[cid] = model
    ids = [str(r.get("id")) for r in rows]
    current = current_override if current_override in ids else next(
        (str(r.get("id")) for r in rows if r.get("is_current") in (1, True, "1")), "")
    if current and current not in names:
        src.notes.append(LEFT("import.note.currentLeft"))
        return src
    if not current:
        if names:
            src.notes.append(LEFT("import.note.noCurrent"))
        return src
    if current not in main_model:
        src.left.append(LEFT("import.left.ccswitchNoModel", name=names[current]))
        return src
    code = "import.routeName.ccswitch"
    route = SourceRoute(name=ROUTE_NAMES[code], name_code=code, slots={}, active=True)
    route.slots["default"] = [(names[current], main_model[current])]
    for slot, model in tiers[current].items():
        route.slots[slot] = [(names[current], model)]
    queue = [r for r in rows if r.get("in_failover_queue") in (1, True, "1") and str(r.get("id")) != current]
    for r in queue:
        cid = str(r.get("id"))
        if cid not in names:
            continue  # reported with its provider
        if cid not in main_model:
            src.left.append(LEFT("import.left.failoverNoModel", name=names[cid]))
            continue
        route.slots.setdefault("fallback", []).append((names[cid], main_model[cid]))
    src.routes.append(route)
    return src


def _provider(src: Source, row: dict[str, Any]) -> SourceProvider | None:
    name = text(row.get("name")) or str(row.get("id"))
    config = _json(row.get("settings_config"))
    meta = _json(row.get("meta"))
    env = config.get("env") if isinstance(config.get("env"), dict) else {}
    fmt = text(meta.get("apiFormat")).lower()
    if fmt == "openai_responses":
        src.left.append(LEFT("import.left.responsesApi", name=name))
        return None
    if fmt not in FORMATS:
        src.left.append(LEFT("import.left.apiFormat", name=name, format=fmt))
        return None
    ptype = FORMATS[fmt]
    url_raw = text(env.get("ANTHROPIC_BASE_URL"))
    token = env.get("ANTHROPIC_AUTH_TOKEN") or env.get("ANTHROPIC_API_KEY")
    if not url_raw:
        if not text(token):
            src.left.append(LEFT("import.left.claudeAccount", name=name))
            return None
        url_raw = "https://api.anthropic.com"
    url = http_url(url_raw)
    if url is None:
        src.left.append(LEFT("import.left.badBaseUrl", name=name))
        return None
    if ptype == "openai":
        url = strip_suffix(url, "/chat/completions")
        if not meta.get("isFullUrl") and not url.endswith("/v1"):
            url += "/v1"   # cc-switch adds /v1/chat/completions to the base
    elif ptype == "gemini":
        url = f"https://{GEMINI_HOST}" if GEMINI_HOST in url else strip_suffix(url, "/v1beta")
    else:
        url = strip_suffix(strip_suffix(url, "/v1/messages"), "/v1")
    p = SourceProvider(name=name, type=ptype, base_url=url, profile=profile_for(ptype, url))
    set_key(p, token)
    for var in ("ANTHROPIC_MODEL", *(v for v, _ in TIER_VARS)):
        add_model(p.models, env.get(var))
    other = sorted(k for k in env if k not in {"ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY",
                                               "ANTHROPIC_MODEL", *(v for v, _ in TIER_VARS)})
    if other:
        src.left.append(LEFT("import.left.claudeSettings", name=name, names=", ".join(other)))
    src.providers.append(p)
    return p
