"""Atomic file writes: a temp file in the same folder, fsync, then rename.

A crash or a full disk mid-write leaves the old file intact, never half of a
new one. Files are created readable by the user only (0600): some hold an
access key (Claude Code's settings) or a per-run secret. A ``kill -9`` between
creating the temp file and the rename leaves ``.<name>.XXXXXXXX`` behind;
:func:`remove_stale_temps` clears those at start.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the user only.

    A folder that already exists keeps its mode: it may be shared on
    purpose, and changing it behind the person's back would surprise them.
    """
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # created meanwhile by someone else: keep its mode
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask


def own_private_dir(path: Path) -> Path:
    """:func:`ensure_private_dir` for a folder that is Switchboard's own
    (its logs, its records): made 0700 even when it already exists; a
    folder whose mode cannot be changed is used as it is."""
    ensure_private_dir(path)
    try:
        os.chmod(path, PRIVATE_DIR_MODE)
    except OSError:
        pass
    return path


def unique_path(path: Path) -> Path:
    """``path``, or ``path-1``, ``path-2``, ... : the first that does not exist."""
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def atomic_write_bytes(path: Path, data: bytes) -> None:
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def json_text(data: Any, *, indent: int | None = 2) -> str:
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return text + "\n" if indent is not None else text


def atomic_write_json(path: Path, data: Any, *, indent: int | None = 2) -> None:
    atomic_write_text(path, json_text(data, indent=indent))


def remove_stale_temps(path: Path) -> list[Path]:
    """Delete the temp files an interrupted :func:`atomic_write_bytes` of
    ``path`` left behind (``.<name>.`` + mkstemp's 8 random characters).

    Only regular files with exactly that name shape are touched: the file
    itself, its backups and anything else in the folder stay. Returns what
    was removed.
    """
    pattern = re.compile(re.escape(_temp_prefix(path)) + r"[A-Za-z0-9_]{8}")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
