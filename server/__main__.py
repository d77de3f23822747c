"""python -m server: the headless gateway (no GUI needed)."""
from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import signal
import sys

from hypercorn.asyncio import serve

from server.app import create_app
from server.exposure import is_loopback
from server.instance import InstanceLock, make_blueprint as make_instance_blueprint
from server.logs import setup_file_logging
from server.loop import new_event_loop
from server.runner import announce_address, hypercorn_config, raise_fd_limit
from server.secrets import ACCESS_KEY_ENV
from server.settings import Settings

__version__ = "0.1.0"
# switchboard <command> ...: the module (imported only when asked), its entry
# point and extra keyword arguments; anything else runs the gateway.
SUBCOMMANDS: dict[str, tuple[str, str, dict[str, str]]] = {
    # what works under Claude Code (issue 18)
    "check": ("server.check.cli", "main", {}),
    # import [PATH] (import-ccr: its old name) / export [--out FILE]
    "import": ("server.importers.cli", "import_main", {"prog": "switchboard import"}),
    "import-ccr": ("server.importers.cli", "import_main", {"prog": "switchboard import-ccr"}),
    "export": ("server.importers.cli", "export_main", {}),
    # keys add|list|revoke: member keys (team mode, issue 20)
    "keys": ("server.shared.cli", "main", {}),
    "settings-link": ("server.instance", "settings_link_main", {}),
    # usage / statusline (issue 15): read the usage history
    "usage": ("server.usage.cli", "usage_main", {}),
    "statusline": ("server.usage.cli", "statusline_main", {}),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="switchboard", description=__doc__,
        epilog="switchboard import-ccr [PATH]: import a claude-code-router config. "
               "switchboard settings-link [--open] [--config PATH]: a one-time link to the settings page "
               "of the Switchboard running for that config")
    parser.add_argument("--config", help="path to switchboard.json (default: in SWITCHBOARD_HOME or the user config folder)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 3456)")
    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    return parser.parse_args(argv)


def _check_exposure(host: str, port: int, environ: dict[str, str] | os._Environ[str],
                    members: bool = False) -> str | None:
    """Refuse a non-loopback address without an explicit access key or
    member keys (``switchboard keys add``); warn with one.

    Returns the refusal message, or None when serving may go on.
    """
    if is_loopback(host):
        return None
    if not environ.get(ACCESS_KEY_ENV) and not members:
        return (f"switchboard: refusing to listen on {host}:{port}: that address is reachable "
                f"from other computers, and the access key is the generated desktop one. "
                f"Set {ACCESS_KEY_ENV} to a long random key of your own, or add member keys "
                f"with 'switchboard keys add NAME', to serve a network, "
                f"or use --host 127.0.0.1.")
    warning = (f"WARNING: Switchboard is listening on {host}:{port}, which other computers can "
               f"reach: anyone who can connect and knows the access key can use your providers "
               f"and their keys. Use --host 127.0.0.1 to serve this computer only.")
    logging.getLogger("switchboard").warning(warning)  # on stderr and in the log file
    return None


async def _serve(app, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopping() -> None:
        app.config["GATEWAY"].announce_stopping()  # open settings pages let go at once
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stopping)
        except (NotImplementedError, RuntimeError):  # Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stopping))
    # SIGTERM (a rolling update): stop accepting, let streams in flight finish
    # for up to the grace period (SWITCHBOARD_SHUTDOWN_GRACE), then close.
    grace = app.config["GATEWAY"].settings.shutdown_grace
    await serve(app, hypercorn_config(host, port, graceful_timeout=grace), shutdown_trigger=stop.wait)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in SUBCOMMANDS:
        module, function, kwargs = SUBCOMMANDS[argv[0]]
        return getattr(importlib.import_module(module), function)(argv[1:], **kwargs)
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
    refusal = _check_exposure(host, port, os.environ, members=_has_members(gw, settings))
    if refusal:
        print(refusal, file=sys.stderr, flush=True)
        return 2
    raise_fd_limit()
    lock = _publish_instance(app, settings, port)
    if gw.config_error:
        print(f"switchboard: config problem: {gw.config_error}", file=sys.stderr)
    announce_address(app, host, port)
    print(f"Switchboard listening on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(_serve(app, host, port))
    except OSError as exc:
        print(f"switchboard: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    return 0


def _has_members(gw, settings: Settings) -> bool:  # type: ignore[no-untyped-def]
    """Whether active member keys exist (Redis in team mode, else members.json)."""
    if not settings.redis_url:
        return not gw.members.empty
    from server.shared.members import RedisMembers

    try:
        return any(not m.revoked for m in RedisMembers(settings.redis_url).load().values())
    except Exception:  # Redis unreachable at start: the access key decides
        return False


def _publish_instance(app, settings: Settings, port: int) -> InstanceLock:  # type: ignore[no-untyped-def]
    """Take this home's instance lock and, once listening, publish the 0600
    instance file: ``switchboard settings-link`` and a second launch of the
    app find this server through it and prove who it is."""
    lock = InstanceLock(settings.home, config_path=settings.config_path)
    app.register_blueprint(make_instance_blueprint(lock.secret, settings.home))
    if not lock.acquire():
        print(f"switchboard: another Switchboard already runs from {settings.home}; "
              "settings-link and the app will reach that one", file=sys.stderr)
        return lock

    @app.before_serving
    async def _published() -> None:
        lock.publish(port)

    return lock


if __name__ == "__main__":
    sys.exit(main())
