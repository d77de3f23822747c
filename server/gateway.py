"""The running gateway: config, keys, the shared upstream client, providers.

One instance per app. The tray and the settings page change the config
through it (``switch_route``, ``save_config``); a change takes effect on the
next request, and streams in flight keep the provider objects they started
with.
"""
from __future__ import annotations

import collections
import gc
import importlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from server import config as config_mod
from server import network
from server.config import Config, ConfigError, ProviderConfig
from server.dispatch import Dispatcher
from server.errors import ApiError, AuthenticationFailed, NotFound
from server.providers.aiohttp_transport import AiohttpTransport
from server.providers.http import HttpxUpstream
from server.providers.base import Provider
from server.providers.presets import profile_for
from server.secrets import KeyringUnavailable, SecretStore
from server.settings import Settings

log = logging.getLogger("switchboard")

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
        self.config_error: str | None = None
        if config is None:
            try:
                config = config_mod.load(settings.config_path)
            except ConfigError as exc:
                # Serve (answering with a clear error) rather than crash; the
                # tray and settings page show this message.
                self.config_error = str(exc)
                log.error("config: %s", exc)
                config = Config()
        self._config = config
        self._providers: dict[str, Provider] = {}
        self._access_key: str | None = None
        self._clients: dict[tuple[Any, ...], tuple[httpx.AsyncClient, AiohttpTransport | None]] = {}
        self.activity: collections.deque[ActivityEntry] = collections.deque(maxlen=200)
        self.listeners: list[Callable[[str], None]] = []
        self.dispatcher = Dispatcher()
        # The latest request failure in plain words, for the tray's status line.
        self.last_error: str | None = None

    # -- lifecycle -------------------------------------------------------------
    async def startup(self) -> None:
        # Move everything imported and built so far out of the collector's
        # sight: a full collection otherwise walks ~200k long-lived objects
        # (Quart, aiohttp, ...) and stalls every stream for tens of ms.
        gc.collect()
        gc.freeze()

    async def shutdown(self) -> None:
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

    def set_config(self, config: Config) -> None:
        with self._lock:
            self._config = config
            self._providers = {}
            self.config_error = None
        self._notify("config")

    def save_config(self, data: dict[str, Any]) -> Config:
        config = config_mod.save(self.settings.config_path, data)
        self.set_config(config)
        return config

    def switch_route(self, route_id: str) -> None:
        if route_id not in self._config.routes:
            raise NotFound(f"no route named {route_id!r}")
        data = dict(self._config.raw)
        data["active_route"] = route_id
        self.save_config(data)

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
    def provider(self, provider_id: str) -> Provider:
        cached = self._providers.get(provider_id)
        if cached is not None:
            return cached
        pconf = self._config.providers.get(provider_id)
        if pconf is None:
            raise NotFound(f"model: no provider named {provider_id!r} is configured")
        provider = self._build(pconf)
        self._providers[provider_id] = provider
        return provider

    def _build(self, pconf: ProviderConfig) -> Provider:
        try:
            key = self.secrets.resolve(pconf.api_key, pconf.id)
        except KeyringUnavailable as exc:
            raise AuthenticationFailed(f"{pconf.display_name}: {exc}") from None
        if pconf.api_key and not key:
            raise AuthenticationFailed(
                f"{pconf.display_name}: no API key is set (open Switchboard's settings to add it)"
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

    def note_failure(self, error: Exception) -> None:
        message = getattr(error, "message", None) or type(error).__name__
        changed = message != self.last_error
        self.last_error = message
        if changed:
            self._notify("status")

    def note_success(self) -> None:
        if self.last_error is not None:
            self.last_error = None
            self._notify("status")

