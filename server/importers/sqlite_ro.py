"""Open another app's SQLite database so that app never notices.

``file:…?mode=ro``: SQLite refuses every write through this connection, so
the source file's bytes cannot change. All reads happen in one read
transaction, so a database in WAL mode that its app writes meanwhile gives
one consistent snapshot. When no app has the database open for writing
(no -wal / -journal beside it), ``&immutable=1`` is added so SQLite leaves
no -wal / -shm files behind either; a write noticed meanwhile means the
read is done again the ordinary way. Failures become
:class:`ImportSourceError` with a plain message, chosen by SQLite's error
code (never by its text).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, TypeVar

from server.import_words import ERRORS
from server.importers.model import ImportSourceError

SQLITE_MAGIC = b"SQLite format 3\x00"
T = TypeVar("T")
_BUSY, _LOCKED, _CORRUPT, _CANTOPEN, _NOTADB = 5, 6, 11, 14, 26
BUSY_TIMEOUT_S = 2.0


def is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def explain(exc: sqlite3.Error, path: Path, app: str) -> ImportSourceError:
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (_BUSY, _LOCKED):
        return ImportSourceError(ERRORS("import.error.locked", path=str(path), app=app))
    if code in (_CORRUPT, _NOTADB):
        return ImportSourceError(ERRORS("import.error.damaged", path=str(path), app=app))
    if code == _CANTOPEN:
        return ImportSourceError(ERRORS("import.error.cannotOpen", path=str(path)))
    return ImportSourceError(ERRORS("import.error.sqlite", path=str(path), error=type(exc).__name__, code=str(code),
                                    app=app))


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in ("-wal", "-journal")]


def read(path: Path, app: str, fn: Callable[[sqlite3.Connection], T]) -> T:
    """``fn(conn)`` on a read-only connection inside one read transaction.

    A database nobody is writing (no -wal / -journal beside it) is opened
    ``immutable``: SQLite then creates no -wal / -shm files next to it
    either. If one appears meanwhile (the app started), the read is done
    again the ordinary read-only way, which takes part in the app's locking.
    """
    if not any(p.exists() for p in _companions(path)):
        before = _stat(path)
        result = _read(path, app, fn, immutable=True)
        # A write that came and went meanwhile (cc-switch uses a rollback
        # journal: its -journal lives only while it writes) changes the file.
        if not any(p.exists() for p in _companions(path)) and _stat(path) == before:
            return result
    return _read(path, app, fn, immutable=False)


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _read(path: Path, app: str, fn: Callable[[sqlite3.Connection], T], *, immutable: bool) -> T:
    uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise explain(exc, path, app) from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")
        # The first read takes the snapshot (and finds a damaged header).
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        result = fn(conn)
        conn.execute("COMMIT")
        return result
    except sqlite3.Error as exc:
        raise explain(exc, path, app) from None
    finally:
        conn.close()


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}  # table: our constant


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])
