"""What a PATH is, and where the other apps keep their settings by default."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from server.importers import ccr2, ccr3, ccswitch, setup_file, sqlite_ro
from server.import_words import ERRORS
from server.importers.model import ImportSourceError


@dataclass(frozen=True)
class Place:
    kind: str
    path: Path


def default_places(home: Path, environ: Mapping[str, str], platform: str = sys.platform) -> list[Place]:
    return [Place(ccr3.KIND, ccr3.default_path(home, environ, platform)),
            Place(ccr2.KIND, ccr2.default_path(home)),
            Place(ccswitch.KIND, ccswitch.default_path(home, environ, platform))]


def found_places(home: Path, environ: Mapping[str, str], platform: str = sys.platform) -> tuple[list[Place], list[str]]:
    """The default places that exist, and notes on what was skipped.

    claude-code-router 3 migrates config.json into config.sqlite (and deletes
    the JSON); a JSON left beside the database is older, so it is skipped."""
    places = [p for p in default_places(home, environ, platform) if p.path.is_file()]
    notes: list[str] = []
    if any(p.kind == ccr3.KIND for p in places):
        for p in [p for p in places if p.kind == ccr2.KIND]:
            places.remove(p)
            notes.append(f"Skipped {p.path}: claude-code-router 3 keeps its settings in config.sqlite now")
    return places, notes


def read(path: Path, *, home: Path, environ: Mapping[str, str]) -> Any:
    """A Source (or a claude-code-router 2 source) for whatever ``path`` is."""
    if path.is_dir():
        for name in ("config.sqlite", "cc-switch.db", "config.json"):
            if (path / name).is_file():
                return read(path / name, home=home, environ=environ)
        raise ImportSourceError(ERRORS("import.error.noSettingsAt", path=str(path)))
    if not path.exists():
        raise ImportSourceError(ERRORS("import.error.nothingAt", path=str(path)))
    if sqlite_ro.is_sqlite(path):
        is_ccr3, is_ccswitch = sqlite_ro.read(path, "the app that wrote it",
                                              lambda conn: (ccr3.looks_like(conn), ccswitch.looks_like(conn)))
        if is_ccr3:
            return ccr3.read(path)
        if is_ccswitch:
            return ccswitch.read(path, home=home)
        raise ImportSourceError(ERRORS("import.error.otherDatabase", path=str(path)))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportSourceError(ERRORS("import.error.neither", path=str(path))) from None
    except OSError as exc:
        raise ImportSourceError(ERRORS("import.error.cannotRead", path=str(path), reason=exc.strerror)) from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if setup_file.looks_like(data):
        return setup_file.convert(data, str(path))
    return ccr2.read(path, environ)


def describe(source: Any) -> str:
    n = getattr(source, "provider_count", None)
    if n is None:
        n = len(getattr(source, "providers", []))
    return f"{source.kind} at {source.path} ({n} provider{'s' if n != 1 else ''})"
