"""``switchboard import-ccr [PATH]``: the command line around import_ccr().

Prints the report (never a key), then saves switchboard.json atomically. The
CCR file is opened read-only and never written.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Mapping, TextIO

from server import config as config_mod
from server.ccr_import.convert import CCRImportError, import_ccr
from server.secrets import MemoryKeyring, SecretStore

DEFAULT_CCR_PATH = Path("~") / ".claude-code-router" / "config.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard import-ccr",
        description="Import providers and routing from a claude-code-router config. "
                    "Keys go to the OS keyring; the CCR file is not changed.")
    parser.add_argument("path", nargs="?", default=str(DEFAULT_CCR_PATH),
                        help=f"the claude-code-router config (default {DEFAULT_CCR_PATH})")
    parser.add_argument("--config", help="switchboard.json to merge into (default: the usual one)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be imported; write nothing (no keyring, no config)")
    parser.add_argument("--no-activate", action="store_true",
                        help="add the imported route without making it the active route")
    return parser


def main(argv: list[str] | None = None, *, environ: Mapping[str, str] | None = None,
         secrets: SecretStore | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    out = out or sys.stdout
    err = err or sys.stderr
    ccr_path = Path(args.path).expanduser()
    try:
        text = ccr_path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        print(f"switchboard import-ccr: no claude-code-router config at {ccr_path}", file=err)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "it is not UTF-8 text"
        print(f"switchboard import-ccr: cannot read {ccr_path}: {why}", file=err)
        return 1

    if args.config:
        config_path = Path(args.config).expanduser()
    else:
        from server.settings import Settings
        config_path = Settings.from_env(environ=env).config_path
    try:
        existing = config_mod.load(config_path).raw
    except config_mod.ConfigError as exc:
        print(f"switchboard import-ccr: {exc}; fix it first (nothing was imported)", file=err)
        return 1

    if args.dry_run:
        secrets = SecretStore(MemoryKeyring(), environ=env)
    elif secrets is None:
        secrets = SecretStore(environ=env)
    try:
        result = import_ccr(text, environ=env, secrets=secrets, existing=existing,
                            activate=not args.no_activate)
    except CCRImportError as exc:
        print(f"switchboard import-ccr: {ccr_path}: {exc}", file=err)
        return 1

    for line in result.report:
        print(line, file=out)
    if args.dry_run:
        print(f"Dry run: nothing was written (would save {config_path})", file=out)
        return 0
    try:
        config_mod.save(config_path, result.config)
    except (config_mod.ConfigError, OSError) as exc:
        print(f"switchboard import-ccr: cannot save {config_path}: {exc}", file=err)
        return 1
    print(f"Saved {config_path}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
