"""python -m server: the headless gateway (no GUI needed)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from hypercorn.asyncio import serve

from server.app import create_app
from server.logs import setup_file_logging
from server.loop import new_event_loop
from server.runner import hypercorn_config
from server.settings import Settings

__version__ = "0.1.0"
USAGE_COMMANDS = {"usage": "usage_main", "statusline": "statusline_main"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="switchboard", description=__doc__,
        epilog="switchboard import-ccr [PATH]: import a claude-code-router config")
    parser.add_argument("--config", help="path to switchboard.json (default: in SWITCHBOARD_HOME or the user config folder)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 3456)")
    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    return parser.parse_args(argv)


async def _serve(app, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    await serve(app, hypercorn_config(host, port), shutdown_trigger=stop.wait)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import-ccr"]:
        # switchboard import-ccr [PATH]: bring in a claude-code-router config.
        from server.ccr_import import main as import_ccr_main

        return import_ccr_main(argv[1:])
    if argv[:1] and argv[0] in USAGE_COMMANDS:
        # switchboard usage / statusline (issue 15): read the usage history.
        from server.usage import cli as usage_cli

        return getattr(usage_cli, USAGE_COMMANDS[argv[0]])(argv[1:])
    args = parse_args(argv)
    settings = Settings.from_env(config_path=args.config)
    # The terminal shows warnings and errors; the per-request lines go to the
    # log file only (formatting them twice cost ~5 % of a request's CPU).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    setup_file_logging(settings.log_dir)
    app = create_app(settings)
    gw = app.config["GATEWAY"]
    host = args.host or gw.config.server.host
    port = args.port or gw.config.server.port
    if gw.config_error:
        print(f"switchboard: config problem: {gw.config_error}", file=sys.stderr)
    print(f"Switchboard listening on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(_serve(app, host, port))
    except OSError as exc:
        print(f"switchboard: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
