"""AppState: everything the menu and the icon show, as plain data.

``collect()`` reads it from the running gateway (config, keyring, last
error); the menu (``tray.menu``) turns it into entries without any GUI code,
so every state can be tested on a machine without a display.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from server.secrets import ACCESS_KEY_ENV
from tray import i18n
from tray.i18n import _


@dataclass(frozen=True)
class RouteItem:
    id: str
    label: str  # "Everyday (DeepSeek)"


@dataclass(frozen=True)
class SessionItem:
    """A live Claude Code session (server/sessions.py), for the Sessions submenu."""
    id: str
    label: str                  # "shop · Everyday": its folder and the route that answered
    chosen_route: str | None    # its own route choice, if any


@dataclass(frozen=True)
class ProjectItem:
    """A project folder pinned to a route (server/project_pins.py)."""
    folder: str
    label: str                  # "shop (Careful)"


@dataclass(frozen=True)
class AppState:
    host: str = "127.0.0.1"
    port: int = 3456
    phase: str = "starting"            # starting | running | stopped
    port_taken: bool = False           # another program listens on ``port``
    free_port: int | None = None       # the port we offer instead
    server_error: Any = None           # any other reason the server is not running (a server/said.py sentence)
    routes: tuple[RouteItem, ...] = ()
    active_route: str | None = None
    has_providers: bool = False
    config_error: str | None = None
    keyring_problem: str | None = None  # plain words, from SecretStore.problem()
    missing_keys: tuple[str, ...] = ()  # display names of active providers without a key
    last_error: str | None = None       # the last failed request, in plain words
    last_error_type: str | None = None  # its Anthropic error type (the tray words it by kind)
    key_status: str | None = None       # "OpenAI: key 'work' rate limited, using 'personal'"
    crash: str | None = None            # an unhandled exception somewhere
    access_key_ok: bool = True          # the local key can be read (for the Claude Code items)
    claude_connected: bool = False     # Claude Code's file points at this instance (gateway decides)
    claude_at_taken_port: bool = False  # ... at the taken port, with this instance's key
    autostart: bool | None = None       # None: the OS state cannot be read
    usage_line: str | None = None       # "Today: 1.2 M tokens · $0.84" (issue 15)
    usage_alert: str | None = None      # a spending limit reached, or the history not being saved
    sessions: tuple[SessionItem, ...] = ()   # live Claude Code sessions (issue 16)
    projects: tuple[ProjectItem, ...] = ()   # folders pinned to a route (issue 16)
    language: str = ""                  # the config's "language" (issue 19); "": the OS locale
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def first_run(self) -> bool:
        return not self.has_providers and self.config_error is None

    @property
    def active_label(self) -> str | None:
        for route in self.routes:
            if route.id == self.active_route:
                return route.label
        return None

    def with_(self, **changes: Any) -> "AppState":
        return replace(self, **changes)


def route_label(config: Any, route: Any) -> str:
    """``Everyday (DeepSeek)``: the route's name and its default provider.
    Never nested brackets: a provider's own note ("Ollama (this computer)")
    is left out, and a name that has brackets gets a dot instead
    ("Local (free) · Ollama")."""
    names: list[str] = []
    for target in route.default:
        provider = config.providers.get(target.partition("/")[0])
        name = _bare(provider.display_name if provider else target.partition("/")[0])
        if name and name not in names:
            names.append(name)
    if not names:
        return route.name
    shown = ", ".join(names[:2])
    if "(" in route.name or ")" in route.name:
        return f"{route.name} · {shown}"
    return f"{route.name} ({shown})"


def _bare(name: str) -> str:
    """``Ollama (this computer)`` -> ``Ollama``."""
    head = name.split("(", 1)[0].strip()
    return head or name.replace("(", "").replace(")", "").strip()


def _active_providers(config: Any) -> list[Any]:
    route = config.route
    if route is None:
        return []
    seen: dict[str, Any] = {}
    for target in route.default:
        pid = target.partition("/")[0]
        if pid in config.providers and pid not in seen:
            seen[pid] = config.providers[pid]
    return list(seen.values())


def missing_keys(config: Any, secrets: Any) -> tuple[str, ...]:
    """Providers of the active route whose key reference resolves to nothing."""
    missing = []
    for provider in _active_providers(config):
        if not provider.api_key:
            continue  # keyless (a local server)
        try:
            key = secrets.resolve(provider.api_key, provider.id)
        except Exception:
            continue  # the keyring problem is reported on its own
        if not key:
            missing.append(provider.display_name)
    return tuple(missing)


def collect(gateway: Any, base: AppState, *, claude_connected: Callable[[], bool] | None = None,
            autostart: Callable[[], bool] | None = None) -> AppState:
    """A fresh AppState from the gateway; ``base`` carries what only the tray
    knows (phase, port conflicts, crashes). "Claude Code connected" is the
    gateway's answer (the settings page asks the same one)."""
    if claude_connected is None:
        claude_connected = getattr(gateway, "claude_code_connected", None)
    points_at = getattr(gateway, "claude_code_points_at", None)
    at_taken = (lambda: points_at(f"http://127.0.0.1:{base.port}")) if base.port_taken and points_at else None
    config = gateway.config
    language = _language(config)
    i18n.use(language)  # the labels made here read in the person's language
    secrets = gateway.secrets
    problem = secrets.problem()
    env = getattr(secrets, "_environ", {})
    access_ok = problem is None or bool(env.get(ACCESS_KEY_ENV))
    return base.with_(
        routes=tuple(RouteItem(r.id, route_label(config, r)) for r in config.routes.values()),
        active_route=config.active_route,
        has_providers=bool(config.providers),
        config_error=gateway.config_error,
        keyring_problem=_words(problem),
        missing_keys=missing_keys(config, secrets) if problem is None else (),
        last_error=getattr(gateway, "last_error", None),
        last_error_type=getattr(gateway, "last_error_type", None),
        key_status=_words(getattr(gateway, "key_status", None)),
        access_key_ok=access_ok,
        claude_connected=_safe(claude_connected, False),
        claude_at_taken_port=_safe(at_taken, False),
        autostart=_safe(autostart, None),
        **_usage(gateway),
        sessions=_safe(lambda: session_items(gateway, config), ()),
        projects=_safe(lambda: project_items(gateway, config), ()),
        language=language,
    )


def _words(said: Any) -> str | None:
    """A sentence the server words (server/said.py), in the tray's language."""
    return i18n.said(said) if said is not None else None


def _language(config: Any) -> str:
    value = (getattr(config, "raw", None) or {}).get("language")
    return value if isinstance(value, str) else ""


def _usage(gateway: Any) -> dict[str, Any]:
    """Today's line and any usage alert; no database read (running totals)."""
    from server.usage import service as usage_service

    svc = usage_service.of(gateway)
    if svc is None or not svc.recording:
        return {}
    return {"usage_line": i18n.said(svc.today_line()), "usage_alert": _words(svc.limit_reached() or svc.problem)}


def _folder_name(path: str) -> str:
    return path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or path


def session_items(gateway: Any, config: Any, limit: int = 10) -> tuple[SessionItem, ...]:
    """The most recent live sessions: their folder and the route that answered."""
    out = []
    for s in gateway.sessions.live()[:limit]:
        where = _folder_name(s.cwd) if s.cwd else _("Session {id}").format(id=s.id[:8])
        route = s.chosen_route or s.route
        name = config.routes[route].name if route in config.routes else None
        out.append(SessionItem(s.id, f"{where} · {name}" if name else where, s.chosen_route))
    return tuple(out)


def project_items(gateway: Any, config: Any) -> tuple[ProjectItem, ...]:
    out = []
    for p in gateway.project_pins.listing():
        name = config.routes[p.route].name if p.route in config.routes else p.route
        out.append(ProjectItem(p.folder, f"{_folder_name(p.folder)} ({name})"))
    return tuple(out)


def _safe(fn: Callable[[], Any] | None, default: Any) -> Any:
    if fn is None:
        return default
    try:
        return fn()
    except Exception:
        return default
