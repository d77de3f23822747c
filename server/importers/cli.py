"""``switchboard import [PATH]`` and ``switchboard export [--out FILE]``.

The import reads its sources only (SQLite opened read-only), prints one
plain line per provider and route created and per thing left behind, then
stores the keys in the keyring and saves switchboard.json, all or nothing.
It saves through the file like ``import-ccr`` always did: a running
Switchboard merges the change on its next save (config.merge).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Mapping, TextIO

from server import config as config_mod
from server.fileio import atomic_write_text, json_text
from server.importers import detect, export, plan as plan_mod
from server.importers.model import ImportSourceError
from server.secrets import MemoryKeyring, SecretStore


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())


def _config_path(arg: str | None, env: Mapping[str, str]) -> tuple[Path, Path | None]:
    """switchboard.json and the backups folder (for the usual file)."""
    if arg:
        return Path(arg).expanduser(), None
    from server.settings import Settings
    settings = Settings.from_env(environ=env)
    return settings.config_path, settings.home / "backups"


def import_parser(prog: str = "switchboard import") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Bring in providers, routes and keys from claude-code-router (2 or 3), cc-switch, or a "
                    "setup written by 'switchboard export'. Keys go to the OS keyring; the source is only read.")
    parser.add_argument("path", nargs="?", help="what to import (default: look in the usual places of all of them)")
    parser.add_argument("--config", help="switchboard.json to merge into (default: the usual one)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    parser.add_argument("--no-activate", action="store_true",
                        help="add the imported routes without making one the active route")
    return parser


def import_main(argv: list[str] | None = None, *, environ: Mapping[str, str] | None = None,
                secrets: SecretStore | None = None, out: TextIO | None = None, err: TextIO | None = None,
                prog: str = "switchboard import") -> int:
    args = import_parser(prog).parse_args(argv)
    env = os.environ if environ is None else environ
    out, err = out or sys.stdout, err or sys.stderr
    home = _home(env)
    sources: list[Any] = []
    try:
        if args.path:
            sources.append(detect.read(Path(args.path).expanduser(), home=home, environ=env))
        else:
            places, notes = detect.found_places(home, env)
            if not places:
                print("Found nothing to import: no claude-code-router or cc-switch settings in their usual "
                      "places:", file=out)
                for place in detect.default_places(home, env):
                    print(f"  {place.kind}: {place.path}", file=out)
                print(f"Give the file as PATH: {prog} PATH", file=out)
                return 1
            for note in notes:
                print(note, file=out)
            for place in places:
                sources.append(detect.read(place.path, home=home, environ=env))
        for source in sources:
            print(f"Found {detect.describe(source)}", file=out)

        config_path, backup_dir = _config_path(args.config, env)
        try:
            existing, stamp = config_mod.load_stamped(config_path)
        except config_mod.ConfigError as exc:
            print(f"{prog}: {exc}; fix it first (nothing was imported)", file=err)
            return 1
        plan = plan_mod.build(sources, existing.raw, activate=not args.no_activate)
        for line in plan.lines:
            print(line, file=out)
        if args.dry_run:
            store = SecretStore(MemoryKeyring(), environ=env)
        else:
            store = secrets or SecretStore(environ=env)

        def save(data: dict[str, Any]) -> None:
            if config_mod.stamp(config_path) != stamp:
                raise ImportSourceError(f"{config_path} changed while importing; nothing was imported. "
                                        f"Run the import again.")
            config_mod.save(config_path, data, backup_dir=backup_dir)

        if args.dry_run:
            changed = plan.config != plan_mod.normalized(existing.raw) or bool(plan.keys)
            print(f"Dry run: nothing was written ({'would save' if changed else 'nothing to change in'} "
                  f"{config_path})", file=out)
            return 0
        changed = plan_mod.apply(plan, existing=existing.raw, secrets=store, save=save)
    except ImportSourceError as exc:
        print(f"{prog}: {exc}", file=err)
        return 1
    except OSError as exc:
        print(f"{prog}: cannot save: {exc.strerror}; nothing was imported", file=err)
        return 1
    if changed:
        print(f"Saved {config_path}", file=out)
    else:
        print("Nothing changed: all of it was imported before", file=out)
    return 0


def export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard export",
        description="Write your providers, routes and network settings, without any key, to share or move "
                    "to another computer ('switchboard import FILE' reads it back).")
    parser.add_argument("--out", help="file to write (default: print it)")
    parser.add_argument("--config", help="switchboard.json to export (default: the usual one)")
    return parser


def export_main(argv: list[str] | None = None, *, environ: Mapping[str, str] | None = None,
                out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = export_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    out, err = out or sys.stdout, err or sys.stderr
    config_path, _ = _config_path(args.config, env)
    try:
        raw = config_mod.load(config_path).raw
    except config_mod.ConfigError as exc:
        print(f"switchboard export: {exc}; fix it first", file=err)
        return 1
    doc, notes = export.build(raw)
    text = json_text(doc) + "\n"
    if args.out:
        target = Path(args.out).expanduser()
        try:
            atomic_write_text(target, text)
        except OSError as exc:
            print(f"switchboard export: cannot write {target}: {exc.strerror}", file=err)
            return 1
        print(f"Wrote {target} ({len(doc['providers'])} providers, {len(doc['routes'])} routes, no keys)", file=err)
    else:
        out.write(text)
    for note in notes:
        print(note, file=err)
    return 0
