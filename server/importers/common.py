"""Small pure helpers the readers share: key references, URLs, model lists."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from server.importers.model import SourceProvider
from server.providers.presets import guess_preset

_WHOLE_ENV_REF = re.compile(r"\s*(?:\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*))\s*")


def env_ref(value: str) -> str:
    """The variable name when ``value`` is exactly ``$VAR`` or ``${VAR}``, else ''."""
    m = _WHOLE_ENV_REF.fullmatch(value)
    return (m.group(1) or m.group(2)) if m else ""


def set_key(provider: SourceProvider, raw: Any) -> None:
    """A key as the source holds it: ``$VAR`` -> env:VAR, text -> the keyring."""
    if not isinstance(raw, str) or not raw.strip():
        return
    var = env_ref(raw)
    if var:
        provider.key_env = var
    else:
        provider.key = raw.strip()


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def http_url(value: str) -> str | None:
    """``value`` without query, fragment or user info, when it is an http(s) URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path.rstrip("/"), "", ""))


def strip_suffix(url: str, *suffixes: str) -> str:
    for s in suffixes:
        if url.endswith(s):
            return url[: -len(s)]
    return url


def profile_for(ptype: str, base_url: str) -> str:
    """The preset recognised by the URL's host, when it is one of ours."""
    p = guess_preset(base_url)
    return str(p["id"]) if p else ""


def add_model(models: list[str], model: Any) -> None:
    m = text(model)
    if m and m not in models:
        models.append(m)


def sanitize_id(name: str) -> str:
    """A provider or route id from a name (as claude-code-router 2's import
    makes them, so both versions' imports find each other's entries)."""
    pid = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip())
    pid = re.sub(r"-{2,}", "-", pid).lstrip("_.-")[:64].rstrip("-")
    return pid or "provider"


def with_suffix(base: str, suffix: str) -> str:
    return base[: 64 - len(suffix)] + suffix
