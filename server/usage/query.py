"""Read the usage history: totals, groups, the daily chart, sessions, CSV.

Used by ``switchboard usage`` (a separate process, while the app runs: WAL
lets readers and the writer work at once), the settings page's usage API
(in a worker thread, never on the event loop), and ``switchboard statusline``.
All numbers come from the rows; the same functions serve every view, so the
page and the CLI cannot disagree.
"""
from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any, Iterable, TextIO

from server.usage.history import COLUMNS

GROUPS = {
    "provider": "provider",
    "model": "provider || '/' || model",
    "route": "route",
    "day": "date(ts, 'unixepoch', 'localtime')",
    "session": "COALESCE(session_id, '-')",
}


class NoHistory(Exception):
    """There is no usage history file (yet)."""


def open_db(path: Path) -> sqlite3.Connection:
    """A reading connection. Never creates the file."""
    if not path.is_file():
        raise NoHistory(f"No usage history yet ({path} does not exist): it starts with the first request.")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    conn.row_factory = sqlite3.Row
    return conn


def start_of_day(days_back: int = 0, now: float | None = None) -> float:
    """Local midnight ``days_back`` days before today, as unix time."""
    today = dt.datetime.fromtimestamp(time.time() if now is None else now).date()
    day = today - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time()).timestamp()


def window(days: int, now: float | None = None) -> tuple[float, float]:
    """``days`` = 1: today; 7: today and the 6 days before; ... (local days)."""
    now = time.time() if now is None else now
    return start_of_day(max(days, 1) - 1, now), now + 1.0


def start_of_month(now: float | None = None) -> float:
    today = dt.datetime.fromtimestamp(time.time() if now is None else now).date()
    return dt.datetime.combine(today.replace(day=1), dt.time()).timestamp()


_SUMS = """COUNT(*) AS requests,
  SUM(status < 400) AS ok,
  SUM(COALESCE(input_tokens, 0)) AS input_tokens,
  SUM(COALESCE(output_tokens, 0)) AS output_tokens,
  SUM(COALESCE(cache_read_tokens, 0)) AS cache_read_tokens,
  SUM(COALESCE(cache_write_tokens, 0)) AS cache_write_tokens,
  SUM(cache_read_tokens IS NOT NULL OR cache_write_tokens IS NOT NULL) AS cache_reported,
  TOTAL(cost_usd) AS cost_usd,
  SUM(cost_usd IS NULL) AS unpriced_requests,
  SUM(fallback) AS fallback_requests"""


def _finish(row: sqlite3.Row | dict[str, Any], latencies: list[float]) -> dict[str, Any]:
    d = {k: (row[k] or 0) for k in ("requests", "ok", "input_tokens", "output_tokens", "cache_read_tokens",
                                   "cache_write_tokens", "unpriced_requests", "fallback_requests")}
    d["cost_usd"] = round(float(row["cost_usd"] or 0.0), 6)
    d["failed"] = d["requests"] - d["ok"]
    d["tokens"] = d["input_tokens"] + d["output_tokens"] + d["cache_read_tokens"] + d["cache_write_tokens"]
    d["price_unknown"] = d["unpriced_requests"] > 0
    d["success_rate"] = round(d["ok"] / d["requests"], 4) if d["requests"] else None
    d["median_latency_ms"] = round(statistics.median(latencies), 1) if latencies else None
    prompt = d["input_tokens"] + d["cache_read_tokens"] + d["cache_write_tokens"]
    # Cache hit share only where the provider reports cache tokens at all.
    d["cache_hit_share"] = (round(d["cache_read_tokens"] / prompt, 4)
                            if (row["cache_reported"] or 0) and prompt else None)
    return d


def summary(conn: sqlite3.Connection, since: float, until: float, by: str | None = None) -> dict[str, Any]:
    """Totals for [since, until), and per group when ``by`` names one of GROUPS."""
    where = "WHERE ts >= ? AND ts < ?"
    args = (since, until)
    total = conn.execute(f"SELECT {_SUMS} FROM requests {where}", args).fetchone()
    lat = [r[0] for r in conn.execute(
        f"SELECT latency_ms FROM requests {where} AND status < 400 AND latency_ms IS NOT NULL", args)]
    out: dict[str, Any] = {"since": since, "until": until, "totals": _finish(total, lat)}
    if by:
        key = GROUPS[by]
        rows = conn.execute(f"SELECT {key} AS k, {_SUMS} FROM requests {where} GROUP BY k", args).fetchall()
        lats: dict[Any, list[float]] = {}
        for k, v in conn.execute(
                f"SELECT {key} AS k, latency_ms FROM requests {where} AND status < 400 "
                "AND latency_ms IS NOT NULL", args):
            lats.setdefault(k, []).append(v)
        groups = [{by: r["k"], **_finish(r, lats.get(r["k"], []))} for r in rows]
        if by == "day":
            groups.sort(key=lambda g: g["day"])
        else:
            groups.sort(key=lambda g: (-g["cost_usd"], -g["tokens"], str(g[by])))
        out["by"] = by
        out["groups"] = groups
    return out


def daily_by_provider(conn: sqlite3.Connection, since: float, until: float) -> list[dict[str, Any]]:
    """One entry per (local day, provider): the chart's stacks."""
    rows = conn.execute(
        "SELECT date(ts, 'unixepoch', 'localtime') AS day, provider, COUNT(*) AS requests, "
        "TOTAL(cost_usd) AS cost_usd, SUM(cost_usd IS NULL) AS unpriced, "
        "SUM(COALESCE(input_tokens,0) + COALESCE(output_tokens,0) + COALESCE(cache_read_tokens,0) "
        "+ COALESCE(cache_write_tokens,0)) AS tokens "
        "FROM requests WHERE ts >= ? AND ts < ? GROUP BY day, provider ORDER BY day, provider",
        (since, until)).fetchall()
    return [{"day": r["day"], "provider": r["provider"], "requests": r["requests"],
             "cost_usd": round(r["cost_usd"] or 0.0, 6), "unpriced_requests": r["unpriced"] or 0,
             "tokens": r["tokens"] or 0} for r in rows]


def session(conn: sqlite3.Connection, session_id: str) -> dict[str, Any] | None:
    """The last request of a session and the session's totals."""
    last = conn.execute("SELECT route, provider, model, ts FROM requests WHERE session_id = ? "
                        "ORDER BY ts DESC LIMIT 1", (session_id,)).fetchone()
    if last is None:
        return None
    sums = conn.execute(f"SELECT {_SUMS} FROM requests WHERE session_id = ?", (session_id,)).fetchone()
    return {"route": last["route"], "provider": last["provider"], "model": last["model"],
            "ts": last["ts"], "totals": _finish(sums, [])}


CSV_COLUMNS = ("time",) + COLUMNS


def iter_rows(conn: sqlite3.Connection, since: float, until: float) -> Iterable[tuple[Any, ...]]:
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE ts >= ? AND ts < ? ORDER BY ts",
                       (since, until))
    for row in cur:
        stamp = dt.datetime.fromtimestamp(row[0]).astimezone().isoformat(timespec="milliseconds")
        yield (stamp,) + tuple(row)


def write_csv(conn: sqlite3.Connection, since: float, until: float, out: TextIO) -> int:
    """The history as CSV (one row per request, no text of any prompt)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in iter_rows(conn, since, until):
        writer.writerow(["" if v is None else v for v in row])
        n += 1
    return n
