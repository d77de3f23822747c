"""claude-code-router config -> Switchboard providers + one route.

:func:`import_ccr` is pure apart from ``secrets.set``: it returns the merged
switchboard.json data and a plain-words report. Keys never reach the config
dict or the report: a literal key goes to the keyring (``"api_key":
"keyring"``), a ``$VAR`` key stays a reference (``env:VAR``).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol
from urllib.parse import urlsplit, urlunsplit

from server import config as config_mod
from server.ccr_import.json5 import JSON5Error, loads
from server.secrets import KeyringUnavailable

IMPORT_MARK = "claude-code-router"   # "imported_from" on what we add: re-imports replace it
ROUTE_ID = "ccr"
ROUTE_NAME = "Imported from claude-code-router"
# CCR Router slot -> Switchboard route slot
ROUTE_SLOTS = (("default", "default"), ("background", "haiku"), ("think", "think"),
               ("longContext", "long_context"), ("webSearch", "web_search"), ("image", "image"))
GEMINI_HOST = "generativelanguage.googleapis.com"
PROFILE_TRANSFORMERS = ("deepseek", "openrouter", "groq")
# Transformers whose effect the conversion reproduces (API type or profile).
HANDLED = {"anthropic", "gemini", "openai", *PROFILE_TRANSFORMERS}
# What Switchboard does instead of a CCR transformer it does not have.
INSTEAD = {
    "maxtoken": "Switchboard forwards Claude Code's max_tokens, capped where the provider preset "
                "knows a limit",
    "tooluse": "Switchboard passes tools and tool_choice through as Claude Code sends them",
    "enhancetool": "Switchboard translates tool calls itself; malformed tool arguments are not repaired",
    "reasoning": "Switchboard reads reasoning text per the provider profile (reasoning / "
                 "reasoning_content)",
    "cleancache": "Switchboard drops cache_control for OpenAI-compatible providers unless the "
                  "profile keeps it (OpenRouter)",
    "sampling": "Switchboard forwards Claude Code's temperature / top_p / top_k as the profile allows",
    "streamoptions": "Switchboard asks for usage in the stream itself",
}
# Keys people put in CCR for local servers that need none.
_LOCAL_PLACEHOLDER_KEYS = {"ollama", "lmstudio", "lm-studio", "none", "null", "dummy", "empty",
                           "no-key", "nokey", "sk-xxx", "x", "-", "local"}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_WHOLE_ENV_REF = re.compile(r"\s*(?:\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*))\s*")
_TOP_LEVEL_NOTES = {
    "APIKEY": "CCR's own access key: clients of Switchboard use Switchboard's local access key "
              "(shown on the settings page)",
    "PROXY_URL": "Switchboard has no proxy setting; it honours HTTPS_PROXY / HTTP_PROXY in its "
                 "environment",
    "CUSTOM_ROUTER_PATH": "custom JavaScript routers cannot run in Switchboard; use route slots",
    "API_TIMEOUT_MS": "Switchboard waits up to 10 minutes for a silent upstream",
}


class SecretsLike(Protocol):
    def set(self, entry: str, value: str) -> None: ...


class CCRImportError(ValueError):
    """The CCR file cannot be read as a claude-code-router config."""


@dataclass
class ImportResult:
    config: dict[str, Any]
    report: list[str]
    providers: dict[str, str] = field(default_factory=dict)   # CCR name -> provider id
    route_id: str | None = None


def parse_ccr(text: str) -> dict[str, Any]:
    """The CCR config as data; CCRImportError names the line on bad syntax."""
    try:
        data = loads(text)
    except JSON5Error as exc:
        raise CCRImportError(
            f"the claude-code-router config is not valid JSON5 (line {exc.line}, "
            f"column {exc.column}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise CCRImportError("the claude-code-router config must be an object ({ ... }) at the top level")
    return data


def import_ccr(text: str, *, environ: Mapping[str, str], secrets: SecretsLike,
               existing: dict[str, Any] | None, activate: bool = True) -> ImportResult:
    data = parse_ccr(text)
    return _Importer(data, environ, existing or {}, activate).run(secrets)


class _Importer:
    def __init__(self, data: dict[str, Any], environ: Mapping[str, str],
                 existing: dict[str, Any], activate: bool) -> None:
        self.data = data
        self.environ = environ
        self.activate = activate
        self.out = copy.deepcopy(existing)
        for section in ("providers", "routes"):
            if not isinstance(self.out.setdefault(section, {}), dict):
                raise CCRImportError(f"the Switchboard config's {section} is not an object; fix it first")
        self.report: list[str] = []
        self.notes: list[str] = []
        self.unconverted: dict[str, list[str]] = {}   # transformer -> where it was used
        self.missing_env: dict[str, list[str]] = {}
        self.ids: dict[str, str] = {}                 # CCR provider name -> id
        self.pending_keys: list[tuple[str, str]] = []  # (provider id, key)

    # -- helpers -----------------------------------------------------------------

    def interp(self, value: str, where: str) -> str:
        """CCR's ``$VAR`` / ``${VAR}`` interpolation; unset variables stay as written."""
        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2)
            if self.environ.get(name):
                return self.environ[name]
            self.missing_env.setdefault(name, []).append(where)
            return m.group(0)
        return _ENV_REF.sub(sub, value)

    def not_converted(self, transformer: str, where: str) -> None:
        self.unconverted.setdefault(transformer, []).append(where)

    # -- main --------------------------------------------------------------------

    def run(self, secrets: SecretsLike) -> ImportResult:
        providers = self.data.get("Providers", self.data.get("providers"))
        if providers is None:
            providers = []
            self.notes.append("Note: the file has no Providers list; nothing to import")
        if not isinstance(providers, list):
            raise CCRImportError("Providers: must be a list of providers")
        for index, raw in enumerate(providers):
            self.provider(index, raw)
        route_id = self.route()
        self.top_level()
        # Validate before any key is written, so a failed import leaves no trace.
        try:
            config_mod.parse(self.out)
        except config_mod.ConfigError as exc:  # a bug here, or a broken existing config
            raise CCRImportError(f"the merged config is not valid: {exc}") from None
        for pid, key in self.pending_keys:
            try:
                secrets.set(pid, key)
            except KeyringUnavailable as exc:
                self.out["providers"][pid]["api_key"] = ""
                self.notes.append(f"Not converted: the key of {pid!r}: {exc}; add it on the settings "
                                  f"page, or use $VAR in the CCR file and import again")
        return ImportResult(config=self.out, report=self.compose_report(), providers=dict(self.ids),
                            route_id=route_id)

    def compose_report(self) -> list[str]:
        lines = list(self.report)
        for name, places in self.unconverted.items():
            instead = INSTEAD.get(name, "Switchboard has no equivalent")
            lines.append(f"Not converted: transformer {name!r} (used by {', '.join(places)}): {instead}")
        for name, places in self.missing_env.items():
            lines.append(f"Note: ${name} is not set in this environment (used in "
                         f"{', '.join(sorted(set(places)))})")
        lines.extend(self.notes)
        return lines

    # -- providers -----------------------------------------------------------------

    def provider(self, index: int, raw: Any) -> None:
        where = f"Providers[{index}]"
        if not isinstance(raw, dict):
            self.notes.append(f"Not converted: {where} is not an object")
            return
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.notes.append(f"Not converted: {where} has no name")
            return
        name = name.strip()
        if name in self.ids:
            self.notes.append(f"Not converted: a second provider named {name!r} ({where}); CCR uses the first")
            return
        where = f"provider {name!r}"
        url_raw = raw.get("api_base_url")
        if not isinstance(url_raw, str) or not url_raw.strip():
            self.notes.append(f"Not converted: {where} has no api_base_url")
            return
        url = self.interp(url_raw.strip(), f"{name}.api_base_url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.notes.append(f"Not converted: {where}: api_base_url is not an http(s) URL")
            return
        host = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        if parts.query or parts.fragment or "@" in parts.netloc:
            self.notes.append(f"Note: {where}: dropped the query string / credentials from api_base_url")
        path = parts.path.rstrip("/")

        global_t, per_model = self.transformers(raw.get("transformer"), name)
        ptype, profile = "openai", ""
        if "gemini" in global_t:
            ptype = "gemini"
            if parts.hostname == GEMINI_HOST:
                path = ""
            else:  # a Gemini-compatible proxy: keep its prefix up to /v1beta
                path = re.sub(r"/models(/[^/]*)?$", "", path)
        elif "anthropic" in global_t or path.endswith("/v1/messages"):
            ptype = "anthropic"
            path = re.sub(r"/(v1/messages|chat/completions)$", "", path)
        elif path.endswith("/chat/completions"):
            path = path[: -len("/chat/completions")]
        elif path.endswith("/responses"):
            path = path[: -len("/responses")]
            self.notes.append(f"Note: {where} uses the OpenAI Responses API; Switchboard uses Chat "
                              f"Completions at {host}{path}")
        else:
            self.notes.append(f"Note: {where}: api_base_url does not end in /chat/completions or "
                              f"/v1/messages; assumed an OpenAI-compatible API at {host}{path or '/'}")
        if ptype == "openai":
            profile = next((t for t in PROFILE_TRANSFORMERS if t in global_t), "")
        base_url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path, "", ""))

        models: list[str] = []
        raw_models = raw.get("models", [])
        if not isinstance(raw_models, list):
            raw_models = []
            self.notes.append(f"Note: {where}: models is not a list; imported no models")
        for m in raw_models:
            if isinstance(m, str) and m.strip():
                m = self.interp(m.strip(), f"{name}.models")
                if m not in models:
                    models.append(m)
        for model, names in per_model.items():
            for t in names:
                if t in HANDLED:
                    self.notes.append(f"Not converted: transformer {t!r} for model {model!r} of {where}: "
                                      f"Switchboard sets the API type and profile per provider, not per model")
                else:
                    self.not_converted(t, f"{name}: {model}")

        pid = self.provider_id(name)
        api_key = self.api_key(raw.get("api_key", ""), pid, name, parts.hostname)
        entry: dict[str, Any] = {"type": ptype, "base_url": base_url, "api_key": api_key,
                                 "models": models, "name": name}
        if profile:
            entry["profile"] = profile
        entry["imported_from"] = IMPORT_MARK
        replaced = pid in self.out["providers"]
        self.out["providers"][pid] = entry
        self.ids[name] = pid
        details = ptype + (f", profile {profile}" if profile else "")
        key_words = {"keyring": "key in the keyring", "": "no key"}.get(api_key, f"key from ${api_key[4:]}")
        renamed = f" as {pid!r}" if pid != name else ""
        verb = "Updated" if replaced else "Added"
        self.report.append(f"{verb} provider {name!r}{renamed} ({details}, {host}, {len(models)} "
                           f"model{'s' if len(models) != 1 else ''}, {key_words})")

    def transformers(self, raw: Any, name: str) -> tuple[list[str], dict[str, list[str]]]:
        """Global transformer names (lower case) and per-model ones; records the unconverted."""
        if raw is None:
            return [], {}
        if not isinstance(raw, dict):
            self.notes.append(f"Note: provider {name!r}: transformer is not an object; ignored")
            return [], {}
        global_t = _names(raw.get("use"))
        for t in global_t:
            if t not in HANDLED:
                self.not_converted(t, name)
        per_model: dict[str, list[str]] = {}
        for model, cfg in raw.items():
            if model == "use":
                continue
            names = _names(cfg.get("use")) if isinstance(cfg, dict) else []
            # Type/profile transformers cannot apply to one model only.
            per_model[model] = [t for t in names if t not in global_t]
        return global_t, per_model

    def provider_id(self, name: str) -> str:
        base = _sanitize(name)
        taken = set(self.ids.values())
        existing = self.out["providers"]
        candidates = [base] + [_with_suffix(base, "-ccr" if n == 1 else f"-ccr-{n}") for n in range(1, 100)]
        for pid in candidates:
            if pid in taken:
                continue
            if pid not in existing or _imported(existing[pid]):
                return pid
        raise CCRImportError(f"cannot find a free provider id for {name!r}")

    def api_key(self, raw: Any, pid: str, name: str, hostname: str) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.notes.append(f"Not converted: the api_key of {name!r} is not a string")
            return ""
        m = _WHOLE_ENV_REF.fullmatch(raw)
        if m:
            var = m.group(1) or m.group(2)
            if not self.environ.get(var):
                self.missing_env.setdefault(var, []).append(f"{name}.api_key")
            return f"env:{var}"
        if not raw.strip():
            return ""
        before = sum(len(v) for v in self.missing_env.values())
        key = self.interp(raw.strip(), f"{name}.api_key")
        if sum(len(v) for v in self.missing_env.values()) != before:
            self.notes.append(f"Not converted: the api_key of {name!r} (it uses an unset variable); "
                              f"add the key on the settings page")
            return ""
        if hostname.lower() in _LOCAL_HOSTS and key.lower() in _LOCAL_PLACEHOLDER_KEYS:
            return ""  # a placeholder for a keyless local server (Ollama)
        if key != raw.strip():
            self.notes.append(f"Note: the api_key of {name!r} mixes text and variables; its current "
                              f"value went to the keyring (later changes to the variables are not seen)")
        self.pending_keys.append((pid, key))
        return "keyring"

    # -- route -----------------------------------------------------------------------

    def route(self) -> str | None:
        router = self.data.get("Router")
        if router is None:
            self.notes.append("Not converted: no Router section, so no route was created")
            return None
        if not isinstance(router, dict):
            self.notes.append("Not converted: Router is not an object, so no route was created")
            return None
        route: dict[str, Any] = {"name": ROUTE_NAME}
        lower_ids = {n.lower(): pid for n, pid in self.ids.items()}
        for ccr_slot, slot in ROUTE_SLOTS:
            value = router.get(ccr_slot)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                self.notes.append(f"Not converted: Router.{ccr_slot} is not a \"provider,model\" string")
                continue
            value = self.interp(value, f"Router.{ccr_slot}")
            provider, sep, model = (s.strip() for s in value.partition(","))
            if not sep or not provider or not model:
                self.notes.append(f"Not converted: Router.{ccr_slot} {value!r} is not of the form provider,model")
                continue
            pid = self.ids.get(provider) or lower_ids.get(provider.lower())
            if pid is None:
                self.notes.append(f"Not converted: Router.{ccr_slot} names provider {provider!r}, "
                                  f"which was not imported")
                continue
            route[slot] = f"{pid}/{model}"
        threshold = router.get("longContextThreshold")
        if threshold is not None:
            try:
                n = int(str(threshold).strip()) if not isinstance(threshold, bool) else 0
            except ValueError:
                n = 0
            if n >= 1:
                route["long_context_threshold"] = n
            else:
                self.notes.append("Not converted: Router.longContextThreshold is not a positive whole number")
        known = {s for s, _ in ROUTE_SLOTS} | {"longContextThreshold"}
        for key in router:
            if key not in known:
                self.notes.append(f"Not converted: Router.{key} (Switchboard has no such route slot)")
        if "default" not in route:
            self.notes.append("Not converted: Router.default is missing or unusable, so no route was created")
            return None
        route["imported_from"] = IMPORT_MARK
        routes = self.out["routes"]
        rid = next(r for r in (ROUTE_ID, *(f"{ROUTE_ID}-{n}" for n in range(2, 1000)))
                   if r not in routes or _imported(routes[r]))
        verb = "Updated" if rid in routes else "Added"
        routes[rid] = route
        slots = ", ".join(f"{s}: {route[s]}" for _, s in ROUTE_SLOTS if s in route)
        self.report.append(f"{verb} route {rid!r} ({slots})")
        if self.activate:
            self.out["active_route"] = rid
            self.report.append(f"Route {rid!r} is now the active route")
        return rid

    def top_level(self) -> None:
        for key, why in _TOP_LEVEL_NOTES.items():
            if self.data.get(key) not in (None, "", 0):
                self.notes.append(f"Not converted: {key}: {why}")
        plugins = self.data.get("Transformers") or self.data.get("transformers")
        if isinstance(plugins, list) and plugins:
            self.notes.append(f"Not converted: Transformers ({len(plugins)} custom transformer "
                              f"plugin{'s' if len(plugins) != 1 else ''}): JavaScript plugins cannot "
                              f"run in Switchboard")
        port = self.data.get("PORT", 3456)
        if str(port).strip() == "3456":
            self.notes.append("Note: claude-code-router also listens on port 3456; stop it (ccr stop) "
                              "before starting Switchboard")


def _names(use: Any) -> list[str]:
    """Transformer names from a ``use`` list: "name" or ["name", {options}]."""
    if not isinstance(use, list):
        return []
    out: list[str] = []
    for item in use:
        if isinstance(item, list) and item:
            item = item[0]
        if isinstance(item, str) and item.strip() and item.strip().lower() not in out:
            out.append(item.strip().lower())
    return out


def _sanitize(name: str) -> str:
    pid = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip())
    pid = re.sub(r"-{2,}", "-", pid).lstrip("_.-")[:64].rstrip("-")
    return pid or "provider"


def _with_suffix(base: str, suffix: str) -> str:
    return base[: 64 - len(suffix)] + suffix


def _imported(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("imported_from") == IMPORT_MARK
