"""claude-code-router 3: ``config.sqlite``, read-only.

Facts from its source (packages/core/src/config/config-repository.ts,
config.ts): the whole configuration is one JSON document in
``app_config`` (``key = 'default'``, column ``value_json``): ``Providers[]``,
``Router`` (``builtInRules``, ``rules[]``, ``fallback``) and
``profile.profiles[]`` (agent profiles; Claude Code's name models as
``Provider/model``). Provider keys are plaintext in that document. The
``api_keys`` table holds the keys *clients* use to reach claude-code-router,
not provider keys. The database is in WAL mode.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Mapping

from server.ccr_import.convert import IMPORT_MARK
from server.importers import sqlite_ro
from server.importers.common import add_model, http_url, profile_for, set_key, strip_suffix, text
from server.importers.model import ImportSourceError, Source, SourceProvider, SourceRoute
from server.import_words import ERRORS, LEFT, instead

APP = "claude-code-router"
KIND = "claude-code-router 3"
GEMINI_HOST = "generativelanguage.googleapis.com"
# CCR protocol names -> our provider type (None: no equivalent yet).
PROTOCOLS: dict[str, str | None] = {
    "anthropic": "anthropic", "anthropic_messages": "anthropic",
    "openai_chat": "openai", "openai_chat_completions": "openai",
    "gemini": "gemini", "gemini_generate_content": "gemini",
    "openai": None, "openai_responses": None,   # CCR 3 reads a bare "openai" as Responses
}
PREFERRED = ("anthropic", "openai", "gemini")
# Claude Code profile field -> route slot
PROFILE_SLOTS = (("model", "default"), ("fableModel", "fable"), ("opusModel", "opus"),
                 ("sonnetModel", "sonnet"), ("haikuModel", "haiku"))


def default_path(home: Path, environ: Mapping[str, str], platform: str) -> Path:
    if platform == "win32":
        appdata = environ.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "claude-code-router" / "config.sqlite"
    return home / ".claude-code-router" / "config.sqlite"


def looks_like(conn: sqlite3.Connection) -> bool:
    return "app_config" in sqlite_ro.tables(conn)


def read(path: Path) -> Source:
    def query(conn: sqlite3.Connection) -> tuple[Any, int]:
        if not looks_like(conn):
            raise ImportSourceError(ERRORS("import.error.ccr3NoAppConfig", path=str(path)))
        if not {"key", "value_json"} <= sqlite_ro.columns(conn, "app_config"):
            raise ImportSourceError(ERRORS("import.error.ccr3UnknownVersion", path=str(path)))
        row = conn.execute("SELECT value_json FROM app_config WHERE key = 'default' LIMIT 1").fetchone()
        client_keys = 0
        if "api_keys" in sqlite_ro.tables(conn):
            client_keys = int(conn.execute("SELECT count(*) FROM api_keys").fetchone()[0])
        return row, client_keys

    row, client_keys = sqlite_ro.read(path, APP, query)
    if row is None or not text(row[0]):
        raise ImportSourceError(ERRORS("import.error.ccr3NoSettings", path=str(path)))
    try:
        doc = json.loads(row[0])
    except (json.JSONDecodeError, TypeError):
        raise ImportSourceError(ERRORS("import.error.ccr3NotJson", path=str(path))) from None
    if not isinstance(doc, dict):
        raise ImportSourceError(ERRORS("import.error.ccr3NotObject", path=str(path)))
    source = convert(doc, str(path))
    if client_keys:
        source.left.append(LEFT("import.left.ccrAccessKeys", count=client_keys))
    return source


def convert(doc: dict[str, Any], path: str = "") -> Source:
    """The configuration document -> a Source (pure)."""
    src = Source(kind=KIND, mark=IMPORT_MARK, path=path, route_prefix="ccr", id_suffix="ccr")
    providers = doc.get("Providers")
    if not isinstance(providers, list):
        providers = []
        src.notes.append(LEFT("import.note.noProviders"))
    aliases: dict[str, SourceProvider] = {}
    for index, raw in enumerate(providers):
        p = _provider(src, index, raw)
        if p is None:
            continue
        for alias in (raw.get("name"), raw.get("id"), raw.get("provider")):
            if isinstance(alias, str) and alias.strip():
                aliases.setdefault(alias.strip().lower(), p)
    _router_and_profiles(src, doc, aliases)
    return src


def _provider(src: Source, index: int, raw: Any) -> SourceProvider | None:
    if not isinstance(raw, dict) or not text(raw.get("name")):
        src.left.append(LEFT("import.left.noName", index=str(index)))
        return None
    name = text(raw["name"])
    if any(p.name.lower() == name.lower() for p in src.providers):
        src.left.append(LEFT("import.left.secondProvider", name=name))
        return None
    url_raw = text(raw.get("api_base_url")) or text(raw.get("baseUrl")) or text(raw.get("baseurl"))
    # Protocols offered: the provider's own type, then its capabilities.
    offered: list[tuple[str, str]] = []
    ptype_raw = text(raw.get("type")).lower()
    if ptype_raw:
        offered.append((ptype_raw, url_raw))
    for cap in raw.get("capabilities") or []:
        if isinstance(cap, dict) and text(cap.get("type")):
            offered.append((text(cap["type"]).lower(), text(cap.get("baseUrl")) or url_raw))
    if not offered:
        offered.append((_guess_protocol(url_raw), url_raw))
    usable = [(PROTOCOLS[t], u) for t, u in offered if PROTOCOLS.get(t)]
    if not usable:
        if any(t in PROTOCOLS for t, _ in offered):
            src.left.append(LEFT("import.left.responsesApi", name=name))
        else:
            src.left.append(LEFT("import.left.otherApi", name=name, apis=", ".join(sorted({t for t, _ in offered}))))
        return None
    ptype, url_raw = min(usable, key=lambda tu: PREFERRED.index(tu[0]))
    url = http_url(url_raw) if url_raw else None
    if url is None:
        src.left.append(LEFT("import.left.badUrl", name=name))
        return None
    base_url = _base_url(ptype, url)
    p = SourceProvider(name=name, type=ptype, base_url=base_url, profile=profile_for(ptype, base_url))
    for m in raw.get("models") or []:
        add_model(p.models, m)
    key = raw.get("api_key") or raw.get("apiKey") or raw.get("apikey")
    creds = [c for c in raw.get("credentials") or [] if isinstance(c, dict) and c.get("enabled") is not False]
    cred_keys = [k for k in (c.get("api_key") or c.get("apiKey") or c.get("apikey") or c.get("key")
                             for c in creds) if isinstance(k, str) and k.strip()]
    if not (isinstance(key, str) and key.strip()) and cred_keys:
        key, cred_keys = cred_keys[0], cred_keys[1:]
    set_key(p, key)
    if cred_keys:
        more = "import.left.moreKeys." + ("one" if len(cred_keys) == 1 else "other")
        src.left.append(LEFT(more, count=len(cred_keys), name=name))
    if raw.get("enabled") is False:
        src.notes.append(LEFT("import.note.turnedOff", name=name))
    for t in _transformers(raw.get("transformer")):
        if t in ("anthropic", "gemini", "openai", "deepseek", "openrouter", "groq"):
            continue  # the API type / preset does this
        src.left.append(LEFT("import.left.transformer", transformer=t, name=name, instead=instead(t)))
    for fieldname in ("extraHeaders", "extraBody"):
        if raw.get(fieldname):
            src.left.append(LEFT("import.left.extraFields", field=fieldname, name=name))
    src.providers.append(p)
    return p


def _guess_protocol(url: str) -> str:
    path = url.split("?")[0].rstrip("/")
    if path.endswith("/messages"):
        return "anthropic_messages"
    if path.endswith("/responses"):
        return "openai_responses"
    if GEMINI_HOST in path:
        return "gemini_generate_content"
    return "openai_chat_completions"


def _base_url(ptype: str, url: str) -> str:
    if ptype == "openai":
        return strip_suffix(url, "/chat/completions")
    if ptype == "anthropic":
        return strip_suffix(strip_suffix(url, "/v1/messages", "/messages"), "/v1")
    if GEMINI_HOST in url:
        return f"https://{GEMINI_HOST}"
    return re.sub(r"/models(/[^/]*)?$", "", url)


def _transformers(raw: Any) -> list[str]:
    """Transformer names used by a provider (its own and per model), lower case."""
    names: list[str] = []
    if not isinstance(raw, dict):
        return names
    for cfg in [raw, *(v for k, v in raw.items() if k != "use")]:
        use = cfg.get("use") if isinstance(cfg, dict) else None
        for item in use if isinstance(use, list) else []:
            item = item[0] if isinstance(item, list) and item else item
            if isinstance(item, str) and item.strip() and item.strip().lower() not in names:
                names.append(item.strip().lower())
    return names


def _resolve(ref: str, aliases: dict[str, SourceProvider]) -> tuple[SourceProvider, str] | None:
    """``Provider/model``, ``Provider,model`` or a model one provider offers."""
    ref = ref.strip()
    for sep in (",", "/"):
        head, found, model = ref.partition(sep)
        if found and head.strip() and model.strip():
            p = aliases.get(head.strip().lower())
            if p is not None:
                return p, model.strip()
    owners = {id(p): p for p in aliases.values() if ref in p.models}
    if len(owners) == 1:
        return next(iter(owners.values())), ref
    return None


def _router_and_profiles(src: Source, doc: dict[str, Any], aliases: dict[str, SourceProvider]) -> None:
    router = doc.get("Router") if isinstance(doc.get("Router"), dict) else {}
    fallback: list[tuple[str, str]] = []
    fb = router.get("fallback")
    if isinstance(fb, dict):
        mode = text(fb.get("mode") or fb.get("strategy")).lower()
        models = fb.get("models") or fb.get("chain") or []
        models = [m for m in (models.split(",") if isinstance(models, str) else models) if text(m)]
        if mode in ("off", "disabled", "none") or fb.get("enabled") is False:
            pass
        elif models:
            for ref in models:
                hit = _resolve(text(ref), aliases)
                if hit is None:
                    src.left.append(LEFT("import.left.fallbackModel", model=text(ref)))
                else:
                    add_model(hit[0].models, hit[1])
                    fallback.append((hit[0].name, hit[1]))
        elif mode in ("retry", "retries") or fb.get("enabled") is True:
            src.notes.append(LEFT("import.note.retries"))
    for index, rule in enumerate(router.get("rules") or []):
        if not isinstance(rule, dict) or rule.get("enabled") is False:
            continue
        name = text(rule.get("name")) or text(rule.get("id")) or f"rules[{index}]"
        kind = "import.left.ruleScript" if text(rule.get("type")) == "script" else "import.left.ruleCondition"
        src.left.append(LEFT(kind, name=name))
    built_in = router.get("builtInRules")
    if isinstance(built_in, dict) and built_in.get("codex") not in (None, False) and \
            not (isinstance(built_in.get("codex"), dict) and built_in["codex"].get("enabled") is False):
        src.left.append(LEFT("import.left.codexRoute"))

    profile = doc.get("profile") if isinstance(doc.get("profile"), dict) else {}
    profiles = profile.get("profiles")
    if not isinstance(profiles, list) or not profiles:
        legacy = profile.get("claudeCode")
        profiles = [{"agent": "claude-code", "name": "Claude Code", **legacy}] if isinstance(legacy, dict) and \
            text(legacy.get("model")) else []
    active_given = False
    for index, prof in enumerate(profiles):
        if not isinstance(prof, dict):
            continue
        name = text(prof.get("name")) or f"profile {index + 1}"
        agent = text(prof.get("agent")).lower()
        if agent not in ("claude", "claude-code", "claude code"):
            src.left.append(LEFT("import.left.agentProfile", name=name, agent=agent) if agent
                            else LEFT("import.left.agentProfileNoAgent", name=name))
            continue
        route = SourceRoute(name=name, slots={})
        values = {f: text(prof.get(f)) for f, _ in PROFILE_SLOTS}
        small = text(prof.get("smallFastModel"))
        if not values["haikuModel"]:
            values["haikuModel"] = small
        elif small and small != values["haikuModel"]:
            src.left.append(LEFT("import.left.smallFastModel", model=small, name=name))
        for fieldname, slot in PROFILE_SLOTS:
            ref = values[fieldname]
            if not ref:
                continue
            hit = _resolve(ref, aliases)
            if hit is None:
                src.left.append(LEFT("import.left.profileModel", field=fieldname, model=ref, name=name))
                continue
            add_model(hit[0].models, hit[1])
            route.slots[slot] = [(hit[0].name, hit[1])]
        if "default" not in route.slots:
            src.left.append(LEFT("import.left.profileNoMain", name=name))
            continue
        if fallback:
            route.slots["fallback"] = list(fallback)
        if prof.get("enabled") is not False and profile.get("enabled") is not False and not active_given:
            route.active = active_given = True
        src.routes.append(route)
    if not src.routes and fallback:
        src.left.append(LEFT("import.left.fallbackNoProfile"))


