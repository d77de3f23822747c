"""Check results kept per provider/model with the date, in ``checks.json``
next to the config (no prompts, no keys: cards and token counts only)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from server.fileio import atomic_write_json, ensure_private_dir

FILE = "checks.json"


def path_for(home: Path) -> Path:
    return home / FILE


def load(home: Path) -> dict[str, Any]:
    try:
        data = json.loads(path_for(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(home: Path, target: str, result: dict[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    entry = {"date": (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds"), **result}
    data = load(home)
    data[target] = entry
    ensure_private_dir(home)
    atomic_write_json(path_for(home), data)
    return entry
