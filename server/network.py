"""How Switchboard reaches a provider: proxy, TLS trust, timeouts (issue 10).

Settings come from the config's ``network`` section, overridable per
provider::

    "network": {"proxy": "system" | "none" | "http://host:port" | "socks5://user@host:port",
                "ca_file": "/path/to/corporate-root.pem",
                "timeouts": {"connect": 10, "first_byte": 120, "idle": 180}}

* ``system`` (default) follows the OS proxy settings as Python's
  ``urllib.request.getproxies()`` reads them (environment variables
  everywhere, plus the registry on Windows and System Configuration on
  macOS) and their bypass list.
* Local addresses (127.0.0.0/8, ::1, ``localhost``) and hosts in
  ``NO_PROXY`` always go direct, whatever the setting: a local Ollama must
  never be sent to a corporate proxy.
* A proxy password is never written in the config: a proxy URL with a user
  name and no password takes it from the keyring entry ``proxy:<host>:<port>``.
* TLS is verified against the OS trust store (``truststore``), so corporate
  root certificates work; certifi's bundle is the fallback. ``ca_file`` adds
  a CA for one provider. There is no option to turn verification off.
"""
from __future__ import annotations

import ipaddress
import ssl
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

DEFAULT_TIMEOUTS = {"connect": 10.0, "first_byte": 120.0, "idle": 180.0}
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class NetworkConfigError(ValueError):
    pass


@dataclass(frozen=True)
class NetworkSettings:
    proxy: str = "system"                 # "system", "none" or a URL
    ca_file: str = ""
    connect: float = DEFAULT_TIMEOUTS["connect"]
    first_byte: float = DEFAULT_TIMEOUTS["first_byte"]
    idle: float = DEFAULT_TIMEOUTS["idle"]


def parse_network(raw: Any, where: str, base: NetworkSettings | None = None) -> NetworkSettings:
    """Validate a ``network`` object, layered over ``base`` (the global one)."""
    base = base or NetworkSettings()
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise NetworkConfigError(f"{where}: must be an object")
    proxy = raw.get("proxy", base.proxy)
    if not isinstance(proxy, str) or not proxy:
        raise NetworkConfigError(f"{where}.proxy: must be \"system\", \"none\" or a proxy URL")
    if proxy not in ("system", "none"):
        try:
            parts = urlsplit(proxy)
            _ = parts.port  # raises on a port that is not a number
        except ValueError:
            raise NetworkConfigError(f"{where}.proxy: {proxy!r} is not a valid proxy URL") from None
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
            raise NetworkConfigError(f"{where}.proxy: use http://, https:// or socks5:// with a host, as in http://127.0.0.1:7890")
        if parts.password:
            raise NetworkConfigError(f"{where}.proxy: keep the password out of the file; "
                                     "Switchboard reads it from the keyring")
    ca_file = raw.get("ca_file", base.ca_file)
    if not isinstance(ca_file, str):
        raise NetworkConfigError(f"{where}.ca_file: must be a file path")
    timeouts = raw.get("timeouts", {})
    if not isinstance(timeouts, dict):
        raise NetworkConfigError(f"{where}.timeouts: must be an object")
    values = {}
    for name in DEFAULT_TIMEOUTS:
        value = timeouts.get(name, getattr(base, name))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
            raise NetworkConfigError(f"{where}.timeouts.{name}: must be a number of seconds from 0 to 3600")
        values[name] = float(value)
    unknown = set(timeouts) - set(DEFAULT_TIMEOUTS)
    if unknown:
        raise NetworkConfigError(f"{where}.timeouts: unknown setting {sorted(unknown)[0]!r}")
    return NetworkSettings(proxy=proxy, ca_file=ca_file, **values)


def is_local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_proxy_match(host: str, environ: Mapping[str, str]) -> bool:
    raw = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    for entry in (e.strip().lower() for e in raw.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        entry = entry.lstrip(".")
        if host == entry or host.endswith("." + entry):
            return True
    return False


def proxy_for(url: str, settings: NetworkSettings, environ: Mapping[str, str],
              system_proxies: Callable[[], dict[str, str]] = urllib.request.getproxies,
              system_bypass: Callable[[str], Any] = urllib.request.proxy_bypass) -> str | None:
    """The proxy URL for requests to ``url`` (without credentials), or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if settings.proxy == "none" or is_local(host) or _no_proxy_match(host, environ):
        return None
    if settings.proxy != "system":
        return settings.proxy
    proxies = system_proxies()
    if system_bypass(host):
        return None
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    return proxy or None


def with_credentials(proxy: str, password_lookup: Callable[[str], str | None]) -> str:
    """Put the keyring's password into a proxy URL that names a user."""
    try:
        parts = urlsplit(proxy)
        port = parts.port or (1080 if parts.scheme.startswith("socks") else 8080)
    except ValueError:
        return proxy
    if not parts.username or parts.password is not None:
        return proxy
    password = password_lookup(f"proxy:{parts.hostname}:{port}")
    if not password:
        return proxy
    from urllib.parse import quote

    netloc = f"{parts.username}:{quote(password, safe='')}@{parts.hostname}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def describe_path(proxy: str | None) -> str:
    """Plain words for the settings page: which way a request goes."""
    if proxy is None:
        return "direct"
    parts = urlsplit(proxy)
    return f"via proxy {parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")


def ssl_context(ca_file: str = "") -> ssl.SSLContext:
    """The OS trust store (truststore), certifi as fallback, plus ``ca_file``."""
    try:
        import truststore

        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception:  # truststore missing or unsupported here
        import certifi

        ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        _load_ca(ctx, ca_file)
    return ctx


def _load_ca(ctx: ssl.SSLContext, ca_file: str) -> None:
    try:
        ctx.load_verify_locations(cafile=ca_file)
    except (ssl.SSLError, ValueError):  # before OSError: SSLError is one
        raise NetworkConfigError(f"ca_file: {ca_file} is not a certificate bundle "
                                 "(expected PEM certificates, -----BEGIN CERTIFICATE-----)") from None
    except FileNotFoundError:
        raise NetworkConfigError(f"ca_file: {ca_file} does not exist; "
                                 "fix the path in Settings → Network or remove it") from None
    except OSError as exc:
        raise NetworkConfigError(f"ca_file: cannot read {ca_file} ({exc.strerror or type(exc).__name__}); "
                                 "check the file's permissions") from None


def check_ca_file(ca_file: str) -> None:
    """Load ``ca_file`` into a throw-away context: NetworkConfigError, in
    plain words, when it is missing, unreadable or not a certificate bundle.
    Blocking (reads the file)."""
    _load_ca(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ca_file)
