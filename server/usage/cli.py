"""``switchboard usage`` and ``switchboard statusline`` (issue 15 §6-8).

Both read the history database directly (read-only; WAL lets them run while
the app writes), so they work headless and while the app runs.

``switchboard statusline`` is meant for Claude Code's ``statusLine`` setting
(``{"type": "command", "command": "switchboard statusline"}``). Claude Code
runs it with a JSON object on stdin; the only field used is ``session_id``
(the same id Claude Code sends as ``x-claude-code-session-id``), with
``model.display_name`` shown when Switchboard has no request of the session
yet. It prints one line: route · model that answered the session's last
request · the session's cost · today's cost.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from typing import Any, TextIO

from server.usage import query
from server.usage.budget import money, tokens_text

BY = ("provider", "model", "route", "day", "session")


def _settings(config: str | None) -> Any:
    from server.settings import Settings

    return Settings.from_env(config_path=config)


def _db_path(config: str | None) -> Any:
    from server.usage.service import history_path

    return history_path(_settings(config))


def _cost_text(totals: dict[str, Any]) -> str:
    if totals["unpriced_requests"] and not totals["cost_usd"]:
        return "price unknown"
    text = money(totals["cost_usd"])
    return text + " + price unknown" if totals["unpriced_requests"] else text


def _period(days: int, since: float) -> str:
    first = dt.date.fromtimestamp(since)
    if days <= 1:
        return f"today ({first.isoformat()})"
    return f"the last {days} days ({first.isoformat()} to {dt.date.today().isoformat()})"


def render_text(data: dict[str, Any], days: int, out: TextIO) -> None:
    t = data["totals"]
    out.write(f"Usage, {_period(days, data['since'])}\n")
    out.write(f"  requests      {t['requests']:,} ({t['failed']:,} failed)\n")
    out.write(f"  input tokens  {t['input_tokens']:,}\n")
    out.write(f"  output tokens {t['output_tokens']:,}\n")
    if t["cache_read_tokens"] or t["cache_write_tokens"]:
        out.write(f"  cache read    {t['cache_read_tokens']:,}   cache write {t['cache_write_tokens']:,}\n")
    out.write(f"  cost          {_cost_text(t)}\n")
    groups = data.get("groups")
    if groups is None:
        return
    out.write("\n")
    head = (data["by"], "requests", "ok %", "input", "output", "cache read", "cost", "median ms")
    lines = [head]
    for g in groups:
        lines.append((str(g[data["by"]]), f"{g['requests']:,}",
                      f"{100 * g['success_rate']:.0f}" if g["success_rate"] is not None else "-",
                      f"{g['input_tokens']:,}", f"{g['output_tokens']:,}", f"{g['cache_read_tokens']:,}",
                      _cost_text(g), f"{g['median_latency_ms']:.0f}" if g["median_latency_ms"] is not None else "-"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    for row in lines:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        out.write("  " + "  ".join(cells).rstrip() + "\n")


def usage_main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="switchboard usage",
                                     description="What each provider, model and route cost (from the usage history).")
    parser.add_argument("--days", type=int, default=1, help="1 = today (default), 7 = today and the 6 days before, ...")
    parser.add_argument("--by", choices=BY, help="also show totals per provider, model, route, day or session")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print every request of the period as CSV")
    parser.add_argument("--config", help="path to switchboard.json (default: in SWITCHBOARD_HOME or the user config folder)")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days: must be 1 or more")
    since, until = query.window(args.days)
    try:
        conn = query.open_db(_db_path(args.config))
    except query.NoHistory as exc:
        if args.json:
            out.write(json.dumps({"days": args.days, "since": since, "until": until, "totals": None,
                                  "message": str(exc)}) + "\n")
        else:
            print(f"switchboard usage: {exc}", file=sys.stderr)
        return 0 if args.json else 1
    try:
        if args.csv:
            query.write_csv(conn, since, until, out)
            return 0
        data = query.summary(conn, since, until, args.by)
    except sqlite3.Error as exc:
        print(f"switchboard usage: cannot read the usage history ({exc}). "
              "If the file is damaged, move it away; Switchboard starts a new one.", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if args.json:
        out.write(json.dumps({"days": args.days, **data}, indent=2) + "\n")
    else:
        render_text(data, args.days, out)
    return 0


def _route_name(settings: Any, route_id: str | None) -> str | None:
    try:
        from server import config as config_mod

        config = config_mod.load(settings.config_path)
    except Exception:
        return route_id
    rid = route_id if route_id and route_id in config.routes else config.active_route
    if rid and rid in config.routes:
        return config.routes[rid].name or rid
    return route_id


def statusline(stdin_text: str, config_path: str | None = None, now: float | None = None) -> str:
    try:
        payload = json.loads(stdin_text) if stdin_text.strip() else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    session_id = payload.get("session_id") if isinstance(payload.get("session_id"), str) else None
    model = payload.get("model") if isinstance(payload.get("model"), dict) else {}
    parts: list[str] = []
    from server.usage.service import history_path

    settings = _settings(config_path)  # once: Claude Code runs this on every status refresh
    try:
        conn = query.open_db(history_path(settings))
    except query.NoHistory:
        conn = None
    sess = today = None
    if conn is not None:
        try:
            if session_id:
                sess = query.session(conn, session_id)
            since, until = query.window(1, now)
            today = query.summary(conn, since, until)["totals"]
        except sqlite3.Error:
            pass
        finally:
            conn.close()
    route = _route_name(settings, sess["route"] if sess else None)
    parts.append(route or "Switchboard")
    if sess:
        parts.append(f"{sess['provider']}/{sess['model']}")
        parts.append("session " + _cost_text(sess["totals"]))
    elif model.get("display_name"):
        parts.append(str(model["display_name"]))
    if today is not None:
        parts.append("today " + (_cost_text(today) if today["requests"] else "$0.00"))
        if today["unpriced_requests"] and not today["cost_usd"]:
            parts[-1] = f"today {tokens_text(today['tokens'])} tokens"
    return " · ".join(parts)


def statusline_main(argv: list[str], stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard statusline",
                                     description="One line for Claude Code's status line (reads its JSON on stdin).")
    parser.add_argument("--config", help="path to switchboard.json")
    args = parser.parse_args(argv)
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    try:
        text = stdin.read() if not stdin.isatty() else ""
    except (OSError, ValueError):
        text = ""
    try:
        line = statusline(text, args.config)
    except Exception as exc:  # a status line must never print a traceback
        line = f"Switchboard · usage unavailable ({type(exc).__name__})"
    out.write(line + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry for ``python -m server.usage.cli usage|statusline ...``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["statusline"]:
        return statusline_main(argv[1:])
    if argv[:1] == ["usage"]:
        argv = argv[1:]
    return usage_main(argv)


if __name__ == "__main__":
    sys.exit(main())
