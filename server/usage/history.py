"""The usage history: one row per request in SQLite, written off the event loop.

The request path only appends a :class:`Row` to a deque (``History.add``:
no lock, no I/O). A daemon thread wakes every ``flush_interval`` seconds
(0.5 s), computes each row's cost and writes the batch in one transaction.
The database runs in WAL mode with ``synchronous=NORMAL``: a committed batch
survives a ``kill -9`` of the process (it is in the OS's cache), so a crash
loses at most the rows of the last interval, and WAL never leaves a
half-written file. A write that fails (full disk, read-only file, a folder
that cannot be created) is reported once through ``on_problem`` and logged;
the rows of that batch are dropped and serving goes on. Rows older than the
retention (90 days by default) are pruned at start and then hourly.

Never any prompt or answer text: the row holds names, numbers and the
client's session id only.
"""
from __future__ import annotations

import collections
import logging
import sqlite3
import threading
import time
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from server.said import Said, Words

log = logging.getLogger("switchboard.usage")

FILE_NAME = "usage.sqlite3"
SCHEMA_VERSION = 1
COLUMNS = ("ts", "route", "slot", "provider", "model", "status", "error_type", "latency_ms",
           "ttft_ms", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
           "fallback", "session_id", "cost_usd")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  ts REAL NOT NULL,              -- unix time (seconds) the request ended
  route TEXT NOT NULL,           -- the active route's id ('-' when none)
  slot TEXT,                     -- which rule chose the target (default, think, explicit, ...)
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status INTEGER NOT NULL,       -- HTTP status the client saw (a failed stream: the error's status)
  error_type TEXT,               -- Anthropic error type, NULL on success
  latency_ms REAL,
  ttft_ms REAL,                  -- time to the first byte of the answer
  input_tokens INTEGER,          -- as the client saw them (Anthropic usage); NULL: not reported
  output_tokens INTEGER,
  cache_read_tokens INTEGER,
  cache_write_tokens INTEGER,
  fallback INTEGER NOT NULL DEFAULT 0,  -- 1: not the first target answered
  session_id TEXT,               -- Claude Code's x-claude-code-session-id
  cost_usd REAL                  -- NULL: price unknown
);
CREATE INDEX IF NOT EXISTS requests_ts ON requests(ts);
CREATE INDEX IF NOT EXISTS requests_session ON requests(session_id, ts);
"""
_INSERT = f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
DAY = 86400.0
PRUNE_EVERY = 3600.0
MAX_PENDING = 100_000  # rows kept in memory while the writer is behind (never unbounded)


@dataclass(slots=True)
class Row:
    ts: float
    route: str
    slot: str | None
    provider: str
    model: str
    status: int
    error_type: str | None
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    fallback: bool
    session_id: str | None
    cost_usd: float | None = None


_values = operator.attrgetter(*COLUMNS)  # Row -> the INSERT's tuple (astuple deep-copies: slower)


def connect(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection with the schema in place (creates the file)."""
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with conn:
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except BaseException:
        conn.close()  # never leak the file handle (a full disk fails here)
        raise
    return conn


# Why the history is not being saved, with the next step (server/said.py).
PROBLEMS = Words({
    "usage.problem.diskFull": "Usage history is not being saved: the disk is full. Requests are still served; "
                              "free some disk space and it resumes by itself.",
    "usage.problem.readOnly": "Usage history is not being saved: the file is read-only. Requests are still served; "
                              "make {path} writable and it resumes by itself.",
    "usage.problem.damaged": "Usage history is not being saved: the file is damaged. Requests are still served; "
                             "move {path} away; Switchboard starts a new one and it resumes by itself.",
    "usage.problem.cannotWrite": "Usage history is not being saved: the file cannot be written ({error}). Requests "
                                 "are still served; check {folder} and it resumes by itself.",
}, shown_by=("page", "tray"))


def describe_error(exc: BaseException, path: Path) -> Said:
    """Plain words for a failed write, with a next step."""
    text = str(exc).lower()
    if "full" in text or getattr(exc, "errno", None) == 28:
        return PROBLEMS("usage.problem.diskFull")
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return PROBLEMS("usage.problem.readOnly", path=str(path))
    if "not a database" in text or "malformed" in text:
        return PROBLEMS("usage.problem.damaged", path=str(path))
    return PROBLEMS("usage.problem.cannotWrite", error=type(exc).__name__, folder=str(path.parent))


class History:
    def __init__(self, path: Path, *, retention_days: float = 90,
                 cost: Callable[[Row], float | None] | None = None,
                 on_problem: Callable[[Said | None], None] | None = None,
                 on_written: Callable[[list[Row]], None] | None = None,
                 on_start: Callable[[], None] | None = None,
                 flush_interval: float = 0.5, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention_days = retention_days
        self._cost = cost
        self._on_problem = on_problem
        self._on_written = on_written
        self._on_start = on_start
        self.flush_interval = flush_interval
        self._clock = clock
        self._pending: collections.deque[Row] = collections.deque(maxlen=MAX_PENDING)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._last_prune = 0.0
        self.problem: Said | None = None
        self.written = 0

    # -- the request path --------------------------------------------------------
    def add(self, row: Row) -> None:
        """Queue a row; never blocks (deque.append is atomic)."""
        self._pending.append(row)

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="usage-history", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self.flush()
        self._drop_connection()

    def flush_now(self) -> None:
        """Ask the writer to write at once (tests, shutdown)."""
        self._wake.set()

    def _run(self) -> None:
        if self._on_start is not None:
            try:
                self._on_start()
            except Exception:
                log.exception("usage: start-up failed")
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            self.flush()
        self.flush()

    # -- the writer thread -------------------------------------------------------
    def flush(self) -> int:
        batch: list[Row] = []
        try:
            while True:
                batch.append(self._pending.popleft())
        except IndexError:
            pass
        now = self._clock()
        if not batch and now - self._last_prune < PRUNE_EVERY:
            return 0
        for row in batch:
            if row.cost_usd is None and self._cost is not None:
                try:
                    row.cost_usd = self._cost(row)
                except Exception:  # a pricing bug must never lose the row
                    log.exception("usage: pricing failed")
        try:
            conn = self._connection()
            with conn:
                if batch:
                    conn.executemany(_INSERT, map(_values, batch))
                if now - self._last_prune >= PRUNE_EVERY:
                    conn.execute("DELETE FROM requests WHERE ts < ?", (now - self.retention_days * DAY,))
                    self._last_prune = now
        except (sqlite3.Error, OSError) as exc:
            self._report(exc)
            self._drop_connection()
            return 0
        self.written += len(batch)
        if self.problem is not None:
            self.problem = None
            log.info("usage: history is being saved again (%s)", self.path)
            if self._on_problem:
                self._on_problem(None)
        if batch and self._on_written is not None:
            try:
                self._on_written(batch)
            except Exception:
                log.exception("usage: listener failed")
        return len(batch)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = connect(self.path)
        return self._conn

    def _drop_connection(self) -> None:
        """Close the connection (the next write opens a fresh one)."""
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _report(self, exc: BaseException) -> None:
        message = describe_error(exc, self.path)
        if message == self.problem:
            return  # reported once
        self.problem = message
        log.error("usage: %s (%s: %s)", message, type(exc).__name__, exc)
        if self._on_problem:
            try:
                self._on_problem(message)
            except Exception:
                log.exception("usage: listener failed")
