"""switchboard.json: load, validate (messages name the field), atomic save.

The file is the contract shared by the headless server, the tray, the
settings page and users' hand-edited files, so the field names below are
stable. Unknown fields are kept on save. Keys are never stored here: a
provider's ``api_key`` is a *reference* (``env:NAME``, ``keyring``, empty for
keyless local servers, or a literal value for tests).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.fileio import atomic_write_bytes, ensure_private_dir, json_text, unique_path
from server.network import NetworkConfigError, NetworkSettings, parse_network

PROVIDER_TYPES = ("openai", "anthropic", "gemini")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Route slots that name targets (issue 4 adds the rules that use them).
TARGET_SLOTS = ("default", "fable", "opus", "sonnet", "haiku", "think", "long_context",
                "image", "web_search", "fallback")


class ConfigError(ValueError):
    """The config file is unreadable or invalid; the message names the field."""


class ConfigChangedOnDisk(ConfigError):
    """The file on disk is invalid (edited by hand since it was read, or
    broken since start): a save refuses rather than overwrite it. ``path``
    and ``problem`` let the settings page word it in its language."""

    def __init__(self, message: str, *, path: str = "", problem: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 3456


@dataclass(frozen=True)
class ProviderConfig:
    id: str
    type: str
    base_url: str
    api_key: str = ""
    models: tuple[str, ...] = ()
    name: str = ""
    # A preset/profile name for provider quirks (see providers/presets.py);
    # guessed from base_url when absent.
    profile: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    # Leading <think>…</think> in answers -> thinking (OpenAI-type providers);
    # None = the preset's default (on).
    think_tags: bool | None = None
    # The global network section with this provider's overrides applied.
    network: NetworkSettings = field(default_factory=NetworkSettings)
    # Forward Claude Code's billing line (providers/billing_header.py).
    keep_billing_header: bool = False
    # Several keys (server/key_pool.py): every key's reference and name, in
    # order; () when only ``api_key`` is set (then it is the one key).
    api_keys: tuple["KeyRef", ...] = ()
    key_order: str = "order"  # or "round_robin"

    @property
    def keys(self) -> tuple["KeyRef", ...]:
        """The keys to use, in order: ``api_keys``, else the single ``api_key``."""
        if self.api_keys:
            return self.api_keys
        return (KeyRef(self.api_key, ""),) if self.api_key else ()

    @property
    def display_name(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class KeyRef:
    """One key of a provider: a reference (``keyring``, ``keyring#2``,
    ``env:NAME``; never the value) and an optional name ("work")."""

    ref: str
    name: str = ""


KEY_ORDERS = ("order", "round_robin")


def _parse_keys(raw: Any, where: str) -> tuple[KeyRef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where}.api_keys: must be a list of key references, as in "
                          '["keyring", "keyring#2"] or ["env:OPENAI_KEY_1", "env:OPENAI_KEY_2"]')
    keys: list[KeyRef] = []
    for i, item in enumerate(raw):
        here = f"{where}.api_keys[{i}]"
        ref, name = (item, "") if isinstance(item, str) else (
            (item.get("ref"), item.get("name", "")) if isinstance(item, dict) else (None, None))
        if not isinstance(ref, str) or not ref:
            raise ConfigError(f"{here}: must be a key reference (keyring, keyring#2, env:NAME) "
                              'or {"ref": ..., "name": ...}')
        if ref.startswith("env:") and not ref[4:]:
            raise ConfigError(f"{here}: env: needs a variable name, as in env:OPENAI_KEY_1")
        if not isinstance(name, str) or len(name) > 64:
            raise ConfigError(f"{here}.name: must be a short text (at most 64 characters)")
        if any(k.ref == ref for k in keys):
            raise ConfigError(f"{here}: {ref!r} is listed twice")
        keys.append(KeyRef(ref, name.strip()))
    return tuple(keys)


@dataclass(frozen=True)
class RouteConfig:
    id: str
    name: str
    targets: dict[str, tuple[str, ...]]  # slot -> ordered provider/model targets
    long_context_threshold: int = 60000
    # After a fallback answered, a session stays on it this long (server/session_pins.py).
    sticky_minutes: float = 10.0

    @property
    def default(self) -> tuple[str, ...]:
        return self.targets.get("default", ())


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    routes: dict[str, RouteConfig] = field(default_factory=dict)
    active_route: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    network: NetworkSettings = field(default_factory=NetworkSettings)

    @property
    def route(self) -> RouteConfig | None:
        if self.active_route and self.active_route in self.routes:
            return self.routes[self.active_route]
        return None


def parse(data: Any) -> Config:
    """Validate a decoded switchboard.json; raise ConfigError naming the field."""
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a JSON object")
    server = _parse_server(data.get("server", {}))
    network = _network(data.get("network"), "network", None)
    providers_raw = data.get("providers", {})
    if not isinstance(providers_raw, dict):
        raise ConfigError("providers: must be an object of provider id -> settings")
    providers = {pid: _parse_provider(pid, p, network) for pid, p in providers_raw.items()}
    routes_raw = data.get("routes", {})
    if not isinstance(routes_raw, dict):
        raise ConfigError("routes: must be an object of route id -> route")
    routes = {rid: _parse_route(rid, r, providers) for rid, r in routes_raw.items()}
    active = data.get("active_route")
    if active is not None and not isinstance(active, str):
        raise ConfigError("active_route: must be a route id (a string)")
    if active is not None and active not in routes:
        raise ConfigError(f"active_route: no route named {active!r} in routes")
    if active is None and routes:
        active = next(iter(routes))
    return Config(server=server, providers=providers, routes=routes,
                  active_route=active, raw=copy.deepcopy(data), network=network)


def _network(raw: Any, where: str, base: NetworkSettings | None) -> NetworkSettings:
    try:
        return parse_network(raw, where, base)
    except NetworkConfigError as exc:
        raise ConfigError(str(exc)) from None


def _parse_server(raw: Any) -> ServerConfig:
    if not isinstance(raw, dict):
        raise ConfigError("server: must be an object")
    host = raw.get("host", "127.0.0.1")
    port = raw.get("port", 3456)
    if not isinstance(host, str) or not host:
        raise ConfigError("server.host: must be a non-empty string")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError("server.port: must be a whole number from 1 to 65535")
    return ServerConfig(host=host, port=port)


def _parse_provider(pid: str, raw: Any, network: NetworkSettings) -> ProviderConfig:
    where = f"providers.{pid}"
    if not _ID.match(pid):
        raise ConfigError(f"{where}: a provider id uses letters, digits, '_', '-' or '.' (at most 64)")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be an object")
    ptype = raw.get("type")
    if ptype not in PROVIDER_TYPES:
        raise ConfigError(f"{where}.type: must be one of {', '.join(PROVIDER_TYPES)}")
    base_url = raw.get("base_url")
    if ptype == "gemini" and base_url is None:
        base_url = "https://generativelanguage.googleapis.com"
    if not isinstance(base_url, str) or not re.match(r"^https?://[^\s/]+", base_url):
        raise ConfigError(f"{where}.base_url: must be an http:// or https:// URL")
    api_key = raw.get("api_key", "")
    if not isinstance(api_key, str):
        raise ConfigError(f"{where}.api_key: must be a string: env:NAME, keyring, or empty")
    if api_key.startswith("env:") and not api_key[4:]:
        raise ConfigError(f"{where}.api_key: env: needs a variable name, as in env:OPENAI_API_KEY")
    if api_key.startswith("file:") and not api_key[5:].startswith("/"):
        raise ConfigError(f"{where}.api_key: file: needs an absolute path, as in file:/run/secrets/openai")
    models = raw.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ConfigError(f"{where}.models: must be a list of model names")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"{where}.name: must be a string")
    profile = raw.get("profile", "")
    if not isinstance(profile, str):
        raise ConfigError(f"{where}.profile: must be a string")
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ConfigError(f"{where}.headers: must be an object of header name -> string value")
    think_tags = raw.get("think_tags")
    if think_tags is not None and not isinstance(think_tags, bool):
        raise ConfigError(f"{where}.think_tags: must be true or false")
    keep_billing = raw.get("keep_billing_header", False)
    if not isinstance(keep_billing, bool):
        raise ConfigError(f"{where}.keep_billing_header: must be true or false")
    api_keys = _parse_keys(raw.get("api_keys"), where)
    if api_keys:
        api_key = api_keys[0].ref  # the first key is the one single-key code uses
    key_order = raw.get("key_order", "order")
    if key_order not in KEY_ORDERS:
        raise ConfigError(f"{where}.key_order: must be one of {', '.join(KEY_ORDERS)}")
    return ProviderConfig(
        id=pid, type=ptype, base_url=base_url.rstrip("/"), api_key=api_key,
        api_keys=api_keys, key_order=key_order,
        models=tuple(models), name=name, profile=profile,
        headers=tuple(headers.items()), think_tags=think_tags, keep_billing_header=keep_billing,
        network=_network(raw.get("network"), f"{where}.network", network),
    )


def _parse_route(rid: str, raw: Any, providers: dict[str, ProviderConfig]) -> RouteConfig:
    where = f"routes.{rid}"
    if not _ID.match(rid):
        raise ConfigError(f"{where}: a route id uses letters, digits, '_', '-' or '.' (at most 64)")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be an object")
    targets: dict[str, tuple[str, ...]] = {}
    for slot in TARGET_SLOTS:
        if slot not in raw:
            continue
        value = raw[slot]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(t, str) for t in items):
            raise ConfigError(f"{where}.{slot}: must be a provider/model target or a list of them")
        for target in items:
            provider_id, sep, model = target.partition("/")
            if not sep or not model:
                raise ConfigError(f"{where}.{slot}: {target!r} is not of the form provider/model")
            if provider_id not in providers:
                raise ConfigError(f"{where}.{slot}: no provider named {provider_id!r} in providers")
        targets[slot] = tuple(items)
    if "default" not in targets:
        raise ConfigError(f"{where}.default: is required (a provider/model target)")
    name = raw.get("name", rid)
    if not isinstance(name, str):
        raise ConfigError(f"{where}.name: must be a string")
    threshold = raw.get("long_context_threshold", 60000)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ConfigError(f"{where}.long_context_threshold: must be a positive whole number")
    sticky = raw.get("sticky_minutes", 10)
    if isinstance(sticky, bool) or not isinstance(sticky, (int, float)) or not 0 <= sticky <= 24 * 60:
        raise ConfigError(f"{where}.sticky_minutes: must be a number of minutes from 0 to 1440")
    return RouteConfig(id=rid, name=name, targets=targets, long_context_threshold=threshold,
                       sticky_minutes=float(sticky))


# -- files ---------------------------------------------------------------------

BACKUPS_KEPT = 5


@dataclass(frozen=True)
class FileStamp:
    """What a config file held when it was read or written: a later stamp
    that differs means someone edited the file by hand meanwhile."""
    size: int
    digest: str
    mtime_ns: int

    @classmethod
    def of(cls, data: bytes, mtime_ns: int = 0) -> "FileStamp":
        return cls(len(data), hashlib.sha256(data).hexdigest(), mtime_ns)

    def same_content(self, other: "FileStamp | None") -> bool:
        return other is not None and (self.size, self.digest) == (other.size, other.digest)


def read_stamped(path: Path) -> tuple[bytes | None, FileStamp | None]:
    """The file's bytes and stamp; (None, None) when it does not exist."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
            mtime_ns = os.fstat(fh.fileno()).st_mtime_ns
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return data, FileStamp.of(data, mtime_ns)


def stamp(path: Path) -> FileStamp | None:
    return read_stamped(path)[1]


def decode(path: Path, data: bytes) -> Config:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text") from None
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    return parse(decoded)


def load_stamped(path: Path) -> tuple[Config, FileStamp | None]:
    """Load and validate, with the stamp of exactly the bytes parsed; a
    missing file is an empty config (first run)."""
    data, file_stamp = read_stamped(path)
    if data is None:
        return Config(), None
    return decode(path, data), file_stamp


def load(path: Path) -> Config:
    """Load and validate; a missing file is an empty config (first run)."""
    return load_stamped(path)[0]


def backup(path: Path, backup_dir: Path, keep: int = BACKUPS_KEPT) -> Path | None:
    """Copy the file as it is now to ``backup_dir/<name>.<time>`` (0600 in
    a 0700 folder) and keep only the ``keep`` newest copies."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    ensure_private_dir(backup_dir)
    now = time.time()
    base = f"{path.name}.{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}-{int(now * 1e6) % 1_000_000:06d}"
    target = unique_path(backup_dir / base)
    atomic_write_bytes(target, data)
    old = sorted((p for p in backup_dir.iterdir() if p.name.startswith(path.name + ".") and p.is_file()),
                 key=lambda p: (p.stat().st_mtime_ns, p.name))
    for stale in old[:-keep] if keep > 0 else old:
        try:
            stale.unlink()
        except OSError:
            pass
    return target


def save(path: Path, data: dict[str, Any], *, backup_dir: Path | None = None) -> tuple[Config, FileStamp]:
    """Validate, then write atomically (temp file + rename, 0600).

    A file on disk that does not parse is kept as ``<name>.corrupt-<time>``
    rather than overwritten silently; with ``backup_dir`` the version being
    replaced is kept there too (the last :data:`BACKUPS_KEPT`). Returns the
    config and the stamp of what was written.
    """
    config = parse(data)
    if path.exists():
        if backup_dir is not None:
            backup(path, backup_dir)
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            os.replace(path, path.with_name(f"{path.name}.corrupt-{int(time.time())}"))
    payload = json_text(data).encode("utf-8")
    atomic_write_bytes(path, payload)
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError:
        mtime_ns = 0
    return config, FileStamp.of(payload, mtime_ns)


def merge(base: Any, ours: Any, theirs: Any) -> Any:
    """Three-way merge of JSON values: what changed from ``base`` to
    ``ours`` applied on top of ``theirs``.

    Used when the file was edited by hand after it was loaded: the
    program's change (ours) lands on the person's edit (theirs). Objects are
    merged key by key; where both changed the same value, ours wins (the
    replaced version stays in the backups).
    """
    if ours == base:
        return _copy(theirs)
    if theirs == base:
        return _copy(ours)
    if isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict):
        out: dict[str, Any] = {}
        for key in list(theirs) + [k for k in ours if k not in theirs]:
            b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
            value = merge(b, o, t)
            if value is not _MISSING:
                out[key] = value
        return out
    return _copy(ours)


_MISSING: Any = object()


def _copy(value: Any) -> Any:
    return value if value is _MISSING else copy.deepcopy(value)
