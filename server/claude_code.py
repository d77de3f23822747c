"""Claude Code's settings file, owned by the server: two keys in the ``env``
block of ``~/.claude/settings.json``.

The gateway is the one owner of "Claude Code is connected" (``Gateway.
claude_code_*``); the tray and the settings page ask it, so they always agree.
Connected means the file's ``ANTHROPIC_BASE_URL`` is this instance's serving
address *and* its ``ANTHROPIC_AUTH_TOKEN`` is this instance's access key.

Files, all 0600 in a 0700 folder in Switchboard's own folder (``store``,
``<SWITCHBOARD_HOME>/claude-code``), never next to Claude Code's file:

* ``restore.json``: the values ``connect`` replaced (or their absence) and
  the address Switchboard last wrote (``written_url``), so a moved server
  can tell "Claude Code points at *me*" from "at some other program".
* ``backups/settings.json.<time>``: a copy of the file before each change.
  ``disconnect`` removes Switchboard's access key from every backup (they
  are no longer needed for it), and moves backups that older versions left
  in ``~/.claude`` here.

Every other key of the file is left as it was; a file that is not valid JSON
is never overwritten. The home folder (``home``) is injectable for tests.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

from server.fileio import PRIVATE_FILE_MODE, atomic_write_json, own_private_dir, unique_path
from server.said import Telling, Words

log = logging.getLogger("switchboard")

# Told in the tray (in the person's language, server/said.py) and logged
# when Claude Code followed Switchboard to a new port; the settings page
# says it with its own words (claude.moved, with the address).
NOTICES = Words({
    "claude.movedPort": "Switchboard moved to port {port} and Claude Code's settings now point there: "
                        "restart Claude Code to use it.",
}, shown_by=("tray",))

# Why Claude Code's settings file (or a pinned project's) was not changed,
# with the next step; the settings page and the tray word them (server/said.py).
FILE_ERRORS = Words({
    "fileError.cannotRead": "Switchboard cannot read {path} ({reason}); check its permissions",
    "fileError.cannotWrite": "Switchboard cannot write {path} ({reason}); check the folder's permissions",
    "fileError.notJson": "{path} is not valid JSON (line {line}); Switchboard left it unchanged. "
                         "Fix the file, then connect again",
    "fileError.notJsonRetry": "{path} is not valid JSON (line {line}); Switchboard left it unchanged. "
                              "Fix the file, then try again",
    "fileError.notJsonRetryNoLine": "{path} is not valid JSON; Switchboard left it unchanged. Fix the file, then try again",
    "fileError.notObject": "{path} does not hold a JSON object; Switchboard left it unchanged",
    "fileError.envNotObject": "the \"env\" entry of {path} is not an object; Switchboard left it unchanged",
    "fileError.isLink": "{path} is a link to another file; Switchboard does not change it. "
                        "Replace the link with a real file, then try again",
    "claudeError.notServing": "Switchboard is not serving yet; connect Claude Code once it runs",
}, shown_by=("page", "tray"))

KEYS = ("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN")
DISABLE_ENV = "SWITCHBOARD_CLAUDE_CODE"  # "off": never touch Claude Code's settings (a shared server)
LEGACY_BACKUP = ".switchboard-backup-"
LEGACY_RESTORE = ".switchboard-restore"


class ClaudeCodeError(Telling, RuntimeError):
    """A plain-words reason Claude Code's settings could not be changed
    (``said``: the sentence, for the page's and the tray's language)."""

    @property
    def message(self) -> str:
        return str(self)


def settings_path(home: Path | None = None) -> Path:
    return (Path(home) if home else Path.home()) / ".claude" / "settings.json"


def default_store() -> Path:
    from server.settings import default_home

    return default_home() / "claude-code"


# -- reading and writing ----------------------------------------------------------

def settings_data(path: Path, raw: bytes | None, error: type[Telling], *, then: str = "connect") -> dict[str, Any]:
    """A Claude Code settings file's JSON object: ``{}`` when it is missing
    or blank; ``error`` (ClaudeCodeError, project_pins.ProjectPinError)
    with FILE_ERRORS' words when it is not one. ``then``: the next step a
    broken file's sentence names ("connect" again, or "retry")."""
    if raw is None or not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)  # none for bytes that are not UTF-8
        if line is None:
            raise error(FILE_ERRORS("fileError.notJsonRetryNoLine", path=str(path))) from None
        code = "fileError.notJson" if then == "connect" else "fileError.notJsonRetry"
        raise error(FILE_ERRORS(code, path=str(path), line=str(line))) from None
    if not isinstance(data, dict):
        raise error(FILE_ERRORS("fileError.notObject", path=str(path)))
    env = data.get("env")
    if env is not None and not isinstance(env, dict):
        raise error(FILE_ERRORS("fileError.envNotObject", path=str(path)))
    return data


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ClaudeCodeError(FILE_ERRORS("fileError.cannotRead", path=str(path), reason=exc.strerror)) from None
    return settings_data(path, raw, ClaudeCodeError)


def read_env(home: Path | None = None) -> dict[str, Any]:
    return dict(_read(settings_path(home)).get("env") or {})


def _write(path: Path, data: dict[str, Any]) -> None:
    atomic_write_json(path, data)  # 0600: it holds the local access key


def _restore_path(store: Path) -> Path:
    return store / "restore.json"


def _backups(store: Path) -> Path:
    return store / "backups"


def _load_record(store: Path, home: Path | None) -> dict[str, Any] | None:
    _migrate_legacy(store, home)
    try:
        data = json.loads(_restore_path(store).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _migrate_legacy(store: Path, home: Path | None) -> None:
    """Older versions kept the record and backups next to Claude Code's file."""
    path = settings_path(home)
    legacy = path.with_name(path.name + LEGACY_RESTORE)
    if legacy.exists() and not _restore_path(store).exists():
        try:
            record = json.loads(legacy.read_text(encoding="utf-8"))
            if isinstance(record, dict):
                try:
                    env = read_env(home)
                except ClaudeCodeError:
                    env = {}
                record.setdefault("written_url", env.get("ANTHROPIC_BASE_URL"))
                own_private_dir(store)
                _write(_restore_path(store), record)
            legacy.unlink()
        except (OSError, json.JSONDecodeError):
            pass
    if path.parent.is_dir():
        for old in path.parent.glob(path.name + LEGACY_BACKUP + "*"):
            try:
                target = unique_path(own_private_dir(_backups(store)) / ("settings.json." + old.name.rsplit(LEGACY_BACKUP, 1)[1]))
                target.write_bytes(old.read_bytes())
                os.chmod(target, PRIVATE_FILE_MODE)
                old.unlink()
            except OSError:
                pass


def _backup(path: Path, store: Path) -> Path | None:
    if not path.exists():
        return None
    folder = own_private_dir(_backups(store))
    backup = unique_path(folder / f"settings.json.{time.strftime('%Y%m%d-%H%M%S')}")
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(path.read_bytes())
    return backup


def _scrub_backups(store: Path, keys: set[str], previous: Mapping[str, Any]) -> int:
    """Take Switchboard's access key(s) out of every backup; the value the
    person had before connecting goes back in its place. Returns how many
    files changed."""
    changed = 0
    folder = _backups(store)
    if not folder.is_dir():
        return 0
    for backup in sorted(folder.iterdir()):
        try:
            data = json.loads(backup.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        env = data.get("env") if isinstance(data, dict) else None
        token = env.get("ANTHROPIC_AUTH_TOKEN") if isinstance(env, dict) else None
        if not isinstance(token, str) or not (token in keys or token.startswith("sk-swb-")):
            continue
        prev = previous.get("ANTHROPIC_AUTH_TOKEN") or {}
        if prev.get("present") and prev.get("value") not in keys:
            env["ANTHROPIC_AUTH_TOKEN"] = prev.get("value")
        else:
            env.pop("ANTHROPIC_AUTH_TOKEN", None)
        try:
            _write(backup, data)
            changed += 1
        except OSError:
            continue
    return changed


# -- the three operations -----------------------------------------------------------

def connect(base_url: str, api_key: str, *, home: Path | None = None, store: Path | None = None) -> Path | None:
    """Point Claude Code at Switchboard; return the backup's path (None if
    there was no file before)."""
    store = store or default_store()
    path = settings_path(home)
    data = _read(path)
    env = dict(data.get("env") or {})
    record = _load_record(store, home)
    if record is None:
        # The first connect remembers what was there; a later connect (a new
        # port or key) keeps that original record.
        previous = {k: {"present": k in env, "value": env.get(k)} for k in KEYS}
        record = {"previous": previous, "env_existed": "env" in data}
    record["written_url"] = base_url
    own_private_dir(store)
    backup = _backup(path, store)
    env["ANTHROPIC_BASE_URL"] = base_url
    env["ANTHROPIC_AUTH_TOKEN"] = api_key
    data["env"] = env
    _write(path, data)
    _write(_restore_path(store), record)
    return backup


def restore_keys(data: dict[str, Any], previous: dict[str, Any], env_existed: bool) -> dict[str, Any]:
    """Put ``KEYS`` in ``data["env"]`` back as ``previous`` recorded them
    (``{"present": bool, "value": …}`` per key); remove an ``env`` block that
    connecting created and that is empty again. Changes ``data`` in place.
    Also used for project folders (server/project_pins.py)."""
    env = dict(data.get("env") or {})
    for key in KEYS:
        prev = previous.get(key) or {"present": False}
        if prev.get("present"):
            env[key] = prev.get("value")
        else:
            env.pop(key, None)
    if env or env_existed:
        data["env"] = env
    else:
        data.pop("env", None)  # connecting created the block; leave no empty trace
    return data


def disconnect(*, home: Path | None = None, store: Path | None = None, api_key: str | None = None) -> None:
    """Restore the values ``connect`` replaced; remove keys that were absent;
    take the access key out of the backups."""
    store = store or default_store()
    path = settings_path(home)
    saved = _load_record(store, home) or {}
    record = saved.get("previous") or {}
    data = _read(path)
    ours = {k for k in (api_key, (data.get("env") or {}).get("ANTHROPIC_AUTH_TOKEN")) if isinstance(k, str) and k}
    if "env" in data:
        restore_keys(data, record, saved.get("env_existed", True))
        _backup(path, store)
        _write(path, data)
    _restore_path(store).unlink(missing_ok=True)
    _scrub_backups(store, ours, record)


def written_url(*, home: Path | None = None, store: Path | None = None) -> str | None:
    record = _load_record(store or default_store(), home) or {}
    url = record.get("written_url")
    return url if isinstance(url, str) else None


def is_connected(*, home: Path | None = None, base_url: str | None = None, api_key: str | None = None,
                 store: Path | None = None) -> bool:
    """True when settings.json points Claude Code at ``base_url`` with
    ``api_key`` (each checked when given; with neither, at the address
    Switchboard last wrote)."""
    try:
        env = read_env(home)
    except ClaudeCodeError:
        return False
    url, token = env.get("ANTHROPIC_BASE_URL"), env.get("ANTHROPIC_AUTH_TOKEN")
    if not isinstance(url, str) or not url or not token:
        return False
    if api_key is not None and token != api_key:
        return False
    if base_url is None:
        base_url = written_url(home=home, store=store)
        if base_url is None:
            return False
    return _same(url, base_url)


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class ClaudeCodeLink:
    """The module's functions bound to one home folder and one store."""

    def __init__(self, store: Path, *, home: Path | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.store = Path(store)
        self.home = home
        self._environ = environ

    def available(self) -> bool:
        env = os.environ if self._environ is None else self._environ
        return env.get(DISABLE_ENV, "").strip().lower() not in ("off", "0", "no", "false")

    def connected(self, base_url: str | None, api_key: str | None) -> bool:
        if not base_url or not api_key or not self.available():
            return False
        return is_connected(home=self.home, base_url=base_url, api_key=api_key, store=self.store)

    def points_at(self, base_url: str, api_key: str | None) -> bool:
        """The file sends Claude Code (with ``api_key``, when given) to ``base_url``."""
        try:
            env = read_env(self.home)
        except ClaudeCodeError:
            return False
        url = env.get("ANTHROPIC_BASE_URL")
        if not isinstance(url, str) or not _same(url, base_url):
            return False
        return api_key is None or env.get("ANTHROPIC_AUTH_TOKEN") == api_key

    def connect(self, base_url: str, api_key: str) -> Path | None:
        return connect(base_url, api_key, home=self.home, store=self.store)

    def disconnect(self, api_key: str | None = None) -> None:
        disconnect(home=self.home, store=self.store, api_key=api_key)

    def follow(self, new_url: str, api_key: str) -> bool:
        """The serving address moved to ``new_url``: if Claude Code was
        connected to *this* Switchboard (the address it last wrote, with this
        key), rewrite the file to ``new_url``. True when it did."""
        if not self.available():
            return False
        previous = written_url(home=self.home, store=self.store)
        if previous is None or _same(previous, new_url):
            return False
        if not self.points_at(previous, api_key):
            return False  # disconnected by hand, or pointed elsewhere since
        self.connect(new_url, api_key)
        log.info("claude code: moved from %s to %s", previous, new_url)
        return True
