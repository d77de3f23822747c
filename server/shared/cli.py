"""``switchboard keys add|list|limit|revoke``: member keys (issue 20 §3).

The store is Redis when ``SWITCHBOARD_REDIS_URL`` is set (what the replicas
read), else ``members.json`` in the Switchboard home of ``--config``. A new
key is printed once, on stdout; only its HMAC is stored.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from typing import Any

from server.shared import REDIS_URL_ENV
from server.shared.members import (FileMembers, MemberError, RedisMembers, make_member, new_key,
                                   valid_name)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchboard keys", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="path to switchboard.json (its folder holds members.json "
                                         f"when {REDIS_URL_ENV} is not set)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a member key (printed once)")
    add.add_argument("name")
    add.add_argument("--daily-usd", type=float)
    add.add_argument("--monthly-usd", type=float)
    add.add_argument("--daily-tokens", type=int)
    add.add_argument("--monthly-tokens", type=int)
    add.add_argument("--replace", action="store_true", help="replace an existing member's key")
    limit = sub.add_parser("limit", help="change a member's limits (0 or more; 'none' removes one)")
    limit.add_argument("name")
    for flag in ("--daily-usd", "--monthly-usd", "--daily-tokens", "--monthly-tokens"):
        limit.add_argument(flag)
    sub.add_parser("list", help="list members (never their keys)")
    revoke = sub.add_parser("revoke", help="revoke a member's key (every replica within a second)")
    revoke.add_argument("name")
    for p in (add, revoke, limit, sub.choices["list"]):
        p.add_argument("--config", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
    return parser


def _store(args: argparse.Namespace, environ: Any) -> Any:
    url = environ.get(REDIS_URL_ENV)
    if url:
        return RedisMembers(url, environ)
    from server.settings import Settings

    settings = Settings.from_env(config_path=getattr(args, "config", None), environ=environ)
    return FileMembers(settings.config_path.parent, environ)


def main(argv: list[str], environ: Any = None) -> int:
    environ = os.environ if environ is None else environ
    args = _parser().parse_args(argv)
    try:
        store = _store(args, environ)
        return _run(args, store)
    except MemberError as exc:
        print(f"switchboard keys: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # Redis unreachable, a file that cannot be written
        name = type(exc).__name__
        if "redis" in type(exc).__module__:
            print(f"switchboard keys: cannot reach Redis ({name}); check {REDIS_URL_ENV} and that "
                  "Redis is running, then try again.", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            print(f"switchboard keys: cannot read or write the members file ({exc.strerror}).",
                  file=sys.stderr)
            return 1
        raise


def _run(args: argparse.Namespace, store: Any) -> int:
    members = store.load()
    if args.command == "add":
        if not valid_name(args.name):
            raise MemberError("a member name uses letters, digits, '_', '-', '.' or '@' (at most 64)")
        existing = members.get(args.name)
        if existing is not None and not existing.revoked and not args.replace:
            raise MemberError(f"member {args.name!r} already has a key; revoke it first or use --replace")
        limits = {"daily_usd": args.daily_usd, "monthly_usd": args.monthly_usd,
                  "daily_tokens": args.daily_tokens, "monthly_tokens": args.monthly_tokens}
        for field, value in limits.items():
            if value is not None and value < 0:
                raise MemberError(f"--{field.replace('_', '-')} must be 0 or more")
        key = new_key()
        store.put(make_member(args.name, key, store.secret(), limits))
        print(key)
        print(f"Member {args.name!r} added. This key is shown only once: give it to {args.name} now.",
              file=sys.stderr)
        return 0
    if args.command == "list":
        if not members:
            print("No member keys yet: add one with 'switchboard keys add NAME'.", file=sys.stderr)
        for m in sorted(members.values(), key=lambda m: m.name):
            limits = ", ".join(f"{f.replace('_', ' ')} {getattr(m, f):g}" for f in
                               ("daily_usd", "monthly_usd", "daily_tokens", "monthly_tokens")
                               if getattr(m, f) is not None) or "no limits"
            created = dt.datetime.fromtimestamp(m.created, dt.timezone.utc).strftime("%Y-%m-%d") if m.created else "-"
            print(f"{m.name}\t{'revoked' if m.revoked else 'active'}\tcreated {created}\t{limits}")
        return 0
    if args.command == "limit":
        member = members.get(args.name)
        if member is None:
            raise MemberError(f"no member named {args.name!r} ('switchboard keys list' shows them)")
        changes: dict[str, Any] = {}
        for field in ("daily_usd", "monthly_usd", "daily_tokens", "monthly_tokens"):
            value = getattr(args, field)
            if value is None:
                continue
            if value.lower() == "none":
                changes[field] = None
                continue
            try:
                number = float(value) if field.endswith("usd") else int(value)
            except ValueError:
                raise MemberError(f"--{field.replace('_', '-')} takes a number or 'none'") from None
            if number < 0:
                raise MemberError(f"--{field.replace('_', '-')} must be 0 or more")
            changes[field] = number
        from dataclasses import replace as _replace

        store.put(_replace(member, **changes))
        print(f"Member {args.name!r}: limits changed on every replica within a second.", file=sys.stderr)
        return 0
    if args.command == "revoke":
        member = members.get(args.name)
        if member is None:
            raise MemberError(f"no member named {args.name!r} ('switchboard keys list' shows them)")
        from dataclasses import replace

        store.put(replace(member, revoked=True))
        print(f"Member {args.name!r} revoked: every replica refuses the key within a second.",
              file=sys.stderr)
        return 0
    return 2
