"""Sources + switchboard.json -> one plan; then apply it all or nothing.

:func:`build` is pure: it returns the new config (validated), the keys to
store and the report. :func:`apply` stores the keys (only those that
differ), saves the config, and on any failure puts the keyring back as it
was, so an import either happens whole or not at all. Importing the same
source again finds its own entries (``imported_from``) and changes nothing.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import urlsplit

from server import config as config_mod
from server.base_url import same_base_url
from server.importers.common import sanitize_id, with_suffix
from server.importers.model import ImportFailed, Source, SourceProvider
from server.import_words import ERRORS, REPORT, from_line, key_words, models_words, route_name
from server.said import Said
from server.secrets import KeyringUnavailable



class SecretsLike(Protocol):
    def get(self, entry: str) -> str | None: ...
    def set(self, entry: str, value: str) -> None: ...
    def delete(self, entry: str) -> None: ...


@dataclass
class Plan:
    config: dict[str, Any]
    keys: dict[str, str] = field(default_factory=dict, repr=False)   # provider id -> key
    lines: list[Said | str] = field(default_factory=list)                # the report (str: a reader's own line)
    needs_keys: list[str] = field(default_factory=list)              # provider ids
    created: list[str] = field(default_factory=list)                 # provider/route ids added or updated
    forget: list[str] = field(default_factory=list)                  # keyring entries whose provider moved
    providers_found: int = 0
    route_names: dict[str, str] = field(default_factory=dict)        # the page's words for ROUTE_NAMES


def prepared(existing: dict[str, Any] | None) -> dict[str, Any]:
    out = copy.deepcopy(existing or {})
    for section in ("providers", "routes"):
        if not isinstance(out.setdefault(section, {}), dict):
            raise ImportFailed(ERRORS("import.error.sectionNotObject", section=section))
    return out


def build(sources: Iterable[Any], existing: dict[str, Any] | None, *, activate: bool = True,
          route_names: dict[str, str] | None = None) -> Plan:
    """``route_names``: the words of the settings page's language for the
    routes the import names itself (import_words.ROUTE_NAMES codes)."""
    plan = Plan(config=prepared(existing), route_names=dict(route_names or {}))
    activated = False
    for src in sources:
        # A source that merges itself (claude-code-router 2) or a Source to merge here.
        add = getattr(src, "add_to", None) or (lambda plan, activate, src=src: _add(plan, src, activate=activate))
        activated = add(plan, activate=activate and not activated) or activated
    try:
        config_mod.parse(plan.config)
    except config_mod.ConfigError as exc:
        raise ImportFailed(ERRORS("import.error.invalidResult", problem=str(exc))) from None
    return plan


def _free_id(candidates: Iterable[str], src: Source, existing: dict[str, Any], taken: set[str]) -> str | None:
    """The first candidate not taken by this import and either unused in the
    config or an entry an earlier import of the same source made."""
    for cid in candidates:
        if cid in taken:
            continue
        old = existing.get(cid)
        if old is None or (isinstance(old, dict) and old.get("imported_from") == src.mark):
            return cid
    return None


def _provider_id(name: str, src: Source, providers: dict[str, Any], taken: set[str]) -> str:
    base = sanitize_id(name)
    candidates = (base if n == 0 else with_suffix(base, f"-{src.id_suffix}" + (f"-{n}" if n > 1 else ""))
                  for n in range(0, 100))
    pid = _free_id(candidates, src, providers, taken)
    if pid is None:
        raise ImportFailed(ERRORS("import.error.noFreeProviderId", name=name))
    return pid


def _route_id(wanted: str, src: Source, routes: dict[str, Any], taken: set[str]) -> str:
    base = sanitize_id(wanted)
    candidates = (base if n == 1 else with_suffix(base, f"-{n}") for n in range(1, 1000))
    rid = _free_id(candidates, src, routes, taken)
    if rid is None:
        raise ImportFailed(ERRORS("import.error.noFreeRouteId", name=wanted))
    return rid


def _entry(p: SourceProvider, src: Source) -> tuple[dict[str, Any], str | None, bool]:
    """The switchboard.json entry, the key for the keyring, whether a key is still needed."""
    key: str | None = None
    needs = False
    if p.key:
        ref, key = "keyring", p.key
    elif p.key_env:
        ref = f"env:{p.key_env}"
    elif p.needs_key:
        ref, needs = "keyring", True
    else:
        ref = ""
    entry: dict[str, Any] = {"type": p.type, "base_url": p.base_url, "api_key": ref,
                             "models": list(p.models), "name": p.name}
    if p.profile:
        entry["profile"] = p.profile
    entry.update(p.extra)
    entry["imported_from"] = src.mark
    return entry, key, needs


def _add(plan: Plan, src: Source, *, activate: bool) -> bool:
    out = plan.config
    lines = plan.lines
    lines.append(from_line(src.kind, src.path))
    plan.providers_found += len(src.providers)
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for p in src.providers:
        pid = _provider_id(p.name, src, out["providers"], taken)
        taken.add(pid)
        ids[p.name] = pid
        old = out["providers"].get(pid)
        entry, key, needs = _entry(p, src)
        if needs and isinstance(old, dict) and old.get("api_key") == "keyring":
            if same_base_url(str(old.get("base_url") or ""), p.base_url):
                needs = False   # imported before: the key may have been added since
            else:
                plan.forget.append(pid)   # a stored key only goes to the URL it was saved with
        out["providers"][pid] = entry
        if key is not None:
            plan.keys[pid] = key
        if needs:
            plan.needs_keys.append(pid)
        verb = "Added" if old is None else ("Unchanged" if old == entry else "Updated")
        if verb != "Unchanged":
            plan.created.append(pid)
        code = f"import.line.provider{verb}" + ("As" if pid != p.name else "")
        lines.append(REPORT(code, name=p.name, id=pid, type=p.type, host=urlsplit(p.base_url).netloc,
                            models=models_words(len(p.models)), key=key_words(entry["api_key"], needs)))
    activated = False
    route_taken: set[str] = set()
    for route in src.routes:
        wanted = route.id or (src.route_prefix if len(src.routes) == 1 else f"{src.route_prefix}-{route.name}")
        rid = _route_id(wanted, src, out["routes"], route_taken)
        route_taken.add(rid)
        entry: dict[str, Any] = {"name": route_name(route.name_code, plan.route_names) if route.name_code
                                 else route.name}
        for slot, targets in route.slots.items():
            values = [f"{ids[name]}/{model}" for name, model in targets if name in ids]
            if values:
                entry[slot] = values[0] if len(values) == 1 and slot != "fallback" else values
        entry.update(route.extra)
        entry["imported_from"] = src.mark
        old = out["routes"].get(rid)
        out["routes"][rid] = entry
        verb = "Added" if old is None else ("Unchanged" if old == entry else "Updated")
        if verb != "Unchanged":
            plan.created.append(rid)
        slots = ", ".join(f"{s}: {', '.join(v) if isinstance(v, list) else v}"
                          for s, v in entry.items() if s in config_mod.TARGET_SLOTS)
        lines.append(REPORT(f"import.line.route{verb}", id=rid, slots=slots))
        if activate and route.active and not activated:
            activated = True
            if out.get("active_route") != rid:
                out["active_route"] = rid
                lines.append(REPORT("import.line.active", id=rid))
    for key, value in src.extra_config.items():
        if key in out and out[key] != value:
            lines.append(REPORT("import.line.keptYours", section=key))
        else:
            out[key] = copy.deepcopy(value)
    lines.extend(src.left)
    lines.extend(src.notes)
    for pid in plan.needs_keys:
        if pid in ids.values():
            lines.append(REPORT("import.line.needsKey", id=pid))
    return activated


def normalized(existing: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return prepared(existing)
    except ImportFailed:
        return copy.deepcopy(existing or {})


def apply(plan: Plan, *, existing: dict[str, Any] | None, secrets: SecretsLike,
          save: Callable[[dict[str, Any]], Any]) -> bool:
    """Store the keys and save the config; all or nothing. False when
    nothing had to change (the same source imported again)."""
    try:
        pending = {pid: key for pid, key in plan.keys.items() if secrets.get(pid) != key}
    except KeyringUnavailable as exc:
        raise ImportFailed(ERRORS("import.error.keyring", problem=str(exc))) from None
    config_changed = plan.config != normalized(existing)
    if not config_changed and not pending:
        return False
    written: list[tuple[str, str | None]] = []
    try:
        for pid, key in pending.items():
            previous = secrets.get(pid)
            secrets.set(pid, key)
            written.append((pid, previous))
        for pid in plan.forget:
            previous = secrets.get(pid)
            if previous is not None:
                secrets.delete(pid)
                written.append((pid, previous))
        if config_changed:
            save(plan.config)
    except KeyringUnavailable as exc:
        _restore(secrets, written)
        raise ImportFailed(ERRORS("import.error.keyring", problem=str(exc))) from None
    except BaseException:
        _restore(secrets, written)
        raise
    return True


def _restore(secrets: SecretsLike, written: list[tuple[str, str | None]]) -> None:
    for pid, previous in reversed(written):
        try:
            if previous is None:
                secrets.delete(pid)
            else:
                secrets.set(pid, previous)
        except KeyringUnavailable:
            pass
