"""The running gateway: config, keys, the shared upstream client, providers.

One instance per app. The tray and the settings page change the config
through it (``switch_route``, ``save_config``); a change takes effect on the
next request, and streams in flight keep the provider objects they started
with.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import importlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import httpx

from server import config as config_mod
from server import fileio, network
from server.claude_code import FILE_ERRORS, NOTICES, ClaudeCodeError, ClaudeCodeLink
from server.loop import quiet_gc
from server.config import Config, ConfigChangedOnDisk, ConfigError, ProviderConfig
from server.dispatch import Dispatcher
from server.errors import ApiError, AuthenticationFailed, NotFound, SwitchboardError
from server.key_pool import KeyPool, KeyPools, KeySlot
from server.providers.aiohttp_transport import AiohttpTransport
from server.providers.http import HttpxUpstream
from server.providers.base import Provider
from server.providers.presets import profile_for
from server.said import Said
from server.secrets import KeyringUnavailable, SecretStore
from server.project_pins import PIN_ERRORS, PinnedProject, ProjectPinError, ProjectPins
from server.session_pins import SessionPins
from server.sessions import Sessions
from server.settings import Settings
from server.shared.members import FileMembers, MemberIndex

log = logging.getLogger("switchboard")
T = TypeVar("T")

_PROVIDER_CLASSES = {
    "openai": "server.providers.openai_chat.provider:OpenAIChatProvider",
    "anthropic": "server.providers.anthropic.provider:AnthropicProvider",
    "gemini": "server.providers.gemini.provider:GeminiProvider",
}


def _provider_class(kind: str) -> type[Provider]:
    module, _, name = _PROVIDER_CLASSES[kind].partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class ActivityEntry:
    time: float
    route: str
    provider: str
    model: str
    status: int
    latency_ms: float
    input_tokens: int | None
    output_tokens: int | None
    error: str = ""  # a failure's message in plain words ('' for a success)
    key: str = ""    # which key answered, by name (providers with several keys)


class Gateway:
    def __init__(
        self,
        settings: Settings,
        *,
        secrets: SecretStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        config: Config | None = None,
    ) -> None:
        self.settings = settings
        self.secrets = secrets or SecretStore()
        self._transport = transport
        self._lock = threading.Lock()
        # One save at a time (saves run in worker threads): read, edit, write.
        self._save_lock = threading.RLock()
        self.config_error: str | None = None
        path = settings.config_path
        # A kill -9 mid-save leaves an empty temp file next to the config.
        fileio.remove_stale_temps(path)
        # The file as it was when the running config was read: a save that
        # finds something else there re-reads it first (hand edits).
        self._file_stamp: config_mod.FileStamp | None = None
        if config is None:
            try:
                config, self._file_stamp = config_mod.load_stamped(path)
            except ConfigError as exc:
                # Serve (answering with a clear error) rather than crash; the
                # tray and settings page show this message.
                self.config_error = str(exc)
                log.error("config: %s", exc)
                config = Config()
                self._file_stamp = self._stamp_or_none()
        else:
            self._file_stamp = self._stamp_or_none()
        self._config = config
        self._providers: dict[str, Provider] = {}
        self._access_key: str | None = None
        self._clients: dict[tuple[Any, ...], tuple[httpx.AsyncClient, AiohttpTransport | None]] = {}
        self.activity: collections.deque[ActivityEntry] = collections.deque(maxlen=200)
        self.listeners: list[Callable[[str], None]] = []
        self.dispatcher = Dispatcher()
        self.pins = SessionPins()
        # Live Claude Code sessions and their own route choices.
        self.sessions = Sessions(on_new=lambda: self._notify("sessions"))
        self.keys = KeyPools()  # several keys per provider (server/key_pool.py)
        # Member keys (server/shared/members.py) and, in team mode or with
        # members, the shared state (None on the desktop: no per-request cost).
        files = FileMembers(settings.home) if not settings.redis_url else None
        self.members = MemberIndex(lambda: files.secret() if files else None, files)
        self.shared: Any = None
        self.metrics: Any = None
        self.stopping = False
        if settings.metrics_token:
            from server.metrics import Metrics

            self.metrics = Metrics(lambda: [(str(t), int(self.dispatcher.is_open(t)))
                                            for t in list(self.dispatcher.breakers)])
        # The latest request failure in plain words, for the tray's status line.
        self.last_error: str | None = None
        self.last_error_type: str | None = None  # its Anthropic error type
        # A resting key of a provider with several, for the tray (server/key_pool.py).
        self.key_status: Said | None = None
        # Where this instance serves (set when the server starts listening)
        # and Claude Code's settings file: the one owner of "connected".
        self.serving_host: str | None = None  # the bind address (0.0.0.0 reaches other computers)
        self.serving_port: int | None = None
        self.claude_code = ClaudeCodeLink(settings.home / "claude-code")
        self.claude_code_notice: Said | None = None
        # Project folders pinned to a route (their .claude/settings.local.json).
        self.project_pins = ProjectPins(settings.home / "project-pins")

    # -- lifecycle -------------------------------------------------------------
    async def startup(self) -> None:
        quiet_gc()  # everything is imported and built by now
        if self.settings.redis_url or not self.members.empty:
            await self.start_shared()

    async def start_shared(self) -> Any:
        """The shared state (team mode, or member keys on one machine); made
        on first need: a members file may appear while the server runs."""
        if self.shared is None:
            from server.shared.state import SharedState
            from server.shared.store import RedisStore

            store = (RedisStore(self.settings.redis_url, timeout=self.settings.redis_timeout)
                     if self.settings.redis_url else None)
            self.shared = SharedState(store, self.dispatcher, self.pins, self.members,
                                      activity=self.activity, entry_type=ActivityEntry)
            await self.shared.start()
        return self.shared

    async def shutdown(self) -> None:
        if self.shared is not None:
            await self.shared.stop()
        paths, self._clients = list(self._clients.values()), {}
        for client, _ in paths:
            await client.aclose()  # closes its transport (and aiohttp session) too

    def client_for(self, pconf: ProviderConfig) -> httpx.AsyncClient:
        """A pooled client per distinct network path (proxy, CA, timeouts).

        Proxies and trust are decided here once per provider (server/network.py),
        not by httpx from the environment on every request.
        """
        return self._path_for(pconf)[0]

    def upstream_for(self, pconf: ProviderConfig) -> Any:
        """What providers POST through: aiohttp directly when the path is
        direct, else the httpx client (proxies, injected test transports)."""
        client, direct = self._path_for(pconf)
        return direct if direct is not None else HttpxUpstream(client)

    def _path_for(self, pconf: ProviderConfig) -> tuple[httpx.AsyncClient, AiohttpTransport | None]:
        net = pconf.network
        proxy = network.proxy_for(pconf.base_url, net, os.environ)
        if proxy:
            proxy = network.with_credentials(proxy, self._proxy_password)
        key = (proxy, net.ca_file, net.connect, net.first_byte, net.idle)
        cached = self._clients.get(key)
        if cached is None:
            ctx = network.ssl_context(net.ca_file)
            transport = self._transport
            direct = None
            read_timeout = max(net.first_byte, net.idle, 600.0)
            if transport is None and proxy is None:
                # Direct requests: aiohttp's C parser (providers/aiohttp_transport.py).
                direct = transport = AiohttpTransport(ssl_context=ctx, connect=net.connect, read=read_timeout)
            client = httpx.AsyncClient(
                transport=transport,
                proxy=None if transport is not None else proxy,
                verify=ctx,
                # The per-read timeout is a backstop: first byte and idle
                # silence are enforced by the providers (providers/http.py).
                timeout=httpx.Timeout(read_timeout, connect=net.connect),
                limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
                follow_redirects=False,
                trust_env=False,
            )
            cached = self._clients[key] = (client, direct)
        return cached

    def _proxy_password(self, entry: str) -> str | None:
        try:
            return self.secrets.get(entry)
        except KeyringUnavailable:
            return None

    def proxy_description(self, pconf: ProviderConfig) -> str:
        return network.describe_path(network.proxy_for(pconf.base_url, pconf.network, os.environ))

    # -- config ----------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self._config

    def request_config(self) -> Config:
        """The config requests are routed with; while the settings file is
        broken every request is answered with that problem (which file,
        which field), not a misleading "no provider named …"."""
        problem = self.config_error
        if problem is not None:
            raise ApiError(f"Switchboard's settings file has a problem: {self.settings.config_path}: {problem}. "
                           "Fix the file (or open Switchboard's settings), then try again.")
        return self._config

    def set_config(self, config: Config, *, notify: bool = True) -> None:
        with self._lock:
            self._config = config
            self._providers = {}
            self.config_error = None
        self.keys.forget_refused()  # a refused key may have just been replaced
        if notify:
            self._notify("config")

    @property
    def backup_dir(self) -> Path:
        return self.settings.home / "backups"

    def save_config(self, data: dict[str, Any]) -> Config:
        """Validate and write ``data`` (a changed copy of ``config.raw``).

        When the file was edited by hand since it was read, the change from
        ``config.raw`` to ``data`` is merged onto the file's new content
        (config.merge), so the person's edit stays. Blocking: call it from a
        worker thread when on the event loop.
        """
        with self._save_lock:
            base = self._config.raw
            fresh = self._reload_if_changed()
            with self._adopted(fresh):
                if fresh is not None:
                    data = config_mod.merge(base, data, fresh.raw)
                return self._write(data)

    def update_config(self, edit: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``edit`` to a copy of the file's current content and save.

        ``edit`` changes the dict in place (and may raise to cancel); it runs
        on the file as it is on disk now, hand edits included, so nothing the
        person wrote is dropped. Returns what ``edit`` returned. Blocking.
        """
        with self._save_lock:
            fresh = self._reload_if_changed()
            with self._adopted(fresh):
                data = copy.deepcopy((fresh or self._config).raw)
                result = edit(data)
                self._write(data)
            return result

    @contextlib.contextmanager
    def _adopted(self, fresh: Config | None) -> Iterator[None]:
        """A save after a hand edit tells the listeners once (the write
        does); if it fails, they still hear of the hand edit adopted."""
        try:
            yield
        except BaseException:
            if fresh is not None:
                self._notify("config")
            raise

    def _stamp_or_none(self) -> config_mod.FileStamp | None:
        try:
            return config_mod.stamp(self.settings.config_path)
        except ConfigError:
            return None

    def _reload_if_changed(self) -> Config | None:
        """The file's config when it changed since it was read (None when
        not); ConfigError, naming the file and the problem, when the new
        content is invalid: then nothing may be written over it."""
        path = self.settings.config_path
        data, now = config_mod.read_stamped(path)
        if now is None:
            return None  # deleted by hand: the running config is the truth
        changed = not now.same_content(self._file_stamp)
        if not changed and self.config_error is None:
            return None
        # Changed by hand, or invalid since start (then the running config is
        # empty, and writing it would drop the whole file).
        try:
            fresh = config_mod.decode(path, data or b"")
        except ConfigError as exc:
            how = "was changed outside Switchboard and now has a problem" if changed else "has a problem"
            raise ConfigChangedOnDisk(
                f"{path} {how}: {exc}. Nothing was saved, so the file is kept as it is: "
                "fix it (or undo the edit) and save again.", path=str(path), problem=str(exc)
            ) from None
        log.info("config: %s was edited by hand; re-read it before saving", path.name)
        self._file_stamp = now
        self.set_config(fresh, notify=False)  # the caller's write (or _adopted) tells the listeners
        return fresh

    def _write(self, data: dict[str, Any]) -> Config:
        config, written = config_mod.save(self.settings.config_path, data, backup_dir=self.backup_dir)
        self._file_stamp = written
        self.set_config(config)
        return config

    def switch_route(self, route_id: str) -> None:
        def edit(data: dict[str, Any]) -> None:
            if route_id not in (data.get("routes") or {}):
                raise NotFound(f"no route named {route_id!r}")
            data["active_route"] = route_id

        self.update_config(edit)

    def announce_stopping(self) -> None:
        """The server is about to stop: long-lived page streams end at once
        instead of holding up the exit for the graceful timeout; /ready
        says 503 from now on (a load balancer sends no more)."""
        self.stopping = True
        self._notify("stopping")

    def move_session(self, session_id: str, route_id: str | None) -> bool:
        """Send one Claude Code session's next requests to ``route_id`` (None:
        back to its route address or the active route); False when no such
        live session. Other sessions are untouched (server/sessions.py)."""
        if route_id is not None and route_id not in self._config.routes:
            raise NotFound(f"no route named {route_id!r}")
        moved = self.sessions.choose(session_id, route_id)
        if moved:
            self._notify("sessions")
        return moved

    def _notify(self, what: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(what)
            except Exception:  # a listener's bug must not break the server
                log.exception("listener failed")

    # -- auth ------------------------------------------------------------------
    def access_key(self) -> str:
        if self._access_key is None:
            try:
                self._access_key = self.secrets.access_key()
            except KeyringUnavailable as exc:
                raise AuthenticationFailed(
                    "Switchboard cannot read its access key from the system keyring "
                    f"({exc}); set SWITCHBOARD_API_KEY"
                ) from None
        return self._access_key

    def reset_access_key(self) -> None:
        self._access_key = None

    # -- providers -------------------------------------------------------------
    def provider(self, provider_id: str, slot: KeySlot | None = None) -> Provider:
        """The provider object for ``provider_id``, with its first key or
        with the pool key ``slot``."""
        # Provider ids have no NUL: one cache for both kinds.
        name = provider_id if slot is None else f"{provider_id}\0{slot.ref}"
        cached = self._providers.get(name)
        if cached is not None:
            return cached
        pconf = self._config.providers.get(provider_id)
        if pconf is None:
            raise NotFound(f"model: no provider named {provider_id!r} is configured")
        provider = self._build(pconf, slot.ref if slot else pconf.api_key, slot)
        self._providers[name] = provider
        return provider

    def key_pool(self, target: Any) -> KeyPool | None:
        """The key pool of ``target``'s provider (None for one key or none)."""
        pconf = self._config.providers.get(target.provider_id)
        return self.keys.pool(pconf) if pconf is not None else None

    def _build(self, pconf: ProviderConfig, ref: str | None = None, slot: KeySlot | None = None) -> Provider:
        ref = pconf.api_key if ref is None else ref
        which = f" (key '{slot.name}')" if slot is not None else ""
        try:
            key = self.secrets.resolve(ref, pconf.id)
        except KeyringUnavailable as exc:
            raise AuthenticationFailed(f"{pconf.display_name}{which}: {exc}") from None
        if ref and not key:
            raise AuthenticationFailed(
                f"{pconf.display_name}: no API key is set{which} (open Switchboard's settings to add it)"
            )
        return self.build_provider(pconf, key)

    def build_provider(self, pconf: ProviderConfig, key: str | None) -> Provider:
        """A provider object for ``pconf`` with ``key``, not cached: the
        settings page tests drafts (a pasted key, an unsaved URL) with it."""
        try:
            client = self.upstream_for(pconf)
        except network.NetworkConfigError as exc:
            raise ApiError(f"{pconf.display_name}: {exc}") from None
        cls = _provider_class(pconf.type)
        return cls(pconf.id, pconf, client, key, profile_for(pconf.profile, pconf.base_url))

    def record(self, entry: ActivityEntry) -> None:
        self.activity.append(entry)
        if self.shared is not None:
            self.shared.note_activity(entry)

    def note_failure(self, error: Exception) -> None:
        message = getattr(error, "message", None) or type(error).__name__
        changed = message != self.last_error
        self.last_error = message
        self.last_error_type = getattr(error, "error_type", None) or "api_error"
        if changed:
            self._notify("status")

    def note_success(self) -> None:
        # While a key rests the tray says so: "OpenAI: key 'work' rate limited, using 'personal'".
        text = self.keys.status_text()
        if self.last_error is not None or self.key_status != text:
            self.last_error = self.last_error_type = None
            self.key_status = text
            self._notify("status")

    # -- serving address and Claude Code -----------------------------------------
    @property
    def serving_url(self) -> str | None:
        """The address clients on this computer use (None until serving)."""
        if self.serving_host is None or self.serving_port is None:
            return None
        return serving_url(self.serving_host, self.serving_port)

    def set_serving_address(self, host: str, port: int) -> None:
        """The server listens on ``host:port`` now. If Claude Code was
        connected to this Switchboard at its previous address, it follows."""
        self.serving_host, self.serving_port = host, port
        url = serving_url(host, port)
        key = self._access_key_or_none()
        moved = False
        if key is not None:
            try:
                moved = self.claude_code.follow(url, key)
            except (ClaudeCodeError, OSError) as exc:
                log.warning("claude code: could not move its settings to %s: %s", url,
                            getattr(exc, "strerror", None) or exc)
        if key is not None:
            self._follow_projects(url, key)
        if moved:
            self.claude_code_notice = NOTICES("claude.movedPort", port=str(port))
            log.warning("%s", self.claude_code_notice)  # the terminal of `python -m server` shows it
            self._notify("claude_code_moved")
        self._notify("address")

    def _access_key_or_none(self) -> str | None:
        try:
            return self.access_key()
        except SwitchboardError:
            return None

    def claude_code_connected(self) -> bool:
        """Claude Code's file points at this instance's address and key."""
        return self.claude_code.connected(self.serving_url, self._access_key_or_none())

    def claude_code_points_at(self, url: str) -> bool:
        """Claude Code is set to send this instance's key to ``url`` (for the
        port-taken warning: another program would receive it)."""
        return self.claude_code.available() and self.claude_code.points_at(url, self._access_key_or_none())

    def connect_claude_code(self, base_url: str | None = None) -> None:
        url = base_url or self.serving_url
        if url is None:
            raise ClaudeCodeError(FILE_ERRORS("claudeError.notServing"))
        self.claude_code.connect(url, self.access_key())
        self.claude_code_notice = None
        self._notify("claude_code")

    def disconnect_claude_code(self) -> None:
        self.claude_code.disconnect(self._access_key_or_none())
        self.claude_code_notice = None
        self._notify("claude_code")

    # -- project folders pinned to a route (server/project_pins.py) ----------------
    def pin_project(self, folder: str, route_id: str) -> PinnedProject:
        if route_id not in self._config.routes:
            raise ProjectPinError(PIN_ERRORS("pinError.noRoute", route=route_id))
        if self.serving_url is None:
            raise ProjectPinError(PIN_ERRORS("pinError.notServing"))
        pinned = self.project_pins.pin(folder, route_id, self.serving_url, self.access_key())
        self._notify("projects")
        return pinned

    def unpin_project(self, folder: str) -> None:
        self.project_pins.unpin(folder)
        self._notify("projects")

    def follow_projects(self) -> list[str]:
        """After the access key changed: pinned projects get the new one."""
        key = self._access_key_or_none()
        if key is None or self.serving_url is None:
            return []
        return self._follow_projects(self.serving_url, key)

    def _follow_projects(self, url: str, key: str) -> list[str]:
        try:
            moved = self.project_pins.follow(url, key)
        except OSError as exc:
            log.warning("project pins: could not update pinned projects: %s", exc.strerror or exc)
            return []
        if moved:
            self._notify("projects")
        return moved


def serving_url(host: str, port: int) -> str:
    """The address clients on this computer use: loopback for a wildcard bind."""
    if host in ("", "0.0.0.0", "127.0.0.1", "localhost", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
