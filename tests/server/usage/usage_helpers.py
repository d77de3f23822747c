"""Shared by the usage tests: wait for rows, read them back."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from server.usage.history import COLUMNS


def rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return [dict(zip(COLUMNS, r)) for r in
                conn.execute(f"SELECT {', '.join(COLUMNS)} FROM requests ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def wait_rows(path: Path, n: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = rows(path)
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
