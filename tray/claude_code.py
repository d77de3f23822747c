"""Connect Claude Code: two keys in the ``env`` block of ~/.claude/settings.json.

``connect`` first copies the file to ``settings.json.switchboard-backup-<time>``,
records the previous values of ``ANTHROPIC_BASE_URL`` and
``ANTHROPIC_AUTH_TOKEN`` (or their absence) in
``settings.json.switchboard-restore``, then sets both. ``disconnect`` puts the
previous values back (removing keys that were absent) and deletes the record.
Every other key of the file is left as it was; a file that is not valid JSON
is never overwritten. The home folder is injectable for tests.

The settings page calls the module-level functions too
(server/settings_page/claude_code.py).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from server.fileio import atomic_write_json

KEYS = ("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN")


class ClaudeCodeError(RuntimeError):
    """A plain-words reason Claude Code's settings could not be changed."""


def settings_path(home: Path | None = None) -> Path:
    return (Path(home) if home else Path.home()) / ".claude" / "settings.json"


def _restore_path(path: Path) -> Path:
    return path.with_name(path.name + ".switchboard-restore")


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ClaudeCodeError(f"cannot read {path}: {exc.strerror}") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClaudeCodeError(
            f"{path} is not valid JSON (line {exc.lineno}); Switchboard left it unchanged") from None
    if not isinstance(data, dict):
        raise ClaudeCodeError(f"{path} does not hold a JSON object; Switchboard left it unchanged")
    env = data.get("env")
    if env is not None and not isinstance(env, dict):
        raise ClaudeCodeError(f"the \"env\" entry of {path} is not an object; Switchboard left it unchanged")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    atomic_write_json(path, data)  # 0600: it holds the local access key


def _backup(path: Path) -> Path | None:
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.switchboard-backup-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.switchboard-backup-{stamp}-{n}")
        n += 1
    backup.write_bytes(path.read_bytes())
    try:
        os.chmod(backup, 0o600)
    except OSError:
        pass
    return backup


def connect(base_url: str, api_key: str, *, home: Path | None = None) -> Path | None:
    """Point Claude Code at Switchboard; return the backup's path (None if
    there was no file before)."""
    path = settings_path(home)
    data = _read(path)
    env = dict(data.get("env") or {})
    record_path = _restore_path(path)
    if not record_path.exists():
        # The first connect remembers what was there; a second connect
        # (a new port or key) keeps that original record.
        previous = {k: {"present": k in env, "value": env.get(k)} for k in KEYS}
        _write(record_path, {"previous": previous, "env_existed": "env" in data})
    backup = _backup(path)
    env["ANTHROPIC_BASE_URL"] = base_url
    env["ANTHROPIC_AUTH_TOKEN"] = api_key
    data["env"] = env
    _write(path, data)
    return backup


def disconnect(*, home: Path | None = None) -> None:
    """Restore the values ``connect`` replaced; remove keys that were absent."""
    path = settings_path(home)
    record_path = _restore_path(path)
    try:
        saved = json.loads(record_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    record = saved.get("previous") or {}
    data = _read(path)
    if "env" not in data:
        record_path.unlink(missing_ok=True)
        return
    env = dict(data["env"])
    for key in KEYS:
        prev = record.get(key) or {"present": False}
        if prev.get("present"):
            env[key] = prev.get("value")
        else:
            env.pop(key, None)
    if env or saved.get("env_existed", True):
        data["env"] = env
    else:
        del data["env"]  # connect created the block; leave no empty trace
    _backup(path)
    _write(path, data)
    record_path.unlink(missing_ok=True)


def is_connected(*, home: Path | None = None, base_url: str | None = None) -> bool:
    """True when settings.json points Claude Code at a Switchboard (at
    ``base_url`` when given, else at any 127.0.0.1/localhost address that
    Switchboard recorded)."""
    try:
        env = _read(settings_path(home)).get("env") or {}
    except ClaudeCodeError:
        return False
    url = env.get("ANTHROPIC_BASE_URL")
    if not url or not env.get("ANTHROPIC_AUTH_TOKEN"):
        return False
    if base_url is not None:
        return url.rstrip("/") == base_url.rstrip("/")
    return _restore_path(settings_path(home)).exists()
