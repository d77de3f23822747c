"""``switchboard check <provider>/<model> [--json] [--config PATH]``.

Shows the token estimate, runs the checks through the configured provider
(the same provider objects and translation Claude Code's requests go
through), prints one card per capability (or JSON with ``--json``) and keeps
the result per provider/model with the date (server/check/store.py).
Exit status: 0 all passed or skipped, 1 a check failed, 2 the command
could not start (no such provider, bad config).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

import orjson

from server.check import store
from server.check.run import FAIL, PASS, Card, Checker, Options
from server.errors import SwitchboardError
from server.protocol.events import accumulate
from server.providers.base import Call, Reply, Target
from server.sse import SSEParser

MARK = {PASS: "PASS", FAIL: "FAIL", "skipped": "SKIP"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="switchboard check",
        description="Run short Claude Code-shaped requests against one model and report what works.")
    p.add_argument("target", help="provider/model, e.g. openai/gpt-4.1-mini (the provider id from switchboard.json)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--config", help="path to switchboard.json")
    p.add_argument("--no-vision", action="store_true", help="the model has no vision: skip the image step")
    p.add_argument("--no-reasoning", action="store_true", help="the model has no reasoning: skip the thinking step")
    p.add_argument("--context-window", type=int, metavar="TOKENS",
                   help="the model's stated context window (default: probe about 60k tokens)")
    p.add_argument("--no-context", action="store_true", help="skip the long-prompt step (it uses the most tokens)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before sending")
    return p.parse_args(argv)


async def collect(reply: Reply) -> dict[str, Any]:
    """A provider's Reply as one complete Message (raises a stream's error)."""
    try:
        if reply.message is not None:
            return reply.message
        if reply.body is not None:
            return orjson.loads(reply.body)
        events: list[dict[str, Any]] = []
        if reply.events is not None:
            async for batch in reply.events:
                events += [e for e in batch if e.get("type") != "ping"]
        elif reply.raw is not None:
            parser = SSEParser()
            async for chunk in reply.raw:
                events += [orjson.loads(f.data) for f in parser.feed(chunk) if f.data and f.data != "[DONE]"]
            events += [orjson.loads(f.data) for f in parser.close() if f.data and f.data != "[DONE]"]
        return accumulate([e for e in events if e.get("type") != "ping"])
    finally:
        await reply.aclose()


def sender(gw: Any, pid: str, model: str) -> Any:
    """Send as Switchboard sends Claude Code's requests: the same provider
    objects, retries (a dropped keep-alive connection) and key pool."""
    target = Target(pid, model)

    async def send(body: dict[str, Any]) -> dict[str, Any]:
        async def attempt(t: Target, key: Any = None) -> Reply:
            call = Call(request=body, model=t.model, stream=bool(body.get("stream")), requested_model=body["model"])
            return await gw.provider(t.provider_id, key).send(call)

        reply, _ = await gw.dispatcher.send((target,), attempt, gw.key_pool)
        return await collect(reply)
    return send


def print_card(card: Card, out: TextIO) -> None:
    print(f"[{MARK.get(card.status, card.status)}] {card.title}", file=out)
    if card.explanation:
        print(f"       {card.explanation}", file=out)
    if card.advice and card.status == FAIL:
        print(f"       What to do: {card.advice}", file=out)
    out.flush()


async def run_check(gw: Any, pid: str, model: str, opts: Options, *, as_json: bool, confirm: bool,
                    out: TextIO) -> tuple[int, dict[str, Any] | None]:
    try:
        gw.provider(pid)  # a missing key or a bad proxy setting: said before anything is sent
    except SwitchboardError as exc:
        print(f"switchboard check: {exc.message}", file=sys.stderr)
        return 2, None
    checker = Checker(sender(gw, pid, model), model, opts, progress=None if as_json else (lambda c: print_card(c, out)))
    if not as_json:
        print(f"Checking {pid}/{model} with Claude Code-shaped requests: at most about "
              f"{checker.estimate:,} tokens (input + output).", file=out, flush=True)
        if confirm and sys.stdin.isatty():
            answer = input("Go on? [Y/n] ").strip().lower()
            if answer not in ("", "y", "yes"):
                print("Nothing was sent.", file=out)
                return 0, None
    try:
        outcome = await checker.run()
    finally:
        await gw.shutdown()
    result = {"target": f"{pid}/{model}", **outcome.as_dict()}
    entry = store.save(gw.settings.home, f"{pid}/{model}", result)
    if as_json:
        print(json.dumps({**entry, "target": f"{pid}/{model}"}, indent=2), file=out)
    else:
        print(f"Used {outcome.used:,} tokens ({outcome.used_input:,} in, {outcome.used_output:,} out) "
              f"of the {outcome.estimate:,} estimated.", file=out)
    return (1 if any(c.status == FAIL for c in outcome.cards) else 0), entry


def main(argv: list[str], *, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)
    pid, sep, model = args.target.partition("/")
    if not sep or not pid or not model:
        print("switchboard check: name the target as provider/model, e.g. openai/gpt-4.1-mini", file=sys.stderr)
        return 2
    from server.gateway import Gateway  # the gateway imports much: only when the command runs
    from server.settings import Settings

    settings = Settings.from_env(config_path=args.config)
    gw = Gateway(settings)
    if gw.config_error:
        print(f"switchboard check: the settings file has a problem: {gw.config_error}", file=sys.stderr)
        return 2
    if pid not in gw.config.providers:
        names = ", ".join(gw.config.providers) or "none yet"
        print(f"switchboard check: no provider {pid!r} in {settings.config_path} (providers: {names})",
              file=sys.stderr)
        return 2
    opts = Options(vision=not args.no_vision, reasoning=not args.no_reasoning,
                   context_window=args.context_window, context=not args.no_context)
    code, _ = asyncio.run(run_check(gw, pid, model, opts, as_json=args.json, confirm=not args.yes, out=out))
    return code
