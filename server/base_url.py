"""When two provider base URLs are the same place: the rule behind "a stored
key only goes to the URL it was saved with" (the settings page and the
importers both ask)."""
from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_identity(url: str) -> tuple[str, str, int | None, str] | None:
    """What makes two base URLs the same place: scheme, host, port (the
    scheme's default filled in) and path without a trailing slash. None for
    something that is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme], parts.path.rstrip("/")


def host_of(url: str) -> str:
    """The "host:port" part of a URL, as a person would name the server."""
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


def same_base_url(a: str, b: str) -> bool:
    ia = url_identity(a)
    return ia is not None and ia == url_identity(b)
