"""Pin a route to a project folder (issue 16 §2).

Claude Code reads ``<project>/.claude/settings.local.json`` for that project
(git ignores it by default), and its ``env`` block wins over the global
``~/.claude/settings.json``. Pinning writes two keys there:

* ``ANTHROPIC_BASE_URL``: the route's address, ``<serving address>/r/<route>``;
* ``ANTHROPIC_AUTH_TOKEN``: Switchboard's local access key;

and leaves every other key as it was. A file that is not valid JSON is never
overwritten.

Switchboard's own records, 0600 in a 0700 folder (``store``,
``<SWITCHBOARD_HOME>/project-pins``), never in the project:

* ``pins.json``: per project, the route, the address written, a SHA-256 of
  the key written (never the key), and the values pinning replaced;
* ``originals/<id>.json``: the file's exact bytes before the first pin (the
  backup), so unpinning restores it byte for byte when nothing else changed
  in it since; when the person edited other keys meanwhile, only the two keys
  go back and their edits stay. Removed once unpinned.

When the serving address or the access key changes, ``follow`` rewrites every
pinned project whose file still holds what Switchboard wrote, as the global
connection does (server/claude_code.py); a file changed by hand is left alone
and listed as changed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.claude_code import FILE_ERRORS, restore_keys, settings_data
from server.said import Telling, Words
from server.fileio import atomic_write_bytes, atomic_write_json, ensure_private_dir

log = logging.getLogger("switchboard")

KEYS = ("ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN")
LOCAL_SETTINGS = Path(".claude") / "settings.local.json"


# Why a folder could not be pinned or unpinned (server/said.py); a file's
# own problems are claude_code.FILE_ERRORS.
PIN_ERRORS = Words({
    "pinError.noRoute": "There is no route named '{route}'; choose one of your routes",
    "pinError.notServing": "Switchboard is not serving yet; pin the project once it runs",
    "pinError.fullPath": "Give the project folder's full path (for example /home/you/project)",
    "pinError.noFolder": "There is no folder at {path}: check the path",
    "pinError.notPinned": "{folder} is not pinned to a route",
    "pinError.thatNotPinned": "That folder is not pinned to a route",
}, shown_by=("page", "tray"))


class ProjectPinError(Telling, RuntimeError):
    """A plain-words reason a project could not be pinned or unpinned
    (``said``: the sentence, for the page's and the tray's language)."""

    @property
    def message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class PinnedProject:
    folder: str
    route: str
    address: str
    state: str  # "pinned": the file holds what Switchboard wrote; "changed": edited since; "missing"


def route_address(serving_url: str, route_id: str) -> str:
    """The base URL that always uses ``route_id`` (server/routes: /r/<route>)."""
    return f"{serving_url.rstrip('/')}/r/{route_id}"


def settings_file(folder: Path) -> Path:
    return Path(folder) / LOCAL_SETTINGS


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _parse(path: Path, raw: bytes | None) -> dict[str, Any]:
    return settings_data(path, raw, ProjectPinError, then="retry")


def _read(path: Path) -> bytes | None:
    if path.is_symlink():
        raise ProjectPinError(FILE_ERRORS("fileError.isLink", path=str(path)))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProjectPinError(FILE_ERRORS("fileError.cannotRead", path=str(path), reason=exc.strerror)) from None


def _folder(folder: str | Path) -> Path:
    text = str(folder).strip()
    path = Path(os.path.expanduser(text))
    if not text or not path.is_absolute():
        raise ProjectPinError(PIN_ERRORS("pinError.fullPath"))
    if not path.is_dir():
        raise ProjectPinError(PIN_ERRORS("pinError.noFolder", path=str(path)))
    return path.resolve()


class ProjectPins:
    def __init__(self, store: Path) -> None:
        self.store = Path(store)
        self._lock = threading.RLock()

    # -- records ------------------------------------------------------------------
    @property
    def _records_path(self) -> Path:
        return self.store / "pins.json"

    def _records(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self._records_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}
        projects = data.get("projects") if isinstance(data, dict) else None
        return projects if isinstance(projects, dict) else {}

    def _save(self, records: dict[str, dict[str, Any]]) -> None:
        ensure_private_dir(self.store)
        atomic_write_json(self._records_path, {"projects": records})

    def _original_path(self, name: str) -> Path:
        return self.store / "originals" / name

    # -- the operations -------------------------------------------------------------
    def pin(self, folder: str | Path, route_id: str, serving_url: str, key: str) -> PinnedProject:
        project = _folder(folder)
        path = settings_file(project)
        address = route_address(serving_url, route_id)
        with self._lock:
            records = self._records()
            record = records.get(str(project))
            raw = _read(path)
            data = _parse(path, raw)
            env = dict(data.get("env") or {})
            if record is None:
                # The first pin remembers the file as it was (exact bytes) and
                # the two values it replaces; a re-pin keeps that record.
                name = f"{hashlib.sha256(str(project).encode()).hexdigest()[:16]}-{int(time.time())}.json"
                if raw is not None:
                    ensure_private_dir(self.store / "originals")
                    atomic_write_bytes(self._original_path(name), raw)
                record = {
                    "previous": {k: {"present": k in env, "value": env.get(k)} for k in KEYS},
                    "file_existed": raw is not None, "dir_existed": path.parent.is_dir(),
                    "env_existed": "env" in data, "original": name if raw is not None else None,
                    "mode": stat.S_IMODE(path.stat().st_mode) if raw is not None else None,
                }
            env["ANTHROPIC_BASE_URL"] = address
            env["ANTHROPIC_AUTH_TOKEN"] = key
            data["env"] = env
            try:
                atomic_write_json(path, data)  # 0600: it holds the access key
            except OSError as exc:
                raise ProjectPinError(FILE_ERRORS("fileError.cannotWrite", path=str(path),
                                                  reason=exc.strerror)) from None
            record.update(route=route_id, written_url=address, written_token=_digest(key))
            records[str(project)] = record
            self._save(records)
        log.info("project pins: %s uses route %s", project, route_id)
        return PinnedProject(str(project), route_id, address, "pinned")

    def unpin(self, folder: str | Path) -> None:
        """Put back what pinning replaced: byte for byte when the file holds
        nothing else new; a file that did not exist is removed again."""
        text = str(folder).strip()
        with self._lock:
            records = self._records()
            key = text if text in records else str(Path(os.path.expanduser(text)).resolve()) if text else ""
            record = records.get(key)
            if record is None:
                raise ProjectPinError(PIN_ERRORS("pinError.notPinned", folder=text) if text
                                      else PIN_ERRORS("pinError.thatNotPinned"))
            project = Path(key)
            path = settings_file(project)
            original_name = record.get("original")
            original = None
            if original_name:
                try:
                    original = self._original_path(original_name).read_bytes()
                except OSError:
                    original = None
            raw = _read(path) if project.is_dir() else None
            if raw is not None:
                self._restore(path, raw, record, original)
            del records[key]
            self._save(records)
            if original_name:
                self._original_path(original_name).unlink(missing_ok=True)
        log.info("project pins: %s unpinned", project)

    def _restore(self, path: Path, raw: bytes, record: dict[str, Any], original: bytes | None) -> None:
        data = restore_keys(_parse(path, raw), record.get("previous") or {}, record.get("env_existed", True))
        if original is not None and _parse(path, original) == data:
            atomic_write_bytes(path, original)  # exactly the bytes the person had
            mode = record.get("mode")
            if isinstance(mode, int):
                os.chmod(path, mode)
        elif not record.get("file_existed") and not data:
            path.unlink(missing_ok=True)
            if not record.get("dir_existed"):
                try:
                    path.parent.rmdir()  # only when empty
                except OSError:
                    pass
        else:
            atomic_write_json(path, data)

    def listing(self) -> list[PinnedProject]:
        out = []
        for folder, record in sorted(self._records().items()):
            out.append(PinnedProject(folder, str(record.get("route", "")), str(record.get("written_url", "")),
                                     self._state(Path(folder), record)))
        return out

    def _state(self, project: Path, record: dict[str, Any]) -> str:
        try:
            env = _parse(settings_file(project), _read(settings_file(project))).get("env") or {}
        except ProjectPinError:
            return "changed"
        if not env:
            return "missing"
        token = env.get("ANTHROPIC_AUTH_TOKEN")
        if env.get("ANTHROPIC_BASE_URL") != record.get("written_url") or not isinstance(token, str) \
                or _digest(token) != record.get("written_token"):
            return "changed"
        return "pinned"

    def follow(self, serving_url: str, key: str) -> list[str]:
        """The serving address or the access key changed: rewrite every pinned
        project whose file still holds what Switchboard wrote. Returns the
        folders rewritten."""
        moved = []
        with self._lock:
            records = self._records()
            for folder, record in records.items():
                address = route_address(serving_url, str(record.get("route", "")))
                if address == record.get("written_url") and _digest(key) == record.get("written_token"):
                    continue
                if self._state(Path(folder), record) != "pinned":
                    continue  # changed by hand since: left alone
                path = settings_file(Path(folder))
                try:
                    data = _parse(path, _read(path))
                    env = dict(data.get("env") or {})
                    env["ANTHROPIC_BASE_URL"] = address
                    env["ANTHROPIC_AUTH_TOKEN"] = key
                    data["env"] = env
                    atomic_write_json(path, data)
                except (ProjectPinError, OSError) as exc:
                    log.warning("project pins: could not update %s: %s", folder, getattr(exc, "strerror", None) or exc)
                    continue
                record.update(written_url=address, written_token=_digest(key))
                moved.append(folder)
            if moved:
                self._save(records)
        for folder in moved:
            log.info("project pins: %s now points at %s", folder, serving_url)
        return moved
