"""Connect/disconnect Claude Code through tray/claude_code.py, if present.

The tray package owns ``~/.claude/settings.json``; this page only calls its
module-level functions::

    connect(base_url, api_key) -> backup path | None
    disconnect() -> None
    is_connected(*, base_url=None) -> bool

The module is imported lazily: without it (a headless build) the page hides
the Connect button and shows the two values to paste instead.
"""
from __future__ import annotations

import importlib
from types import ModuleType

MODULE = "tray.claude_code"


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


def connected(base_url: str) -> bool | None:
    """Whether Claude Code points at this Switchboard (None: cannot tell)."""
    mod = module()
    check = getattr(mod, "is_connected", None) if mod else None
    if not callable(check):
        return None
    try:
        return bool(check(base_url=base_url))
    except Exception:
        return None


def connect(base_url: str, key: str) -> None:
    mod = module()
    if mod is None:
        raise RuntimeError("Claude Code support is not part of this build")
    mod.connect(base_url, key)


def disconnect() -> None:
    mod = module()
    if mod is None:
        raise RuntimeError("Claude Code support is not part of this build")
    mod.disconnect()
