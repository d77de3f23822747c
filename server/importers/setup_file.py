"""A setup written by ``switchboard export``: no keys in it, so the providers
that need one are named (CLI) or asked for (settings page).

A setup may come from anyone, so it never chooses which of *this* computer's
secrets go where: key references in it (``env:NAME``, ``file:/path``, a key
pool's ``api_keys``) are not taken; the provider asks for its key instead.
Nor does it move the address Switchboard listens on (its ``server`` section).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from server.importers.export import FORMAT, VERSION
from server.importers.model import ImportSourceError, Source, SourceProvider, SourceRoute
from server.import_words import ERRORS, LEFT

KIND = "a Switchboard setup"
MARK = "switchboard-setup"
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_SLOTS = ("default", "fable", "opus", "sonnet", "haiku", "think", "long_context", "image", "web_search", "fallback")


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def convert(data: dict[str, Any], path: str = "") -> Source:
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ImportSourceError(ERRORS("import.error.newerSetup", path=path, version=str(version)) if path
                                else ERRORS("import.error.newerSetupNoPath", version=str(version)))
    src = Source(kind=KIND, mark=MARK, path=path, route_prefix="setup", id_suffix="shared")
    for pid, e in (data.get("providers") or {}).items():
        if not isinstance(e, dict) or not isinstance(pid, str):
            continue
        ref = e.get("api_key") if isinstance(e.get("api_key"), str) else ""
        extra = {k: v for k, v in e.items() if k not in ("type", "base_url", "api_key", "api_keys", "models", "name",
                                                         "profile", "needs_key", "imported_from")}
        if ref.startswith("env:"):
            var = ref[4:] if _VARIABLE.fullmatch(ref[4:]) else "(an unusual name)"
            src.notes.append(LEFT("import.note.keyFromVariable", id=pid, variable=var))
        if isinstance(e.get("name"), str) and e["name"]:
            extra["name"] = e["name"]
        p = SourceProvider(name=pid, type=str(e.get("type", "")), base_url=str(e.get("base_url", "")),
                           models=[m for m in e.get("models") or [] if isinstance(m, str)],
                           needs_key=bool(e.get("needs_key") or ref or e.get("api_keys")), profile=str(e.get("profile") or ""), extra=extra)
        src.providers.append(p)
    active = data.get("active_route")
    for rid, r in (data.get("routes") or {}).items():
        if not isinstance(r, dict):
            continue
        route = SourceRoute(name=str(r.get("name") or rid), id=str(rid), active=rid == active)
        for slot in _SLOTS:
            value = r.get(slot)
            for target in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                pid, _, model = str(target).partition("/")
                route.slots.setdefault(slot, []).append((pid, model))
        route.extra = {k: v for k, v in r.items() if k not in _SLOTS and k not in ("name", "imported_from")}
        src.routes.append(route)
    if isinstance(data.get("network"), dict):
        src.extra_config["network"] = data["network"]
    if data.get("server"):
        src.left.append(LEFT("import.left.serverAddress"))
    return src


def read_text(text: str, path: str) -> Source:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportSourceError(ERRORS("import.error.setupNotJson", path=str(path), line=str(exc.lineno),
                                       problem=exc.msg)) from None
    if not looks_like(data):
        raise ImportSourceError(ERRORS("import.error.notASetup", path=str(path)))
    return convert(data, path)


def read(path: Path) -> Source:
    try:
        return read_text(path.read_text(encoding="utf-8-sig"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None)
        raise ImportSourceError(ERRORS("import.error.cannotRead", path=str(path), reason=why) if why
                                else ERRORS("import.error.notUtf8", path=str(path))) from None
