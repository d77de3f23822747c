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

from server import config as config_mod, import_words
from server.import_words import CCR2, ERRORS, REPORT
from server.said import Said, Telling
from server.ccr_import.json5 import JSON5Error, loads
from server.secrets import KeyringUnavailable

IMPORT_MARK = "claude-code-router"   # "imported_from" on what we add: re-imports replace it
ROUTE_ID = "ccr"
ROUTE_NAME = import_words.ROUTE_NAMES["import.routeName.ccr"]
# CCR Router slot -> Switchboard route slot
ROUTE_SLOTS = (("default", "default"), ("background", "haiku"), ("think", "think"),
               ("longContext", "long_context"), ("webSearch", "web_search"), ("image", "image"))
GEMINI_HOST = "generativelanguage.googleapis.com"
PROFILE_TRANSFORMERS = ("deepseek", "openrouter", "groq")
# Transformers whose effect the conversion reproduces (API type or profile).
HANDLED = {"anthropic", "gemini", "openai", *PROFILE_TRANSFORMERS}
# What Switchboard does instead of a CCR transformer it does not have.
# Keys people put in CCR for local servers that need none.
_LOCAL_PLACEHOLDER_KEYS = {"ollama", "lmstudio", "lm-studio", "none", "null", "dummy", "empty",
                           "no-key", "nokey", "sk-xxx", "x", "-", "local"}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_WHOLE_ENV_REF = re.compile(r"\s*(?:\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*))\s*")
# Top-level CCR settings that are not converted (each has its line in import_words.CCR2).
_TOP_LEVEL_NOTES = ("APIKEY", "PROXY_URL", "CUSTOM_ROUTER_PATH", "API_TIMEOUT_MS")


class SecretsLike(Protocol):
    def set(self, entry: str, value: str) -> None: ...


class CCRImportError(Telling, ValueError):
    """The CCR file cannot be read as a claude-code-router config (``said``:
    the sentence, server/import_words.py ERRORS)."""


@dataclass
class ImportResult:
    config: dict[str, Any]
    report: list[Said]      # server/import_words.py: str(line) is the English
    providers: dict[str, str] = field(default_factory=dict)   # CCR name -> provider id
    route_id: str | None = None


def parse_ccr(text: str) -> dict[str, Any]:
    """The CCR config as data; CCRImportError names the line on bad syntax."""
    try:
        data = loads(text)
    except JSON5Error as exc:
        raise CCRImportError(ERRORS("import.error.notJson5", line=str(exc.line), column=str(exc.column),
                                    problem=exc.msg)) from None
    if not isinstance(data, dict):
        raise CCRImportError(ERRORS("import.error.topNotObject"))
    return data


def import_ccr(text: str, *, environ: Mapping[str, str], secrets: SecretsLike,
               existing: dict[str, Any] | None, activate: bool = True, route_name: str = ROUTE_NAME) -> ImportResult:
    data = parse_ccr(text)
    return _Importer(data, environ, existing or {}, activate, route_name).run(secrets)


class _Importer:
    def __init__(self, data: dict[str, Any], environ: Mapping[str, str],
                 existing: dict[str, Any], activate: bool, route_name: str = ROUTE_NAME) -> None:
        self.data = data
        self.route_name = route_name
        self.environ = environ
        self.activate = activate
        self.out = copy.deepcopy(existing)
        for section in ("providers", "routes"):
            if not isinstance(self.out.setdefault(section, {}), dict):
                raise CCRImportError(ERRORS("import.error.configSectionNotObject", section=section))
        self.report: list[Said] = []
        self.notes: list[Said] = []
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
            self.notes.append(CCR2("import.ccr2.noProviders"))
        if not isinstance(providers, list):
            raise CCRImportError(ERRORS("import.error.providersNotList"))
        for index, raw in enumerate(providers):
            self.provider(index, raw)
        route_id = self.route()
        self.top_level()
        # Validate before any key is written, so a failed import leaves no trace.
        try:
            config_mod.parse(self.out)
        except config_mod.ConfigError as exc:  # a bug here, or a broken existing config
            raise CCRImportError(ERRORS("import.error.mergedInvalid", problem=str(exc))) from None
        for pid, key in self.pending_keys:
            try:
                secrets.set(pid, key)
            except KeyringUnavailable as exc:
                self.out["providers"][pid]["api_key"] = ""
                self.notes.append(CCR2("import.ccr2.keyNotStored", id=pid, error=str(exc)))
        return ImportResult(config=self.out, report=self.compose_report(), providers=dict(self.ids),
                            route_id=route_id)

    def compose_report(self) -> list[Said]:
        lines = list(self.report)
        for name, places in self.unconverted.items():
            lines.append(CCR2("import.ccr2.transformer", transformer=name, places=", ".join(places),
                              instead=import_words.instead(name)))
        for name, places in self.missing_env.items():
            lines.append(CCR2("import.ccr2.unsetVariable", variable=name, places=", ".join(sorted(set(places)))))
        lines.extend(self.notes)
        return lines

    # -- providers -----------------------------------------------------------------

    def provider(self, index: int, raw: Any) -> None:
        if not isinstance(raw, dict):
            self.notes.append(CCR2("import.ccr2.notObject", index=str(index)))
            return
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.notes.append(CCR2("import.ccr2.noName", index=str(index)))
            return
        name = name.strip()
        if name in self.ids:
            self.notes.append(CCR2("import.ccr2.secondProvider", name=name, index=str(index)))
            return
        url_raw = raw.get("api_base_url")
        if not isinstance(url_raw, str) or not url_raw.strip():
            self.notes.append(CCR2("import.ccr2.noBaseUrl", name=name))
            return
        url = self.interp(url_raw.strip(), f"{name}.api_base_url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.notes.append(CCR2("import.ccr2.badBaseUrl", name=name))
            return
        host = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        if parts.query or parts.fragment or "@" in parts.netloc:
            self.notes.append(CCR2("import.ccr2.droppedQuery", name=name))
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
            self.notes.append(CCR2("import.ccr2.responses", name=name, url=f"{host}{path}"))
        else:
            self.notes.append(CCR2("import.ccr2.assumedOpenai", name=name, url=f"{host}{path or '/'}"))
        if ptype == "openai":
            profile = next((t for t in PROFILE_TRANSFORMERS if t in global_t), "")
        base_url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path, "", ""))

        models: list[str] = []
        raw_models = raw.get("models", [])
        if not isinstance(raw_models, list):
            raw_models = []
            self.notes.append(CCR2("import.ccr2.modelsNotList", name=name))
        for m in raw_models:
            if isinstance(m, str) and m.strip():
                m = self.interp(m.strip(), f"{name}.models")
                if m not in models:
                    models.append(m)
        for model, names in per_model.items():
            for t in names:
                if t in HANDLED:
                    self.notes.append(CCR2("import.ccr2.modelTransformer", transformer=t, model=model, name=name))
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
        details = CCR2("import.ccr2.typeProfile", type=ptype, profile=profile) if profile else ptype
        code = "import.line.provider" + ("Updated" if replaced else "Added") + ("As" if pid != name else "")
        self.report.append(REPORT(code, name=name, id=pid, type=details, host=host,
                                  models=import_words.models_words(len(models)),
                                  key=import_words.key_words(api_key, False)))

    def transformers(self, raw: Any, name: str) -> tuple[list[str], dict[str, list[str]]]:
        """Global transformer names (lower case) and per-model ones; records the unconverted."""
        if raw is None:
            return [], {}
        if not isinstance(raw, dict):
            self.notes.append(CCR2("import.ccr2.transformerNotObject", name=name))
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
        raise CCRImportError(ERRORS("import.error.noFreeId", name=name))

    def api_key(self, raw: Any, pid: str, name: str, hostname: str) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.notes.append(CCR2("import.ccr2.keyNotString", name=name))
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
            self.notes.append(CCR2("import.ccr2.keyUnsetVariable", name=name))
            return ""
        if hostname.lower() in _LOCAL_HOSTS and key.lower() in _LOCAL_PLACEHOLDER_KEYS:
            return ""  # a placeholder for a keyless local server (Ollama)
        if key != raw.strip():
            self.notes.append(CCR2("import.ccr2.keyMixed", name=name))
        self.pending_keys.append((pid, key))
        return "keyring"

    # -- route -----------------------------------------------------------------------

    def route(self) -> str | None:
        router = self.data.get("Router")
        if router is None:
            self.notes.append(CCR2("import.ccr2.noRouter"))
            return None
        if not isinstance(router, dict):
            self.notes.append(CCR2("import.ccr2.routerNotObject"))
            return None
        route: dict[str, Any] = {"name": self.route_name}
        lower_ids = {n.lower(): pid for n, pid in self.ids.items()}
        for ccr_slot, slot in ROUTE_SLOTS:
            value = router.get(ccr_slot)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                self.notes.append(CCR2("import.ccr2.slotNotString", slot=ccr_slot))
                continue
            value = self.interp(value, f"Router.{ccr_slot}")
            provider, sep, model = (s.strip() for s in value.partition(","))
            if not sep or not provider or not model:
                self.notes.append(CCR2("import.ccr2.slotForm", slot=ccr_slot, value=value))
                continue
            pid = self.ids.get(provider) or lower_ids.get(provider.lower())
            if pid is None:
                self.notes.append(CCR2("import.ccr2.slotProvider", slot=ccr_slot, provider=provider))
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
                self.notes.append(CCR2("import.ccr2.threshold"))
        known = {s for s, _ in ROUTE_SLOTS} | {"longContextThreshold"}
        for key in router:
            if key not in known:
                self.notes.append(CCR2("import.ccr2.unknownSlot", slot=key))
        if "default" not in route:
            self.notes.append(CCR2("import.ccr2.noDefault"))
            return None
        route["imported_from"] = IMPORT_MARK
        routes = self.out["routes"]
        rid = next(r for r in (ROUTE_ID, *(f"{ROUTE_ID}-{n}" for n in range(2, 1000)))
                   if r not in routes or _imported(routes[r]))
        verb = "Updated" if rid in routes else "Added"
        routes[rid] = route
        slots = ", ".join(f"{s}: {route[s]}" for _, s in ROUTE_SLOTS if s in route)
        self.report.append(REPORT(f"import.line.route{verb}", id=rid, slots=slots))
        if self.activate:
            self.out["active_route"] = rid
            self.report.append(REPORT("import.line.active", id=rid))
        return rid

    def top_level(self) -> None:
        for key in _TOP_LEVEL_NOTES:
            if self.data.get(key) not in (None, "", 0):
                self.notes.append(CCR2("import.ccr2." + key))
        plugins = self.data.get("Transformers") or self.data.get("transformers")
        if isinstance(plugins, list) and plugins:
            self.notes.append(CCR2("import.ccr2.plugins." + ("one" if len(plugins) == 1 else "other"),
                                   count=len(plugins)))
        port = self.data.get("PORT", 3456)
        if str(port).strip() == "3456":
            self.notes.append(CCR2("import.ccr2.samePort"))


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
