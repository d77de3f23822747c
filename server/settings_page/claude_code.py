"""Connect/disconnect Claude Code through tray/claude_code.py, if it exists.

The tray package owns ``~/.claude/settings.json``; this page only calls it.
The module is imported lazily: without it (headless server) the page hides
the Connect button and shows the values to paste instead.

Expected contract (tray/claude_code.py):
    connect(base_url: str, api_key: str) -> None     # writes ~/.claude/settings.json
    disconnect() -> None
    is_connected() -> bool                           # optional
Keyword names are matched leniently (base_url/url, api_key/access_key/key/token).
"""
from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

MODULE = "tray.claude_code"
_URL_NAMES = ("base_url", "url", "server_url")
_KEY_NAMES = ("api_key", "access_key", "key", "token", "auth_token")


def module() -> ModuleType | None:
    try:
        mod = importlib.import_module(MODULE)
    except Exception:  # ImportError, or a GUI dependency missing on a headless box
        return None
    if callable(getattr(mod, "connect", None)) and callable(getattr(mod, "disconnect", None)):
        return mod
    return None


def available() -> bool:
    return module() is not None


def connected() -> bool | None:
    mod = module()
    check = getattr(mod, "is_connected", None) if mod else None
    if not callable(check):
        return None
    try:
        return bool(check())
    except Exception:
        return None


def _call_connect(fn: Any, base_url: str, key: str) -> None:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        fn(base_url, key)
        return
    kwargs: dict[str, Any] = {}
    for name in params:
        if name in _URL_NAMES:
            kwargs[name] = base_url
        elif name in _KEY_NAMES:
            kwargs[name] = key
    if len(kwargs) == 2:
        fn(**kwargs)
    else:
        fn(base_url, key)


def connect(base_url: str, key: str) -> None:
    mod = module()
    if mod is None:
        raise RuntimeError("unavailable")
    _call_connect(mod.connect, base_url, key)


def disconnect() -> None:
    mod = module()
    if mod is None:
        raise RuntimeError("unavailable")
    mod.disconnect()
